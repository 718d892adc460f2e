"""What one Lambda invocation knows: when it must have answered, and which dependencies already failed.

The deadline is the context's remaining time minus a margin kept back to record what happened to the
records in flight (a DynamoDB write, a DLQ message, a visibility change). No Dwolla call runs past it and
no record starts after it: such records are handed back untouched. A dependency that failed (Secrets
Manager, `POST /token`, `GET /exchange-partners`) is remembered until the invocation ends, so a batch
pays for one failure, not one per record.

One instance per container, restarted by every invocation (a container runs one invocation at a time);
the records' worker threads share it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from exchange_linker.errors import DependencyError, NotAttemptedError, repeated

# A call needs at least this long to be worth starting: with less left, a POST would time out with its
# outcome unknown, which costs more than handing the record back untouched.
MIN_CALL_SECONDS = 1.0
DEADLINE_EXCEEDED = "DeadlineExceeded"


class Invocation:
    def __init__(self, *, margin: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._margin = margin
        self._clock = clock
        self._deadline: float | None = None
        self._failures: dict[str, DependencyError] = {}
        self._lock = threading.Lock()

    def begin(self, remaining_seconds: float | None) -> None:
        """A new invocation with this much time left (None: no deadline, as in tools and tests)."""
        with self._lock:
            self._failures.clear()
            self._deadline = None if remaining_seconds is None else self._clock() + remaining_seconds - self._margin

    def remaining(self) -> float | None:
        """Seconds left before the deadline (negative once past it), or None without a deadline."""
        deadline = self._deadline
        return None if deadline is None else deadline - self._clock()

    def deadline(self) -> float | None:
        """The deadline on this object's clock, less the time a call needs: the last moment to start one."""
        deadline = self._deadline
        return None if deadline is None else deadline - MIN_CALL_SECONDS

    def check(self) -> None:
        """Raise NotAttemptedError (DeadlineExceeded) when there is no longer time to start a call."""
        remaining = self.remaining()
        if remaining is not None and remaining < MIN_CALL_SECONDS:
            raise NotAttemptedError(DEADLINE_EXCEEDED, "not started: the invocation is out of time")

    def timeouts(self, connect: float, read: float) -> tuple[float, float]:
        """(connect, read) timeouts for a call starting now, cut so that it ends by the deadline."""
        self.check()
        remaining = self.remaining()
        if remaining is None:
            return connect, read
        if remaining >= connect + read:
            return connect, read
        connect = min(connect, remaining / 4)  # connecting is quick when it works at all
        return connect, min(read, remaining - connect)

    def remember(self, dependency: str, error: DependencyError) -> None:
        """`dependency` failed with `error`; later records of this invocation fail the same way at once."""
        if isinstance(error, NotAttemptedError) or error.permanent:
            return  # not a failing dependency: out of time, or a refusal about this one record
        with self._lock:
            self._failures.setdefault(dependency, error)

    def guard[T](self, dependency: str, call: Callable[[], T]) -> Callable[[], T]:
        """`call`, failing at once for the rest of the invocation once it failed (a secret read, say)."""

        def guarded() -> T:
            remembered = self.recall(dependency)
            if remembered is not None:
                raise remembered
            try:
                return call()
            except DependencyError as error:
                self.remember(dependency, error)
                raise

        return guarded

    def recall(self, dependency: str) -> DependencyError | None:
        """A fresh error repeating the remembered failure of `dependency`, if it failed in this invocation."""
        with self._lock:
            error = self._failures.get(dependency)
        return None if error is None else repeated(error, "failed earlier in this invocation; retried in the next")
