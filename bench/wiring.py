"""Consumers built with a chosen boto3 session (to count its calls) and, when needed, a fake clock or a
results store in memory (to time the consumer without moto's DynamoDB in the way)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import boto3

from bench.counters import AwsCallCounter
from exchange_linker.adapters.aws import AwsClients
from exchange_linker.bootstrap import build_consumer
from exchange_linker.contracts.results import ExchangeResult, KeyState, OwnerEntry, ResultsStore, Status
from exchange_linker.ingest.batch import LinkCompletedConsumer
from exchange_linker.settings import Settings
from exchange_linker_tools.local_stack import LocalStack

ConsumerFactory = Callable[[], tuple[LinkCompletedConsumer, AwsCallCounter]]


def counted_consumer(stack: LocalStack, **overrides: str) -> tuple[LinkCompletedConsumer, AwsCallCounter]:
    """The real build_consumer, on a session of its own whose calls are counted."""
    session = boto3.session.Session(region_name=stack.resources.region)
    counter = AwsCallCounter().attach(session)
    return build_consumer(stack.settings(**overrides), clients=AwsClients(session)), counter


class MemoryResults:
    """results.ResultsStore in a dict: to time the consumer without moto's DynamoDB in the way."""

    def __init__(self) -> None:
        self._rows: dict[str, ExchangeResult] = {}
        self._lock = threading.Lock()

    def get(self, event_id: str) -> ExchangeResult | None:
        with self._lock:
            return self._rows.get(event_id)

    def recorded_exchanges(self, customer_id: str) -> dict[str, str]:
        with self._lock:
            rows = [row for row in self._rows.values() if row.customer_id == customer_id and row.exchange_id]
            return {str(row.exchange_id): row.event_id for row in rows}

    def owner_activity(self, customer_id: str | None, partner: str, since: str) -> list[OwnerEntry]:
        with self._lock:
            rows = [row for row in self._rows.values() if row.customer_id == customer_id and row.partner == partner]
        return [
            OwnerEntry(row.event_id, row.status, row.exchange_id, row.exchange_may_exist, row.uncertain_since)
            for row in rows
            if row.updated_at >= since and (row.exchange_id or row.exchange_may_exist)
        ]

    def put(self, result: ExchangeResult, *, expected: KeyState | None = None) -> bool:
        with self._lock:
            kept = self._rows.get(result.event_id)
            if kept is not None and kept.status is Status.CREATED:
                return False
            theirs, ours = (kept.fingerprint.get("request") if kept else None), result.fingerprint.get("request")
            if theirs and ours and theirs != ours:
                return False
            if expected is not None and KeyState.of(kept) != expected:
                return False
            self._rows[result.event_id] = result
            return True


def consumer_with_clock(
    settings: Settings,
    clients: AwsClients,
    clock: Callable[[], float] | None = None,
    results: ResultsStore | None = None,
) -> LinkCompletedConsumer:
    """build_consumer with a clock for tokens, partners and the 429 pause, and optionally another store."""
    return build_consumer(settings, clients, clock=clock, results=results)


def memory_results_consumer(stack: LocalStack, **overrides: str) -> tuple[LinkCompletedConsumer, AwsCallCounter]:
    session = boto3.session.Session(region_name=stack.resources.region)
    counter = AwsCallCounter().attach(session)
    consumer = consumer_with_clock(stack.settings(**overrides), AwsClients(session), results=MemoryResults())
    return consumer, counter


def clocked_consumer(stack: LocalStack, clock: Callable[[], float]) -> tuple[LinkCompletedConsumer, AwsCallCounter]:
    session = boto3.session.Session(region_name=stack.resources.region)
    counter = AwsCallCounter().attach(session)
    return consumer_with_clock(stack.settings(), AwsClients(session), clock), counter
