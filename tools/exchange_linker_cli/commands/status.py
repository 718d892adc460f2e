"""`exchange-linker status`: an event's or a customer's results, with the reason of every failure."""

from __future__ import annotations

import time
from typing import Any

import click

from exchange_linker_cli.connection import Connection, connect
from exchange_linker_cli.failures import ExitCode, OperatorError, usage
from exchange_linker_cli.options import JSON_OUTPUT, TABLE, aws_options
from exchange_linker_cli.output import print_json, say
from exchange_linker_cli.targets import resolve_targets

TERMINAL = frozenset({"CREATED", "FAILED"})
WAIT_STEP_SECONDS = 0.5
EXAMPLE = """\b
Examples:
  exchange-linker status --event-id c0a8012e-6f1c-4a53-9d0a-6c2b4f2f0b11 --wait 30
  exchange-linker status --customer-id 74a207b2-b7b7-4efa-8bf8-582148e7b980 --json | jq '.[].status'
"""


@click.command(epilog=EXAMPLE)
@click.option("--event-id", help="One event's result.")
@click.option("--customer-id", help="A customer's results, newest first (byCustomer index).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="With --customer-id.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0, max=900),
    default=0,
    metavar="SECONDS",
    help="With --event-id: wait up to SECONDS for CREATED or FAILED (right after publish or replay).",
)
@TABLE
@aws_options
@JSON_OUTPUT
@click.pass_context
def status(
    ctx: click.Context,
    *,
    event_id: str | None,
    customer_id: str | None,
    limit: int,
    wait: float,
    table_name: str | None,
    stack_name: str | None,
    region: str | None,
    profile: str | None,
    as_json: bool,
) -> None:
    """Show results from the results table by event or by customer: status, attempts, exchange, reason.

    Exits 1 when the event has no result (yet): look for it with `exchange-linker dlq`.
    """
    from exchange_linker_cli.report import render_results
    from exchange_linker_cli.results_reader import results_by_customer

    if bool(event_id) == bool(customer_id):
        raise usage("give exactly one of --event-id or --customer-id")
    connection = connect(ctx, region=region, profile=profile)
    table = resolve_targets(connection, stack_name, table_name=table_name).require("table_name")
    if event_id:
        rows = _event_result(connection, table, event_id, wait)
    else:
        rows = results_by_customer(connection.clients, table, str(customer_id), limit)
    if as_json:
        print_json(rows)
    elif rows:
        render_results(rows)
    if event_id and not rows:
        raise OperatorError(
            f"no result for event {event_id} in table {table}: not processed yet, or dead-lettered before its eventId "
            "was known (see `exchange-linker dlq`)",
            ExitCode.FAILED,
        )
    if not rows:
        say(f"no results for customer {customer_id} in table {table}")


def _event_result(connection: Connection, table: str, event_id: str, wait: float) -> list[dict[str, Any]]:
    from exchange_linker_cli.results_reader import results_by_event

    deadline = time.monotonic() + wait
    while True:
        rows = results_by_event(connection.clients, table, event_id)
        if (rows and rows[0].get("status") in TERMINAL) or time.monotonic() >= deadline:
            return rows
        time.sleep(min(WAIT_STEP_SECONDS, max(0.0, deadline - time.monotonic())))
