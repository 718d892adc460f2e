"""boto3 clients and the translation of their failures into AwsError.

Endpoints come from boto3 itself (`AWS_ENDPOINT_URL`, region variables): local runs point it at moto
server, production at AWS, through the same code path.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from exchange_linker.errors import AwsError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient

# Standard retry mode already retries throttling with backoff; timeouts stay well inside the function's.
CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
# The consumer's calls must fit in the margin its invocation keeps back (DEADLINE_MARGIN_SECONDS, 10 s)
# to record outcomes: DynamoDB, SQS and Secrets Manager answer in milliseconds and nothing the consumer
# calls long-polls, so short timeouts; the same retries (3 after the first attempt) ride out throttling.
CONSUMER_CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 3})


class AwsClients:
    """Creates each client once, on first use, so a cold start pays only for what it touches."""

    def __init__(self, session: boto3.session.Session | None = None, *, config: Config | None = None) -> None:
        self._session = session or boto3.session.Session()
        self._config = config or CLIENT_CONFIG  # an operator's CLI wants fewer retries and shorter timeouts
        self._lock = threading.Lock()  # boto3 sessions are not thread-safe; the clients they make are
        self._sqs: SQSClient | None = None
        self._dynamodb: DynamoDBClient | None = None
        self._secrets: SecretsManagerClient | None = None
        self._events: EventBridgeClient | None = None

    @property
    def sqs(self) -> SQSClient:
        with self._lock:
            if self._sqs is None:
                self._sqs = self._session.client("sqs", config=self._config)
        return self._sqs

    @property
    def dynamodb(self) -> DynamoDBClient:
        with self._lock:
            if self._dynamodb is None:
                self._dynamodb = self._session.client("dynamodb", config=self._config)
        return self._dynamodb

    @property
    def secretsmanager(self) -> SecretsManagerClient:
        with self._lock:
            if self._secrets is None:
                self._secrets = self._session.client("secretsmanager", config=self._config)
        return self._secrets

    @property
    def events(self) -> EventBridgeClient:
        with self._lock:
            if self._events is None:
                self._events = self._session.client("events", config=self._config)
        return self._events


@contextmanager
def translated(service: str) -> Iterator[None]:
    """Turn boto3 failures into AwsError with the AWS error code and a short message."""
    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        code = details.get("Code") or "ClientError"
        raise AwsError(service, code, (details.get("Message") or code)[:200]) from error
    except BotoCoreError as error:
        raise AwsError(service, type(error).__name__, str(error)[:200]) from error
