"""Application access tokens: issued by POST /token, checked on every other call."""

from __future__ import annotations

import secrets
import threading
from enum import Enum

from exchange_linker_tools.emulator.clock import Clock


class TokenStatus(Enum):
    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"


class TokenStore:
    """Remembers every token it issued, so an expired one answers ExpiredAccessToken, not InvalidAccessToken."""

    def __init__(self, lifetime: int, clock: Clock) -> None:
        self._lifetime = lifetime
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def lifetime(self) -> int:
        return self._lifetime

    def issue(self) -> str:
        token = secrets.token_urlsafe(37)
        with self._lock:
            self._expiry[token] = self._clock() + self._lifetime
        return token

    def check(self, token: str | None) -> TokenStatus:
        with self._lock:
            expires_at = self._expiry.get(token) if token else None
        if expires_at is None:
            return TokenStatus.UNKNOWN
        return TokenStatus.VALID if self._clock() < expires_at else TokenStatus.EXPIRED

    def expire_all(self) -> None:
        with self._lock:
            self._expiry = dict.fromkeys(self._expiry, float("-inf"))
