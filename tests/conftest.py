"""Shared fixtures: one moto server per test session, a fresh stack and Dwolla emulator per test."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from exchange_linker_tools.link_events import CUSTOMER_ID, body, finicity_receipt, link_event
from exchange_linker_tools.local_stack import LocalStack, aws_environment, local_stack
from exchange_linker_tools.moto_server import moto_thread

REGION = "us-east-1"
FINICITY_RECEIPT: dict[str, Any] = finicity_receipt()  # the seed's Mastercard secure-exchange example
__all__ = ["CUSTOMER_ID", "FINICITY_RECEIPT", "REGION", "body", "link_event"]  # the builders, for the tests


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
