"""Fingerprints of what an event would send to Dwolla, so one eventId can never stand for two requests.

Each is an HMAC-SHA256 keyed with a secret that is never stored with it (the fingerprint key, in Secrets
Manager) over the eventId and one part of the request: a plain SHA-256 of a short credential (an MX
code, a test token) could be found by trying every value, and without the eventId two events sharing a
credential would be linkable in the table. One fingerprint per part lets a conflict name the part that
differs (`customerId`, `partner`, `credential`) without showing any of it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from exchange_linker.contracts.link_completed import LinkCompletedEvent
from exchange_linker.errors import DependencyError

REQUEST = "request"
PARTS = ("customerId", "partner", "credential")
MIN_KEY_BYTES = 32


class Fingerprinter:
    """Reads the key once per container (it never changes), then only hashes."""

    def __init__(self, key: Callable[[], bytes]) -> None:
        self._read_key = key
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def of(self, event: LinkCompletedEvent) -> dict[str, str]:
        """{"request": …, "customerId": …, "partner": …, "credential": …}, hex digests."""
        parts: dict[str, Any] = {
            "customerId": event.customer_id or "",  # empty: the account's own exchange
            "partner": event.partner.value,
            "credential": event.credential_payload(),
        }
        key = self._secret()
        digests = {name: _digest(key, event.event_id, name, value) for name, value in parts.items()}
        return {REQUEST: _digest(key, event.event_id, REQUEST, parts), **digests}

    def _secret(self) -> bytes:
        with self._lock:
            if self._key is None:
                key = self._read_key()
                if len(key) < MIN_KEY_BYTES:
                    message = f"the fingerprint key must be at least {MIN_KEY_BYTES} bytes"
                    raise DependencyError("FingerprintKeyUnavailable", message, permanent=False)
                self._key = key
            return self._key


def differing_parts(stored: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """The parts that differ; empty when the request is the same or nothing was stored (older items)."""
    if not stored.get(REQUEST) or stored.get(REQUEST) == current.get(REQUEST):
        return []
    return [part for part in PARTS if stored.get(part) != current.get(part)] or [REQUEST]


def _digest(key: bytes, event_id: str, part: str, value: Any) -> str:
    canonical = json.dumps([event_id, part, value], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()
