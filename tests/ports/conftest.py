"""Each port's fake and its AWS adapter, side by side: every contract test runs once against each.

The adapters talk to moto server over HTTP (AWS_ENDPOINT_URL), on a stack provisioned from template.yaml.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.adapters.dynamodb_results import DynamoDbResults
from exchange_linker.contracts.results import ResultsStore
from exchange_linker_tools.fakes import MemoryResults
from exchange_linker_tools.local_stack import LocalStack, local_stack
from tests.ports.queues import (
    DeadLetterSide,
    ReplaySide,
    memory_dead_letters,
    memory_replay,
    sqs_dead_letters,
    sqs_replay,
)


@pytest.fixture(scope="module")
def port_stack(aws_endpoint: str) -> Iterator[LocalStack]:
    """One stack for a module's adapter tests: each test writes its own event ids and queues."""
    with local_stack(aws_endpoint=aws_endpoint, seed=7) as created:
        yield created


@pytest.fixture(params=["memory", pytest.param("dynamodb", marks=pytest.mark.integration)])
def results(request: pytest.FixtureRequest) -> ResultsStore:
    if request.param == "memory":
        return MemoryResults()
    stack: LocalStack = request.getfixturevalue("port_stack")
    return DynamoDbResults(AwsClients(), stack.resources.table_name)


@pytest.fixture
def event_id() -> str:
    return f"evt-{uuid.uuid4()}"


BOTH_QUEUES = ["memory", pytest.param("sqs", marks=pytest.mark.integration)]


@pytest.fixture(params=BOTH_QUEUES)
def dead_letters(request: pytest.FixtureRequest) -> DeadLetterSide:
    return _side(request, memory_dead_letters, sqs_dead_letters)


@pytest.fixture(params=BOTH_QUEUES)
def replay_queues(request: pytest.FixtureRequest) -> ReplaySide:
    return _side(request, memory_replay, sqs_replay)


def _side[Side](request: pytest.FixtureRequest, memory: Callable[[], Side], sqs: Callable[[], Side]) -> Side:
    if request.param == "memory":
        return memory()
    request.getfixturevalue("aws_endpoint")  # moto server, started only for the adapter's side
    return sqs()
