"""Fingerprints of what an event would send to Dwolla, so one eventId can never stand for two requests.

Each is an HMAC-SHA256 keyed with a secret that is never stored with it (the fingerprint key, in Secrets
Manager) over the eventId and one part of the request: a plain SHA-256 of a short credential (an MX
code, a test token) could be found by trying every value, and without the eventId two events sharing a
credential would be linkable in the table. One fingerprint per part lets a conflict name the part that
differs (`customerId`, `partner`, `credential`) without showing any of it.

`fundingSource` (issue 14) is fingerprinted apart from `request`, which stays the exchange POST's own: a row
written before funding sources existed has no such part and never conflicts on it, while a newer row holds
one even when the event asked for none, so adding, dropping or changing it under the same eventId is a
`ConflictingEvent` naming `fundingSource`.
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
FUNDING_SOURCE = "fundingSource"
MIN_KEY_BYTES = 32


class Fingerprinter:
    """Reads the key once per container (it never changes), then only hashes."""

    def __init__(self, key: Callable[[], bytes]) -> None:
        self._read_key = key
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def of(self, event: LinkCompletedEvent) -> dict[str, str]:
        """{"request": …, "customerId": …, "partner": …, "credential": …, "fundingSource": …}, hex digests."""
        parts: dict[str, Any] = {
            "customerId": event.customer_id or "",  # empty: the account's own exchange
            "partner": event.partner.value,
            "credential": event.credential_payload(),
        }
        key = self._secret()
        digests = {name: _digest(key, event.event_id, name, value) for name, value in parts.items()}
        funding = event.funding_source.payload("") if event.funding_source is not None else None
        return {
            REQUEST: _digest(key, event.event_id, REQUEST, parts),
            **digests,
            FUNDING_SOURCE: _digest(key, event.event_id, FUNDING_SOURCE, funding),
        }

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
    """The parts that differ; empty when the request is the same, nothing was stored (older items), or
    ours is not known (its key could not be read): never a conflict claimed on no knowledge.

    A stored fingerprint without `fundingSource` (a row from before funding sources) never differs there.
    """
    if not stored.get(REQUEST) or not current.get(REQUEST):
        return []
    differing = []
    if stored.get(REQUEST) != current.get(REQUEST):
        differing = [part for part in PARTS if stored.get(part) != current.get(part)] or [REQUEST]
    if FUNDING_SOURCE in stored and stored[FUNDING_SOURCE] != current.get(FUNDING_SOURCE):
        differing.append(FUNDING_SOURCE)
    return differing


def _digest(key: bytes, event_id: str, part: str, value: Any) -> str:
    canonical = json.dumps([event_id, part, value], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()
