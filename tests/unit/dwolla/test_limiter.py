"""The AIMD limiter on a fake clock: slows down on 429s, honours Retry-After, recovers, and shares a limit.

`simulate` drives containers of limiters against a token bucket like the emulator's rate limit (and
Dwolla's), event by event on a fake clock: it is also what a benchmark can call to try other settings.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import pytest

from exchange_linker.dwolla.limiter import AdaptiveLimiter, Permit
from exchange_linker_tools.fakes import FakeClock


def permit(limiter: AdaptiveLimiter) -> Permit:
    got = limiter.try_acquire()
    assert isinstance(got, Permit), got
    return got


def test_a_cold_container_opens_with_two_posts_and_adds_one_per_success():
    limiter = AdaptiveLimiter(10, clock=FakeClock(0.0))
    first = [permit(limiter), permit(limiter)]
    assert limiter.try_acquire() == math.inf  # no burst of ten from a cold container
    for held in first:
        limiter.release(held)
    assert limiter.state().concurrency == 4
    assert len([permit(limiter) for _ in range(4)]) == 4


def warm(limiter: AdaptiveLimiter) -> None:
    """Successes until the window is open all the way (the end of the slow start)."""
    for _ in range(10):
        limiter.release(permit(limiter))


def test_unpaced_until_the_first_429_then_paced_below_the_measured_rate():
    clock = FakeClock(0.0)
    limiter = AdaptiveLimiter(10, clock=clock)
    warm(limiter)
    clock.now = 5.0
    permits = [permit(limiter) for _ in range(10)]  # ten at once: no pacing yet
    assert limiter.try_acquire() == math.inf  # the eleventh waits for one of them to end
    clock.now = 5.1
    limiter.release(permits[0], rate_limited=True)
    state = limiter.state()
    assert state.rate == pytest.approx(10 * 0.7)  # 10 started in the last second, x0.7
    assert state.concurrency == pytest.approx(7.0)
    for other in permits[1:]:  # their 429s were sent at the old pace: no further slowdown
        limiter.release(other, rate_limited=True)
    assert limiter.state().slowdowns == 1


def test_retry_after_holds_every_new_post():
    clock = FakeClock(0.0)
    limiter = AdaptiveLimiter(4, clock=clock)
    limiter.release(permit(limiter), rate_limited=True, retry_after=2.0)
    assert limiter.try_acquire() == pytest.approx(2.0)
    clock.now = 2.0
    assert isinstance(limiter.try_acquire(), Permit)


def test_successes_raise_the_pace_and_a_quiet_spell_lifts_it():
    clock = FakeClock(0.0)
    limiter = AdaptiveLimiter(4, clock=clock, recovery_seconds=300)
    limiter.release(permit(limiter), rate_limited=True)
    slowed = limiter.state().rate
    assert slowed is not None
    for _ in range(50):
        clock.now += 2
        limiter.release(permit(limiter))
    raised = limiter.state().rate
    assert raised is not None
    assert raised > slowed
    clock.now += 300
    limiter.try_acquire()
    assert limiter.state().rate is None
    assert limiter.state().concurrency == 4


def test_acquire_gives_up_at_the_deadline():
    limiter = AdaptiveLimiter(1)
    held = limiter.acquire()
    assert held is not None
    assert limiter.acquire(deadline=0.0) is None  # on time.monotonic: long past


@dataclass
class Run:
    utilisation: float  # successful POSTs per second / the limit
    share_429: float  # POSTs answered 429 / all POSTs


def simulate(
    *, events: int = 2000, limit: float = 20.0, containers: int = 1, workers: int = 10, latency: float = 0.05
) -> Run:
    """`containers` limiters with `workers` each work off a backlog against a token bucket of `limit`/s.

    The bucket holds a second's worth, answers 429 with Retry-After (whole seconds, at least 1) and does
    not spend a token on a refused request, as the emulator does. A 429'd event is retried.
    """
    clock = FakeClock(0.0)
    tokens, updated = limit, 0.0
    limiters = [AdaptiveLimiter(workers, clock=clock) for _ in range(containers)]
    backlog, done, posts, refused, sequence = events, 0, 0, 0, 0
    agenda: list[tuple[float, int, int, Permit | None, float | None]] = []  # (time, seq, container, permit, 429)
    for container in range(containers):
        for _ in range(workers):
            sequence += 1
            heapq.heappush(agenda, (0.0, sequence, container, None, None))
    retry = [0] * containers
    while agenda:
        clock.now, _, container, held, retry_after = heapq.heappop(agenda)
        limiter = limiters[container]
        if held is not None:  # a POST ends
            limiter.release(held, rate_limited=retry_after is not None, retry_after=retry_after)
            if retry_after is None:
                done += 1
            else:
                retry[container] += 1
        elif backlog == 0 and retry[container] == 0:
            continue
        got = limiter.try_acquire()
        sequence += 1
        if not isinstance(got, Permit):
            heapq.heappush(agenda, (clock.now + (0.005 if math.isinf(got) else got), sequence, container, None, None))
            continue
        if retry[container]:
            retry[container] -= 1
        else:
            if backlog == 0:
                limiter.release(got)
                continue
            backlog -= 1
        posts += 1
        tokens, updated = min(limit, tokens + (clock.now - updated) * limit), clock.now
        if tokens >= 1:
            tokens -= 1
            heapq.heappush(agenda, (clock.now + latency, sequence, container, got, None))
        else:
            refused += 1
            wait = max(1, math.ceil((1 - tokens) / limit))
            heapq.heappush(agenda, (clock.now + latency / 2, sequence, container, got, float(wait)))
    return Run(utilisation=done / clock.now / limit, share_429=refused / posts)


@pytest.mark.parametrize("latency", [0.005, 0.05, 0.3])
def test_one_container_keeps_over_90_percent_of_the_limit_with_under_2_percent_429s(latency):
    run = simulate(latency=latency)
    assert run.utilisation >= 0.9
    assert run.share_429 <= 0.02


@pytest.mark.parametrize("containers", [3, 5])
def test_several_containers_share_the_limit_without_coordinating(containers):
    run = simulate(containers=containers, latency=0.1)
    assert run.utilisation >= 0.9
    assert run.share_429 <= 0.02
