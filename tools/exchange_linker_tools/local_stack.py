"""The embedded default stack: moto server and the Dwolla emulator on loopback, provisioned from template.yaml.

Used by `exchange-linker run` and by the integration tests, so both exercise the same wiring.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3

from exchange_linker.bootstrap import build_consumer, build_outcome_stream_publisher
from exchange_linker.ingest.batch import LinkCompletedConsumer
from exchange_linker.outcomes.stream import OutcomeStreamPublisher
from exchange_linker.settings import OutcomePublisherSettings, Settings
from exchange_linker_tools.emulator import DwollaEmulator, FaultPlan
from exchange_linker_tools.moto_server import exported, moto_thread
from exchange_linker_tools.poller import Handler, SqsEventSource
from exchange_linker_tools.provision import StackResources, StreamMapping, provision
from exchange_linker_tools.stream_poller import DynamoDbStreamEventSource

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

DEFAULT_STACK_NAME = "exchange-linker-local"
DEFAULT_REGION = "us-east-1"
LOCAL_AWS_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def aws_environment(endpoint: str, region: str = DEFAULT_REGION) -> dict[str, str]:
    """What a shell needs exported to point boto3 (and so every command) at the local stack."""
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": region, "AWS_REGION": region, **LOCAL_AWS_CREDENTIALS}


@dataclass
class LocalStack:
    resources: StackResources
    emulator: DwollaEmulator
    aws_endpoint: str

    @cached_property
    def session(self) -> boto3.session.Session:
        return boto3.session.Session(region_name=self.resources.region)

    @cached_property
    def sqs(self) -> SQSClient:
        return self.session.client("sqs")

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        return self.session.client("dynamodb")

    @cached_property
    def secretsmanager(self) -> SecretsManagerClient:
        return self.session.client("secretsmanager")

    @cached_property
    def streams(self) -> Any:
        """boto3's dynamodbstreams client (no type stubs are locked for it)."""
        return self.session.client("dynamodbstreams")

    def environment(self) -> dict[str, str]:
        """The function's environment as the template declares it, plus the AWS endpoint variables."""
        return {
            **self.resources.function_environment,
            **aws_environment(self.aws_endpoint, self.resources.region),
            **self.resources.outputs(),
        }

    def settings(self, **overrides: str) -> Settings:
        return Settings.from_environ({**self.resources.function_environment, **overrides})

    def consumer(self, now: Callable[[], datetime] | None = None, **overrides: str) -> LinkCompletedConsumer:
        """A fresh consumer: its own memory caches, as a new Lambda container would have (`now`: its wall clock)."""
        return build_consumer(self.settings(**overrides), now=now)

    def event_source(
        self, handler: Handler, *, retry_delay: int | None = 0, timeout_seconds: float | None = None
    ) -> SqsEventSource:
        """A Lambda-faithful poller; `timeout_seconds` overrides the function's Timeout from the template."""
        return SqsEventSource(
            self.sqs,
            queue_url=self.resources.queue_url,
            queue_arn=self.resources.queue_arn,
            region=self.resources.region,
            handler=handler,
            batch_size=self.resources.batch_size,
            retry_delay=retry_delay,
            timeout_seconds=self.resources.function_timeout if timeout_seconds is None else timeout_seconds,
        )

    @property
    def stream_mapping(self) -> StreamMapping:
        if self.resources.outcome_publisher is None:
            raise ValueError("this stack has no outcome publisher (template parameter OutcomeEventBusName)")
        return self.resources.outcome_publisher

    def outcome_environment(self) -> dict[str, str]:
        """The outcome publisher's environment as the template declares it, plus the AWS endpoint variables."""
        return {**self.stream_mapping.function_environment, **aws_environment(self.aws_endpoint, self.resources.region)}

    def outcome_publisher(self) -> OutcomeStreamPublisher:
        """A fresh outcome publisher: its own clients, as a new Lambda container would have."""
        settings = OutcomePublisherSettings.from_environ(self.stream_mapping.function_environment)
        return build_outcome_stream_publisher(settings)

    @cached_property
    def _stream_event_source(self) -> DynamoDbStreamEventSource:
        return DynamoDbStreamEventSource(
            self.streams, self.sqs, self.stream_mapping, _no_handler, region=self.resources.region
        )

    def stream_source(self, handler: Handler) -> DynamoDbStreamEventSource:
        """The outcome publisher's stream event source mapping, now invoking `handler`.

        One per stack, like the mapping itself: its checkpoints survive the handler (a container) changing.
        """
        source = self._stream_event_source
        source.handler = handler
        return source

    def publish(self, body: str | Mapping[str, Any], attributes: Mapping[str, str] | None = None) -> str:
        text = body if isinstance(body, str) else json.dumps(body)
        message_attributes: Any = {
            name: {"DataType": "String", "StringValue": value} for name, value in (attributes or {}).items()
        }
        return self.sqs.send_message(
            QueueUrl=self.resources.queue_url, MessageBody=text, MessageAttributes=message_attributes
        )["MessageId"]

    def result(self, event_id: str) -> dict[str, Any] | None:
        from boto3.dynamodb.types import TypeDeserializer

        item = self.dynamodb.get_item(
            TableName=self.resources.table_name, Key={"eventId": {"S": event_id}}, ConsistentRead=True
        ).get("Item")
        deserialize = TypeDeserializer().deserialize
        return {name: deserialize(value) for name, value in item.items()} if item else None

    def results(self) -> dict[str, dict[str, Any]]:
        """Every row of the results table, by eventId (a full scan: for local runs and tests)."""
        from boto3.dynamodb.types import TypeDeserializer

        deserialize = TypeDeserializer().deserialize
        rows: dict[str, dict[str, Any]] = {}
        for page in self.dynamodb.get_paginator("scan").paginate(TableName=self.resources.table_name):
            for item in page["Items"]:
                row = {name: deserialize(value) for name, value in item.items()}
                rows[str(row["eventId"])] = row
        return rows

    def dead_letters(self) -> list[MessageTypeDef]:
        """Every message in the DLQ (received once, then made visible again so nothing is consumed)."""
        sqs = self.sqs
        seen: dict[str, MessageTypeDef] = {}
        while True:
            batch = sqs.receive_message(
                QueueUrl=self.resources.dead_letter_queue_url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                VisibilityTimeout=30,
            ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                seen[message["MessageId"]] = message
        for message in seen.values():
            sqs.change_message_visibility(
                QueueUrl=self.resources.dead_letter_queue_url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=0,
            )
        return list(seen.values())


def _no_handler(event: dict[str, Any], context: Any) -> Any:
    raise RuntimeError("no handler was given to the stream event source")


@contextmanager
def local_stack(
    *,
    aws_endpoint: str | None = None,
    stack_name: str | None = None,
    region: str = DEFAULT_REGION,
    parameters: Mapping[str, str] | None = None,
    token_lifetime: int = 3600,
    faults: FaultPlan | None = None,
    seed: int | None = None,
    emulator_port: int = 0,
) -> Iterator[LocalStack]:
    """Start the emulator (and moto server unless `aws_endpoint` is given) and provision a stack.

    boto3 finds moto through AWS_ENDPOINT_URL in os.environ, exactly as it would find AWS: the caller
    exports it (the CLI does, the tests' session fixture does), or this function does when it starts moto.
    """
    with (
        _moto_server(aws_endpoint, region) as endpoint,
        DwollaEmulator(token_lifetime=token_lifetime, faults=faults, seed=seed, port=emulator_port) as emulator,
    ):
        resources = provision(
            stack_name or f"{DEFAULT_STACK_NAME}-{uuid.uuid4().hex[:8]}",
            region=region,
            parameters={"DwollaApiUrl": emulator.url, **(parameters or {})},
            credentials={"key": emulator.client_key, "secret": emulator.client_secret},
        )
        yield LocalStack(resources=resources, emulator=emulator, aws_endpoint=endpoint)


@contextmanager
def _moto_server(endpoint: str | None, region: str) -> Iterator[str]:
    if endpoint is not None:
        yield endpoint
        return
    with moto_thread() as url, exported(aws_environment(url, region), cleared=()):
        yield url
