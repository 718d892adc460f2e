"""A backlog worked off against the emulator's rate limit, measured: the API a rate-limit benchmark drives.

    with local_stack() as stack:
        run = run_backlog(stack, events=2000, limit=20.0)
        print(run.utilisation, run.share_429)   # target: >= 0.9 and <= 0.02

The events are published first; then `containers` consumers (each built by `build_consumer`, each with
its own AIMD limiter, as separate Lambda containers would be) drain the queue concurrently through the
Lambda-faithful poller while the emulator refuses whatever exceeds `limit` requests per second with 429
and Retry-After. Only the draining is timed. `results` may replace the DynamoDB table (moto serves one
request at a time and can be the bottleneck instead of Dwolla's limit).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from exchange_linker.bootstrap import build_consumer
from exchange_linker.contracts.results import ResultsStore
from exchange_linker.dwolla.limiter import AdaptiveLimiter, LimiterState
from exchange_linker_tools.local_stack import LocalStack

CUSTOMER_ID = "74a207b2-b7b7-4efa-8bf8-582148e7b980"


@dataclass(frozen=True)
class BacklogRun:
    events: int
    limit: float  # requests per second the emulator accepts
    seconds: float  # from the first poll until the queue was empty
    exchanges_created: int
    dead_letters: int
    posts: int  # exchange POSTs Dwolla looked at
    rate_limited: int  # requests answered 429 by the rate limit
    limiters: tuple[LimiterState, ...]  # each container's limiter at the end

    @property
    def utilisation(self) -> float:
        """Exchanges created per second, as a share of the limit."""
        return self.exchanges_created / self.seconds / self.limit

    @property
    def share_429(self) -> float:
        """Requests answered 429, as a share of all requests sent."""
        return self.rate_limited / max(1, self.posts + self.rate_limited)


def run_backlog(
    stack: LocalStack,
    *,
    events: int,
    limit: float,
    burst: float | None = None,
    containers: int = 1,
    results: ResultsStore | None = None,
) -> BacklogRun:
    stack.emulator.set_rate_limit(limit, burst)
    for _ in range(events):
        token = f"processor-sandbox-{uuid.uuid4().hex}"
        stack.publish(
            {
                "eventId": f"evt-{uuid.uuid4()}",
                "eventType": "link.completed",
                "customerId": CUSTOMER_ID,
                "partner": "Plaid",
                "token": token,
            }
        )
    limiters = [AdaptiveLimiter(int(stack.settings().max_concurrent_requests)) for _ in range(containers)]
    sources = [
        stack.event_source(build_consumer(stack.settings(), results=results, limiter=limiter).handle_batch)
        for limiter in limiters
    ]
    before = stack.emulator.stats
    started = time.monotonic()
    workers = [threading.Thread(target=source.drain, name=f"container-{n}") for n, source in enumerate(sources)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.monotonic() - started
    after = stack.emulator.stats
    stack.emulator.set_rate_limit(None)
    return BacklogRun(
        events=events,
        limit=limit,
        seconds=seconds,
        exchanges_created=after.exchanges_created - before.exchanges_created,
        dead_letters=len(stack.dead_letters()),
        posts=after.exchange_posts - before.exchange_posts,
        rate_limited=after.rate_limited - before.rate_limited,
        limiters=tuple(limiter.state() for limiter in limiters),
    )
