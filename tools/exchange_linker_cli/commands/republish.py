"""`exchange-linker republish-outcomes`: announce again what the outcome publisher gave up on.

What it does is exchange_linker.outcomes.republish (built by bootstrap); this command finds the failure
queue, the table and the bus, and says what it republished.
"""

from __future__ import annotations

import os

import click
from rich.console import Console

from exchange_linker_cli.connection import Connection, connect
from exchange_linker_cli.failures import usage
from exchange_linker_cli.options import aws_options
from exchange_linker_cli.targets import stack_outputs

EXAMPLE = """\b
Example:
  exchange-linker republish-outcomes --stack-name exchange-linker-production --dry-run
  exchange-linker republish-outcomes --stack-name exchange-linker-production
"""
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
    from exchange_linker.bootstrap import build_outcome_republisher
    from exchange_linker.contracts.outcome_event import OutcomeEvent

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
    republisher = build_outcome_republisher(connection.clients, queue, table, bus_name)

    def seen(start: str, end: str, events: list[OutcomeEvent]) -> None:
        click.echo(f"batch written {start} .. {end}: {len(events)} outcome(s)")
        for event in events:
            click.echo(f"  {event.detail_type}: {event.outcome_id}")

    summary = republisher.run(dry_run=dry_run, on_batch=seen)
    verb = "would republish" if dry_run else "republished"
    stderr.print(f"{summary.batches} failed batch(es): {verb} {summary.published} outcome event(s)")
