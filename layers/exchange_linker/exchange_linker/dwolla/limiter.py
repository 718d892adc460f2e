"""AIMD for one container's exchange POSTs: slow down hard when Dwolla answers 429, creep back while it does not.

Two limits, adapted the same way (additive increase, multiplicative decrease):

- concurrency: POSTs in flight, between 1 and `max_concurrency`. A new container starts at two and adds
  one per success until its first 429 (a slow start: a fleet of cold containers does not open with a
  burst of `max_concurrency` each), then +1 per window of successes and x`decrease` on a 429;
- pace: from the first 429 on, POSTs start at most `rate` per second (+`increase` req/s per successful
  POST, so the pace grows by `increase` x itself each second; x`decrease` on a 429). The first pace is
  the rate measured over the last second.

A 429 only slows the container down if its POST started after the last slow-down (those in flight then
were sent at the old pace and say nothing new), and `Retry-After` holds every new POST until it has
passed. Time the container left unused at its pace (between batches) may be made up, half a second's
worth at most. After `recovery_seconds` without a 429 both limits are lifted. Containers adapt independently,
which is what lets several of them share Dwolla's limit without coordinating; the increase is relative to
the container's own pace so that the fleet as a whole probes at the same speed whatever its size.

`try_acquire` and `release` never block and take the time from `clock`, so a simulation can drive the
limiter on a fake clock; `acquire` is the blocking form the service uses.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from exchange_linker.observability import Metric, count

# Tuned by simulation against a token bucket (tests/unit/dwolla/test_limiter.py, 2,000 events at 20/s): one
# container keeps about 98 % of the limit with under 1 % of its POSTs answered 429; two, three and five
# containers keep all of it with about 1.5 %, 2.5 % and 4.5 % answered 429.
DEFAULT_DECREASE = 0.7
DEFAULT_INCREASE = 0.01  # req/s gained per successful POST
DEFAULT_MIN_RATE = 0.2  # one POST every 5 s: still probing when Dwolla's penalty lasts minutes
DEFAULT_RECOVERY_SECONDS = 300.0
INITIAL_CONCURRENCY = 2.0
# Time not used at the pace (between two batches, say) that may be made up by starting POSTs sooner: what
# Dwolla's bucket refilled meanwhile. Half a second stays within a bucket holding a second's worth.
PACE_CREDIT_SECONDS = 0.5


@dataclass(frozen=True)
class Permit:
    started: float


@dataclass(frozen=True)
class LimiterState:
    concurrency: float
    rate: float | None  # POSTs per second; None while unpaced
    paused_until: float
    in_flight: int
    slowdowns: int


class AdaptiveLimiter:
    def __init__(
        self,
        max_concurrency: int,
        *,
        decrease: float = DEFAULT_DECREASE,
        increase: float = DEFAULT_INCREASE,
        min_rate: float | None = None,
        recovery_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`min_rate` and `recovery_seconds` default to the module's values as they are now (the chaos
        harness scales them down to its time scale)."""
        min_rate = DEFAULT_MIN_RATE if min_rate is None else min_rate
        if max_concurrency < 1 or not 0 < decrease < 1 or increase <= 0 or min_rate <= 0:
            raise ValueError("max_concurrency >= 1, 0 < decrease < 1, increase > 0 and min_rate > 0")
        self._max = float(max_concurrency)
        self._decrease, self._increase, self._min_rate = decrease, increase, min_rate
        self._recovery = DEFAULT_RECOVERY_SECONDS if recovery_seconds is None else recovery_seconds
        self._clock = clock
        self._changed = threading.Condition()
        self._window = min(self._max, INITIAL_CONCURRENCY)  # slow start
        self._threshold = self._max  # the window up to which it grows by one per success
        self._rate: float | None = None
        self._next_start = -math.inf
        self._paused_until = -math.inf
        self._last_slowdown = -math.inf
        self._last_429 = -math.inf
        self._in_flight = 0
        self._slowdowns = 0
        self._recent: deque[float] = deque()  # starts within the last second

    def acquire(self, deadline: float | None = None) -> Permit | None:
        """Wait for a permit; None if none can be had before `deadline` (on this limiter's clock)."""
        with self._changed:
            while True:
                got = self.try_acquire()
                if isinstance(got, Permit):
                    return got
                now = self._clock()
                wait = None if math.isinf(got) else got  # inf: until a POST in flight ends
                if deadline is not None:
                    if now + (wait or 0.0) > deadline:
                        return None
                    wait = deadline - now if wait is None else wait
                self._changed.wait(wait)

    def try_acquire(self) -> Permit | float:
        """A permit now, or the seconds to wait for one (inf: until a POST in flight ends)."""
        with self._changed:
            now = self._clock()
            if self._rate is not None and now - self._last_429 >= self._recovery:
                self._rate, self._window, self._threshold = None, self._max, self._max  # recovered
            if self._in_flight >= max(1, int(self._window)):
                return math.inf
            wait = max(self._paused_until, self._next_start if self._rate is not None else -math.inf) - now
            if wait > 0:
                return wait
            self._in_flight += 1
            self._recent.append(now)
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if self._rate is not None:  # a pause of ours (between batches) may be made up, up to a limit
                self._next_start = max(self._next_start, now - PACE_CREDIT_SECONDS) + 1.0 / self._rate
            return Permit(now)

    def release(self, permit: Permit, *, rate_limited: bool = False, retry_after: float | None = None) -> None:
        """The POST of `permit` ended: answered 429 (`rate_limited`), or anything else."""
        with self._changed:
            self._in_flight -= 1
            now = self._clock()
            if not rate_limited:
                growth = 1.0 if self._window < self._threshold else 1.0 / self._window
                self._window = min(self._max, self._window + growth)
                if self._rate is not None:
                    self._rate += self._increase
            else:
                self._last_429 = now
                if retry_after:
                    self._paused_until = max(self._paused_until, now + retry_after)
                if permit.started >= self._last_slowdown:
                    self._slow_down(now)
            self._changed.notify_all()

    def state(self) -> LimiterState:
        with self._changed:
            return LimiterState(self._window, self._rate, self._paused_until, self._in_flight, self._slowdowns)

    def _slow_down(self, now: float) -> None:
        measured = float(sum(1 for started in self._recent if started > now - 1.0))
        pace = self._rate if self._rate is not None else max(measured, self._min_rate)
        self._rate = max(self._min_rate, pace * self._decrease)
        self._window = self._threshold = max(1.0, self._window * self._decrease)
        self._next_start = max(self._next_start, now + 1.0 / self._rate)
        self._last_slowdown = now
        self._slowdowns += 1
        count(Metric.RATE_LIMIT_COOL_DOWNS)
