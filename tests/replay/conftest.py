"""Helpers for the replay tests: the CLI on a fresh click group, and DLQ messages made the real ways."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.adapters.sqs_dead_letters import SqsDeadLetters
from exchange_linker.contracts.dead_letter import DeadLetter
from exchange_linker_cli.main import cli as exchange_linker
from exchange_linker_tools.local_stack import LocalStack, local_stack


@pytest.fixture
def cli() -> click.Group:
    return exchange_linker


@functools.cache
def clients() -> AwsClients:
    """boto3 clients cost a tenth of a second each to create: the tests share one set (moto's endpoint)."""
    return AwsClients()


@pytest.fixture(scope="module")
def shared_stack(aws_endpoint: str) -> Iterator[LocalStack]:
    """One stack for a module whose tests only look (dry runs): provisioning costs about a second."""
    with local_stack(aws_endpoint=aws_endpoint, seed=11) as created:
        yield created


def invoke(
    group: click.Group, stack: LocalStack, command: str, *args: str, obj: Any = None, fast: bool = True
) -> Result:
    """The command as an operator runs it: targets from the environment, stdout and stderr apart.

    `fast` skips the scan's final one-second long poll, which only real SQS needs (moto answers fully).
    """
    runner = CliRunner(mix_stderr=False, env=stack.resources.outputs())
    arguments = [command, *(["--receive-wait", "0"] if fast else []), *args]
    return runner.invoke(group, arguments, obj=obj, catch_exceptions=False)


def output_json(result: Result) -> Any:
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def dead_letter(
    stack: LocalStack,
    event: Mapping[str, Any] | str,
    code: str,
    *,
    failed_at: str = "2026-11-20T18:04:05.000Z",
    attributes: Mapping[str, str] | None = None,
    may_exist_since: str | None = None,
) -> str:
    """A message in the DLQ exactly as the consumer puts it there (its own adapter and DeadLetter)."""
    text = event if isinstance(event, str) else json.dumps(event)
    event_id = None if isinstance(event, str) else event.get("eventId")
    SqsDeadLetters(clients(), stack.resources.dead_letter_queue_url).send(
        DeadLetter(
            body=text,
            error_code=code,
            error_message=f"{code} happened",
            failed_at=failed_at,
            attempts=1,
            event_id=event_id,
            original_attributes={
                name: {"DataType": "String", "StringValue": value} for name, value in (attributes or {}).items()
            },
            exchange_may_exist_since=may_exist_since,
        )
    )
    return text


def redrive_by_sqs(stack: LocalStack, text: str) -> None:
    """Let SQS's own redrive policy move a message: receive it maxReceiveCount times, never delete it."""
    sqs, url = stack.sqs, stack.resources.queue_url
    sqs.send_message(QueueUrl=url, MessageBody=text)
    for _ in range(stack.resources.redrive_receive_count):
        (message,) = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
        assert message["Body"] == text
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []  # the next receive moved it


def depth(stack: LocalStack, url: str) -> tuple[int, int]:
    """(visible, in flight) right now."""
    attributes = stack.sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def messages_in(stack: LocalStack, url: str) -> list[dict[str, Any]]:
    """Every message in a queue, received once and then made visible again (nothing consumed)."""
    sqs, seen = stack.sqs, {}
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=30
    ).get("Messages", []):
        seen.update({message["MessageId"]: message for message in batch})
    for message in seen.values():
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    return list(seen.values())


def strings(message: Mapping[str, Any]) -> dict[str, str]:
    return {name: value.get("StringValue", "") for name, value in message.get("MessageAttributes", {}).items()}
