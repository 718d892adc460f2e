"""Where the CLI's commands act: flags first, then a named stack's outputs, then environment variables.

A stack named on the command line beats whatever the shell has exported: `--stack-name production`
must never act on queues left in the environment by an earlier session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from exchange_linker_cli.connection import Connection
from exchange_linker_cli.failures import LOCAL_STACK_HINT, MISSING_QUEUE, usage

if TYPE_CHECKING:
    from exchange_linker.adapters.sqs_queues import QueueDescription


@dataclass(frozen=True)
class Source:
    what: str
    flag: str
    variable: str
    output: str  # the CloudFormation output of template.yaml


SOURCES = {
    "queue_url": Source("link-completed queue URL", "--queue-url", "LINK_COMPLETED_QUEUE_URL", "LinkCompletedQueueUrl"),
    "dead_letter_queue_url": Source(
        "dead-letter queue URL", "--dlq-url", "DEAD_LETTER_QUEUE_URL", "LinkCompletedDeadLetterQueueUrl"
    ),
    "table_name": Source("results table name", "--table-name", "RESULTS_TABLE_NAME", "ResultsTableName"),
}


@dataclass(frozen=True)
class Targets:
    queue_url: str | None
    dead_letter_queue_url: str | None
    table_name: str | None
    stack_name: str | None = None

    def require(self, name: str) -> str:
        value = getattr(self, name)
        if not value:
            source = SOURCES[name]
            raise usage(
                f"no {source.what}: pass --stack-name NAME or {source.flag}, or export {source.variable} "
                f"(the local stack: {LOCAL_STACK_HINT})"
            )
        return str(value)


def resolve_targets(connection: Connection, stack_name: str | None = None, **flags: str | None) -> Targets:
    outputs = stack_outputs(connection, stack_name) if stack_name else {}
    values: dict[str, str | None] = {}
    for name, source in SOURCES.items():
        values[name] = flags.get(name) or outputs.get(source.output) or os.environ.get(source.variable) or None
    return Targets(**values, stack_name=stack_name)


def stack_outputs(connection: Connection, stack_name: str) -> dict[str, str]:
    return {output["OutputKey"]: output["OutputValue"] for output in _stack(connection, stack_name).get("Outputs", [])}


def _stack(connection: Connection, stack_name: str) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    try:
        stacks = connection.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        details = error.response.get("Error", {})
        if details.get("Code") == "ValidationError" and "does not exist" in str(details.get("Message")):
            where = f"the local stack at {connection.endpoint}" if connection.is_local else _region(connection)
            raise usage(f"no stack named {stack_name!r} in {where}: check --stack-name and --region") from None
        raise
    return dict(stacks[0])


def stack_description(connection: Connection, stack_name: str) -> tuple[dict[str, str], dict[str, str]]:
    """The stack's outputs and its parameters (the Dwolla host is a parameter, not an output)."""
    stack = _stack(connection, stack_name)
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    return outputs, parameters


def _region(connection: Connection) -> str:
    return f"region {connection.session.region_name}" if connection.session.region_name else "this region"


@contextmanager
def queue_named(url: str, which: str, name: str) -> Iterator[None]:
    """A missing queue is the operator's wrong URL or stack name (exit 2), not an AWS failure."""
    from exchange_linker.adapters.aws import translated
    from exchange_linker.errors import AwsError

    try:
        with translated("sqs"):
            yield
    except AwsError as error:
        if error.code in MISSING_QUEUE:
            source = SOURCES[name]
            raise usage(
                f"no {which} queue at {url} (QueueDoesNotExist): check {source.flag}, --stack-name or {source.variable}"
            ) from None
        raise


def describe(connection: Connection, url: str, which: str, name: str) -> QueueDescription:
    from exchange_linker.adapters.sqs_queues import describe_queue

    with queue_named(url, which, name):
        return describe_queue(connection.clients, url)
