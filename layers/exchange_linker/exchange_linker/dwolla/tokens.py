"""The application access token: memory, then the fleet-wide token secret, then `POST /token`.

One token serves every container: whoever renews it writes it back to the token secret, and everyone
else picks it up from there instead of asking Dwolla. Each container renews a little early, at a jittered
moment, so the fleet does not stampede `/token` when a token nears its end.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

DEFAULT_RENEW_MARGIN = 60.0
DEFAULT_RENEW_JITTER = 240.0


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: float  # epoch seconds

    def usable(self, now: float, margin: float) -> bool:
        return self.expires_at - margin > now


class TokenStore(Protocol):
    """Where the fleet shares its token (the token secret)."""

    def load(self, *, fresh: bool) -> AccessToken | None:
        """The stored token, or None when there is none or it cannot be parsed. `fresh` skips caches."""
        ...

    def save(self, token: AccessToken) -> None: ...


class TokenIssuer(Protocol):
    def issue_token(self) -> AccessToken: ...


class TokenProvider:
    def __init__(
        self,
        store: TokenStore,
        issuer: TokenIssuer,
        *,
        clock: Callable[[], float] = time.time,
        renew_margin: float = DEFAULT_RENEW_MARGIN,
        renew_jitter: float = DEFAULT_RENEW_JITTER,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._issuer = issuer
        self._clock = clock
        self._margin = renew_margin + (rng or random.Random()).uniform(0, renew_jitter)  # noqa: S311 - jitter
        self._token: AccessToken | None = None
        self._lock = threading.Lock()

    def current(self) -> AccessToken:
        token = self._token
        if token is not None and token.usable(self._clock(), self._margin):
            return token
        with self._lock:
            return self._refresh(rejected=None)

    def replace(self, rejected: AccessToken, *, issue: bool = False) -> AccessToken:
        """Dwolla refused `rejected` (expired or invalid): get a different one.

        First the shared one, which another container may have renewed; with `issue=True` (the shared one
        was refused too) straight from `POST /token`, unless another thread of ours just did that.
        """
        with self._lock:
            return self._refresh(rejected=rejected, skip_store=issue)

    def _refresh(self, rejected: AccessToken | None, *, skip_store: bool = False) -> AccessToken:
        now = self._clock()
        if self._acceptable(self._token, rejected, now):
            assert self._token is not None
            return self._token
        if not skip_store:
            # One read of the shared secret. At a cold start its cache is empty anyway; when renewing or
            # replacing, skip the cache: it may hold the very token we are replacing.
            fresh = self._token is not None or rejected is not None
            stored = self._store.load(fresh=fresh)
            if self._acceptable(stored, rejected, now):
                assert stored is not None
                self._token = stored
                return stored
        return self._issue()

    def _issue(self) -> AccessToken:
        token = self._issuer.issue_token()
        self._store.save(token)
        self._token = token
        return token

    def _acceptable(self, token: AccessToken | None, rejected: AccessToken | None, now: float) -> bool:
        if token is None or not token.usable(now, self._margin):
            return False
        return rejected is None or token.value != rejected.value
