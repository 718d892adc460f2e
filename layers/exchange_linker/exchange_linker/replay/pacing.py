"""Pacing for a replay: a send rate that spares the consumer (and Dwolla), and a deadline to stop before.

Clock and sleep are injected so tests check the computed waits without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class RateLimiter:
    """At most `per_second` sends per second, evenly spaced (no bursts after an idle spell)."""

    def __init__(self, per_second: float | None, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        if per_second is not None and not per_second > 0:
            raise ValueError("the rate must be a positive number of messages per second")
        self._interval = 1 / per_second if per_second else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None

    def next_wait(self) -> float:
        """How long the next send would have to wait, without waiting."""
        if self._next is None:
            return 0.0
        return max(0.0, self._next - self._clock())

    def wait(self) -> float:
        """Wait for the next slot; returns the seconds waited."""
        if not self._interval:
            return 0.0
        delay = self.next_wait()
        if delay > 0:
            self._sleep(delay)
        now = self._clock()
        self._next = max(self._next or now, now) + self._interval
        return delay


class Deadline:
    """The time left before the caller must have stopped (a Lambda's remaining time minus a margin)."""

    def __init__(self, remaining: Callable[[], float] | None = None, *, margin: float = 0.0) -> None:
        self._remaining = remaining
        self._margin = margin

    @classmethod
    def none(cls) -> Deadline:
        return cls()

    @classmethod
    def in_seconds(cls, seconds: float, *, margin: float = 0.0, clock: Clock = time.monotonic) -> Deadline:
        end = clock() + seconds
        return cls(lambda: end - clock(), margin=margin)

    def left(self) -> float | None:
        """Seconds left to work (margin already taken off); None when there is no deadline."""
        return None if self._remaining is None else self._remaining() - self._margin

    def allows(self, seconds: float = 0.0) -> bool:
        left = self.left()
        return left is None or left > seconds
