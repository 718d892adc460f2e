"""Idempotency-Key bookkeeping: replay a success, refuse a concurrent duplicate, forget failures."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum

from exchange_linker_tools.emulator.clock import Clock

REPLAY_WINDOW_SECONDS = 24 * 60 * 60


class ClaimOutcome(Enum):
    NEW = "new"  # the caller owns the key and must complete() or release() it
    REPLAY = "replay"  # an earlier request with this key and body succeeded
    IN_FLIGHT = "in_flight"  # an earlier request with this key is still being processed
    MISMATCH = "mismatch"  # the key succeeded earlier with a different request
    LOCKED = "locked"  # the key's request created its resource but answered 500: Dwolla says 409 for a while


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    location: str | None = None


@dataclass
class _Entry:
    fingerprint: str
    location: str | None  # None while in flight
    completed_at: float = 0.0
    conflicts_left: int = 0  # 409s still owed after a 500-after-create


class IdempotencyStore:
    """Only successes are remembered, as Dwolla does: a retry after a 5xx or 429 is processed afresh.

    The exception is a 500 that came after the resource was created: the key then answers 409
    ``conflicts_after`` times before it replays the 201, as Dwolla did during its 2025 incidents.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def claim(self, key: str, fingerprint: str) -> Claim:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.location is None:
                return Claim(ClaimOutcome.IN_FLIGHT)
            if entry is not None and self._clock() - entry.completed_at < REPLAY_WINDOW_SECONDS:
                if entry.conflicts_left > 0:
                    entry.conflicts_left -= 1
                    return Claim(ClaimOutcome.LOCKED)
                if entry.fingerprint != fingerprint:
                    return Claim(ClaimOutcome.MISMATCH)
                return Claim(ClaimOutcome.REPLAY, entry.location)
            self._entries[key] = _Entry(fingerprint=fingerprint, location=None)
            return Claim(ClaimOutcome.NEW)

    def complete(self, key: str, location: str, conflicts_after: int = 0) -> None:
        with self._lock:
            entry = self._entries[key]
            entry.location = location
            entry.completed_at = self._clock()
            entry.conflicts_left = conflicts_after

    def release(self, key: str) -> None:
        """Forget an in-flight claim whose request failed (a completed one is kept)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.location is None:
                del self._entries[key]

    def forget(self, key: str | None = None, *, completed_before: float | None = None) -> int:
        """Drop completed keys (all, or just ``key``) as if their 24 h had passed; in-flight claims stay.

        ``completed_before`` (this store's clock): only keys completed earlier, so a day passing forgets the
        old day's keys, not one completed a moment after the clocks moved. Returns how many were forgotten.
        """
        with self._lock:
            doomed = [
                k
                for k, e in self._entries.items()
                if e.location is not None
                and key in (None, k)
                and (completed_before is None or e.completed_at < completed_before)
            ]
            for k in doomed:
                del self._entries[k]
            return len(doomed)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
