"""`exchange-linker republish-outcomes`: announce again what the outcome publisher gave up on.

Each message on the outcome publisher's failure queue is Lambda's description of a stream batch that
still failed after every retry (shard, sequence range, arrival times), never the records themselves. The
table is the source of truth, so the command republishes the current outcome of every CREATED or FAILED
row written in that batch's time window (a margin either side), through the same event construction as
the stream, then deletes the message. That works after the stream's 24 h retention too; outcomes outside
the batch may be announced again, which consumers de-duplicate by outcomeId.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from exchange_linker_cli.connection import Connection, connect
from exchange_linker_cli.failures import usage
from exchange_linker_cli.options import aws_options
from exchange_linker_cli.targets import stack_outputs

if TYPE_CHECKING:
    from exchange_linker.adapters.aws import AwsClients
    from exchange_linker.contracts.outcome_event import OutcomeEvent

EXAMPLE = """\b
Example:
  exchange-linker republish-outcomes --stack-name exchange-linker-production --dry-run
  exchange-linker republish-outcomes --stack-name exchange-linker-production
"""
MARGIN = timedelta(seconds=60)  # stream arrival times are whole seconds; updatedAt is taken just before the write
stderr = Console(stderr=True)


def _target(
    connection: Connection, value: str | None, *, variable: str, output: str, stack_name: str | None, flag: str
) -> str:
    found = (
        value or (stack_outputs(connection, stack_name).get(output) if stack_name else None) or os.environ.get(variable)
    )
    if not found:
        raise usage(f"no {output}: pass {flag} or --stack-name NAME, or export {variable}")
    return found


def window(document: dict[str, Any]) -> tuple[str, str]:
    """The updatedAt range (as the table spells it) of a failed batch, with the margin either side."""
    info = document["DDBStreamBatchInfo"]

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)

    def spelled(moment: datetime) -> str:
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    first, last = at(info["approximateArrivalOfFirstRecord"]), at(info["approximateArrivalOfLastRecord"])
    return spelled(first - MARGIN), spelled(last + MARGIN)


def outcomes_between(clients: AwsClients, table: str, start: str, end: str) -> list[OutcomeEvent]:
    """The current outcome of every terminal row whose updatedAt is in [start, end]."""
    from boto3.dynamodb.types import TypeDeserializer

    from exchange_linker.outcomes.transition import outcomes_of

    deserialize = TypeDeserializer().deserialize
    pages = clients.dynamodb.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="#updatedAt BETWEEN :start AND :end AND #status IN (:created, :failed)",
        ExpressionAttributeNames={"#updatedAt": "updatedAt", "#status": "status"},
        ExpressionAttributeValues={
            ":start": {"S": start},
            ":end": {"S": end},
            ":created": {"S": "CREATED"},
            ":failed": {"S": "FAILED"},
        },
    )
    events = []
    for page in pages:
        for item in page["Items"]:
            events.extend(outcomes_of(None, {name: deserialize(value) for name, value in item.items()}))
    return sorted(events, key=lambda event: (event.occurred_at, event.outcome_id))


@click.command("republish-outcomes", epilog=EXAMPLE)
@click.option(
    "--failure-queue-url", help="[env OUTCOME_PUBLISHER_FAILURE_QUEUE_URL, output OutcomePublisherFailureQueueUrl]"
)
@click.option("--table-name", help="Results table [env RESULTS_TABLE_NAME, output ResultsTableName].")
@click.option("--bus-name", help="Outcome bus [env OUTCOME_EVENT_BUS_NAME, output OutcomeEventBusName].")
@aws_options
@click.option("--dry-run", is_flag=True, help="Only list what would be republished; nothing is put or deleted.")
@click.pass_context
def republish_outcomes(
    ctx: click.Context,
    *,
    failure_queue_url: str | None,
    table_name: str | None,
    bus_name: str | None,
    stack_name: str | None,
    region: str | None,
    profile: str | None,
    dry_run: bool,
) -> None:
    """Republish the outcome events of the stream batches on the outcome publisher's failure queue.

    After the outcome-publisher-failures alarm, once PutEvents works again.
    """
    from exchange_linker.adapters.eventbridge_outcomes import EventBridgeOutcomes

    connection = connect(ctx, region=region, profile=profile)
    queue = _target(
        connection,
        failure_queue_url,
        variable="OUTCOME_PUBLISHER_FAILURE_QUEUE_URL",
        output="OutcomePublisherFailureQueueUrl",
        stack_name=stack_name,
        flag="--failure-queue-url",
    )
    table = _target(
        connection,
        table_name,
        variable="RESULTS_TABLE_NAME",
        output="ResultsTableName",
        stack_name=stack_name,
        flag="--table-name",
    )
    bus_name = _target(
        connection,
        bus_name,
        variable="OUTCOME_EVENT_BUS_NAME",
        output="OutcomeEventBusName",
        stack_name=stack_name,
        flag="--bus-name",
    )
    clients = connection.clients
    bus = EventBridgeOutcomes(clients, bus_name)
    batches = published = 0
    held: dict[str, str] = {}  # message id -> receipt handle, for messages received and not deleted
    try:
        while messages := clients.sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=300
        ).get("Messages", []):
            for message in messages:
                held[message["MessageId"]] = message["ReceiptHandle"]
                start, end = window(json.loads(message.get("Body", "{}")))
                events = outcomes_between(clients, table, start, end)
                click.echo(f"batch written {start} .. {end}: {len(events)} outcome(s)")
                for event in events:
                    click.echo(f"  {event.detail_type}: {event.outcome_id}")
                    if not dry_run:
                        bus.publish(event)  # raises AwsError: this message stays on the queue
                published += len(events)
                batches += 1
                if not dry_run:
                    clients.sqs.delete_message(QueueUrl=queue, ReceiptHandle=held.pop(message["MessageId"]))
    finally:
        for receipt in held.values():  # what a dry run looked at, or what could not be republished, is visible again
            clients.sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=receipt, VisibilityTimeout=0)
    verb = "would republish" if dry_run else "republished"
    stderr.print(f"{batches} failed batch(es): {verb} {published} outcome event(s)")
