"""Several containers sharing one stack: batches go round-robin, each container starts cold on its first."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.counters import AwsCallCounter
from bench.stack import quiet_handler
from bench.wiring import ConsumerFactory
from exchange_linker.ingest.batch import LinkCompletedConsumer
from exchange_linker_tools.local_run import Publisher
from exchange_linker_tools.local_stack import LocalStack
from exchange_linker_tools.poller import BatchReport
from exchange_linker_tools.sample_events import generated_events


@dataclass
class Container:
    consumer: LinkCompletedConsumer
    calls: AwsCallCounter
    events: int = 0
    batches: int = 0
    token_requests: int = 0  # POST /token made during this container's batches
    cold_start_token_requests: int = 0  # ... during its first batch
    partner_lookups: int = 0


@dataclass
class FleetRun:
    events: int
    elapsed_seconds: float
    containers: list[Container]
    token_requests: int
    tokens_issued: int
    partner_lookups: int
    exchanges_created: int
    simulated_seconds: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)


class Fleet:
    """A handler for the poller that plays `size` Lambda containers, started lazily, in turn."""

    def __init__(self, stack: LocalStack, size: int, factory: ConsumerFactory) -> None:
        self._stack = stack
        self._factory = factory
        self._size = size
        self.containers: list[Container] = []
        self._turn = 0

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        index = self._turn % self._size
        self._turn += 1
        cold = index >= len(self.containers)
        if cold:
            self.containers.append(Container(*self._factory()))
        container = self.containers[index]
        before = self._stack.emulator.stats
        response = container.consumer.handle_batch(event, context)
        after = self._stack.emulator.stats
        container.events += len(event["Records"])
        container.batches += 1
        container.token_requests += after.token_requests - before.token_requests
        container.partner_lookups += after.partner_lookups - before.partner_lookups
        if cold:
            container.cold_start_token_requests = after.token_requests - before.token_requests
        return response


def run_fleet(
    stack: LocalStack,
    *,
    size: int,
    events: int,
    factory: ConsumerFactory,
    on_batch: Callable[[BatchReport], None] | None = None,
) -> FleetRun:
    """Publish `events` happy-path events (a window at a time) and drain them through the fleet."""
    fleet = Fleet(stack, size, factory)
    publisher = Publisher(stack, generated_events(events, seed=11, failure_share=0, funding_every=0))
    publisher.top_up()

    def after_batch(report: BatchReport) -> None:
        publisher.top_up()
        if on_batch is not None and report.received:
            on_batch(report)

    started = time.perf_counter()
    with quiet_handler():
        stack.event_source(fleet).drain(on_batch=after_batch)
    elapsed = time.perf_counter() - started
    stats = stack.emulator.stats
    return FleetRun(
        events=sum(container.events for container in fleet.containers),
        elapsed_seconds=elapsed,
        containers=fleet.containers,
        token_requests=stats.token_requests,
        tokens_issued=stats.tokens_issued,
        partner_lookups=stats.partner_lookups,
        exchanges_created=stats.exchanges_created,
    )
