"""Each port's fake and its AWS adapter, side by side: every contract test runs once against each.

The adapters talk to moto server over HTTP (AWS_ENDPOINT_URL), on a stack provisioned from template.yaml.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

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


@pytest.fixture(params=["memory", pytest.param("sqs", marks=pytest.mark.integration)])
def dead_letters(request: pytest.FixtureRequest) -> DeadLetterSide:
    if request.param == "memory":
        return memory_dead_letters()
    request.getfixturevalue("aws_endpoint")
    return sqs_dead_letters()


@pytest.fixture(params=["memory", pytest.param("sqs", marks=pytest.mark.integration)])
def replay_queues(request: pytest.FixtureRequest) -> ReplaySide:
    if request.param == "memory":
        return memory_replay()
    request.getfixturevalue("aws_endpoint")
    return sqs_replay()
