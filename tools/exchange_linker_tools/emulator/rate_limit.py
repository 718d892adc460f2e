"""A token bucket over the whole API, so clients can be tested against Dwolla's 429s and Retry-After.

Dwolla documents a volume limit without numbers (and says a hit limit persists about five minutes);
here the operator picks the rate. The bucket runs on the emulator's clock, so a test with a fake
clock decides exactly when tokens come back.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from exchange_linker_tools.emulator.clock import Clock


@dataclass(frozen=True)
class RateLimit:
    requests_per_second: float
    burst: float  # the bucket's size: how many requests may arrive at once after a quiet spell


class TokenBucket:
    """Off until configured. ``take()`` either spends a token or says how long until one is back."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._limit: RateLimit | None = None
        self._tokens = 0.0
        self._updated = 0.0

    @property
    def limit(self) -> RateLimit | None:
        return self._limit

    def configure(self, requests_per_second: float | None, burst: float | None = None) -> RateLimit | None:
        """None turns the limit off. ``burst`` defaults to one second's worth (at least 1). Starts full."""
        if requests_per_second is None:
            limit = None
        else:
            if not requests_per_second > 0 or not math.isfinite(requests_per_second):
                raise ValueError("requests per second must be a positive number")
            size = max(1.0, requests_per_second) if burst is None else burst
            if not size >= 1 or not math.isfinite(size):
                raise ValueError("burst must be at least 1")
            limit = RateLimit(float(requests_per_second), float(size))
        with self._lock:
            self._limit = limit
            self._tokens = limit.burst if limit else 0.0
            self._updated = self._clock()
        return limit

    def refill(self) -> None:
        with self._lock:
            self._tokens = self._limit.burst if self._limit else 0.0
            self._updated = self._clock()

    def take(self) -> float | None:
        """None when the request may proceed; otherwise the seconds until the next token."""
        with self._lock:
            limit = self._limit
            if limit is None:
                return None
            now = self._clock()
            self._tokens = min(limit.burst, self._tokens + (now - self._updated) * limit.requests_per_second)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return None
            return (1 - self._tokens) / limit.requests_per_second


def retry_after_header(seconds: float) -> str:
    """Whole seconds, rounded up and at least 1: a client that waits that long will get through."""
    return str(max(1, math.ceil(seconds - 1e-9)))
