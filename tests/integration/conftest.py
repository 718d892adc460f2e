"""Fixtures shared by the integration tests (the stack and moto's endpoint come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from exchange_linker_tools.chaos.proxy import AwsFaultProxy


@pytest.fixture
def table_proxy(stack, aws_endpoint, monkeypatch) -> Iterator[AwsFaultProxy]:
    """The AWS fault proxy in front of DynamoDB for every consumer built from now on (boto3's own
    AWS_ENDPOINT_URL_DYNAMODB); the test's own client keeps talking to moto directly."""
    with AwsFaultProxy(aws_endpoint, seed=1) as proxy:
        assert stack.dynamodb  # created before the variable is set
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.url)
        yield proxy
