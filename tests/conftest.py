"""Shared fixtures: one moto server per test session, a fresh stack and Dwolla emulator per test."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from exchange_linker_tools.local_stack import LocalStack, aws_environment, local_stack
from exchange_linker_tools.moto_server import moto_thread

REGION = "us-east-1"
CUSTOMER_ID = "74a207b2-b7b7-4efa-8bf8-582148e7b980"
FINICITY_RECEIPT: dict[str, Any] = {  # the seed's Mastercard secure-exchange example
    "profile": 3,
    "version": "1",
    "receiptId": "cr_4N47ou7SlppuIxq0ZUtACh10vYcloY",
    "receiptVersion": "1",
    "customerId": "5454874858510164117",
    "partnerId": 2445583946651,
    "products": [
        {
            "product": "moneyTransferDetails",
            "accountId": "1015199035827334916",
            "accessPeriod": {"type": "timeframe", "startTime": "2022-07-06", "endTime": "2022-08-16T06:06:20Z"},
        }
    ],
    "timestamp": "2022-07-11T06:06:23Z",
}


@pytest.fixture(scope="session", autouse=True)
def no_local_stack_env_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A developer's running `make run ARGS=--keep-running` must not be what the tests' commands talk to."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXCHANGE_LINKER_ENV_FILE", str(tmp_path_factory.mktemp("env") / "none.env"))
        yield


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """moto in server mode on loopback; boto3 reaches it through AWS_ENDPOINT_URL like it would reach AWS."""
    with moto_thread() as endpoint, pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            patch.delenv(name, raising=False)
        for name, value in aws_environment(endpoint, REGION).items():
            patch.setenv(name, value)
        patch.setenv("POWERTOOLS_DEV", "false")
        yield endpoint


@pytest.fixture
def stack(aws_endpoint: str) -> Iterator[LocalStack]:
    with local_stack(aws_endpoint=aws_endpoint, seed=7) as created:
        yield created


@pytest.fixture
def bus_stack(aws_endpoint: str) -> Iterator[LocalStack]:
    """A stack deployed with OutcomeEventBusName, so with the outcome publisher and its stream mapping. The bus
    is external: a test creates it (OutcomeSubscriber.attach) when it wants it to exist."""
    name = f"outcomes-{uuid.uuid4().hex[:8]}"
    parameters = {"OutcomeEventBusName": f"{name}-bus"}
    with local_stack(aws_endpoint=aws_endpoint, stack_name=name, parameters=parameters, seed=7) as created:
        yield created


def link_event(**fields: Any) -> dict[str, Any]:
    """A valid v1 event (Plaid processor token, customer exchange); keyword arguments override fields."""
    event: dict[str, Any] = {
        "eventId": f"evt-{uuid.uuid4()}",
        "eventType": "link.completed",
        "occurredAt": "2026-11-20T18:04:05Z",
        "customerId": CUSTOMER_ID,
        "partner": "Plaid",
        "token": f"processor-sandbox-{uuid.uuid4().hex}",
    }
    event.update(fields)
    return {key: value for key, value in event.items() if value is not None}


def body(**fields: Any) -> str:
    return json.dumps(link_event(**fields))


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Everything the service logs, at every level, formatted exactly as Powertools prints it."""
    from exchange_linker.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    previous_level = logger.log_level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
