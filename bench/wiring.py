"""Consumers built with a chosen boto3 session (to count its calls) and, when needed, a fake clock or a
results store in memory (to time the consumer without moto's DynamoDB in the way)."""

from __future__ import annotations

from collections.abc import Callable

import boto3

from bench.counters import AwsCallCounter
from exchange_linker.adapters.aws import AwsClients
from exchange_linker.bootstrap import build_consumer
from exchange_linker.contracts.results import ResultsStore
from exchange_linker.ingest.batch import LinkCompletedConsumer
from exchange_linker.settings import Settings
from exchange_linker_tools.fakes import MemoryResults
from exchange_linker_tools.local_stack import LocalStack

ConsumerFactory = Callable[[], tuple[LinkCompletedConsumer, AwsCallCounter]]


def counted_consumer(stack: LocalStack, **overrides: str) -> tuple[LinkCompletedConsumer, AwsCallCounter]:
    """The real build_consumer, on a session of its own whose calls are counted."""
    session = boto3.session.Session(region_name=stack.resources.region)
    counter = AwsCallCounter().attach(session)
    return build_consumer(stack.settings(**overrides), clients=AwsClients(session)), counter


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
