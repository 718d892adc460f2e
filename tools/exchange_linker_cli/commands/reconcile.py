"""`exchange-linker reconcile`: does the results table agree with what Dwolla holds? Read-only, always.

For the customers whose items were written in a window (default the last 24 h), or the ones named, every
CREATED item is compared with the exchanges Dwolla lists for the same owner. Exit 0 when all agree, 1 when
anything disagrees (or an owner's list could not be read).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from exchange_linker_cli.connection import Connection, connect
from exchange_linker_cli.failures import ExitCode, OperatorError, usage
from exchange_linker_cli.options import JSON_OUTPUT, TABLE, Timestamp, aws_options
from exchange_linker_cli.output import Column, print_json, print_rows, say
from exchange_linker_cli.targets import resolve_targets, stack_description

if TYPE_CHECKING:
    from exchange_linker.reconcile.report import ReconcileReport
    from exchange_linker.settings import ReconcileSettings

DEFAULT_RATE = 5.0
EXAMPLE = """\b
Examples:
  exchange-linker reconcile --stack-name exchange-linker-production
  exchange-linker reconcile --stack-name exchange-linker-production --since 2026-11-20 --until 2026-11-21
  exchange-linker reconcile --customer-id 74a207b2-b7b7-4efa-8bf8-582148e7b980 --account --json | jq .unrecorded
"""
COLUMNS = (
    Column("disagreement"),
    Column("customerId", identifier=True),
    Column("exchangeId", identifier=True),
    Column("eventId", identifier=True),
    Column("partner"),
    Column("detail"),
)


@click.command(epilog=EXAMPLE)
@click.option("--since", type=Timestamp(), help="Start of the window (ISO 8601) [default: 24 h before --until].")
@click.option("--until", type=Timestamp(), help="End of the window (ISO 8601) [default: now].")
@click.option("--customer-id", "customer_ids", multiple=True, help="Reconcile this customer (repeatable; no window).")
@click.option("--account", is_flag=True, help="Reconcile the account's own exchanges (no window).")
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_RATE,
    show_default=True,
    help="Requests per second to Dwolla, every request counted.",
)
@TABLE
@aws_options
@JSON_OUTPUT
@click.pass_context
def reconcile(
    ctx: click.Context,
    *,
    since: datetime | None,
    until: datetime | None,
    customer_ids: tuple[str, ...],
    account: bool,
    rate: float,
    table_name: str | None,
    stack_name: str | None,
    region: str | None,
    profile: str | None,
    as_json: bool,
) -> None:
    """Compare the results table with Dwolla's exchange lists: exchanges no CREATED item names (possible
    duplicates), CREATED items whose exchange Dwolla no longer lists or lists as removed, counts per partner.

    Reads only: Scan/Query on the table, GET on Dwolla (credentials from the stack's secret). Exits 1 when
    anything disagrees; the runbook says what to check for each kind.
    """
    from exchange_linker.bootstrap import build_reconciliation
    from exchange_linker.reconcile.scope import Scope
    from exchange_linker_cli.commands.scanning import service_logs_to_stderr
    from exchange_linker_cli.results_reader import check_table, table_named

    if (customer_ids or account) and (since or until):
        raise usage("--since/--until choose the customers by time: leave them out with --customer-id or --account")
    scope = Scope.of(customers=customer_ids, account=account) if customer_ids or account else _window(since, until)
    connection = connect(ctx, region=region, profile=profile)
    settings = _settings(connection, stack_name, table_name, rate)
    check_table(connection.clients, settings.results_table_name)
    service_logs_to_stderr(ctx)
    with table_named(settings.results_table_name):
        report = build_reconciliation(settings, connection.clients).run(scope)
    if as_json:
        print_json(report.as_dict())
    else:
        _render(report)
    if not report.agrees:
        raise OperatorError(f"{report.disagreements} disagreement(s) between the table and Dwolla", ExitCode.FAILED)


def _window(since: datetime | None, until: datetime | None) -> Any:
    from exchange_linker.reconcile.scope import Scope

    end = until or datetime.now().astimezone()
    start = since or end - timedelta(hours=24)
    if start > end:
        raise usage(f"--since ({start.isoformat()}) is after --until ({end.isoformat()})")
    return Scope(since=start, until=end)


def _settings(connection: Connection, stack_name: str | None, table_name: str | None, rate: float) -> ReconcileSettings:
    """Where the table, the Dwolla host and its credentials are: the stack's outputs and parameters, else the
    environment the functions use (the local stack's env file sets it)."""
    from exchange_linker.errors import ConfigurationError
    from exchange_linker.settings import ReconcileSettings

    table = resolve_targets(connection, stack_name, table_name=table_name).require("table_name")
    outputs, parameters = stack_description(connection, stack_name) if stack_name else ({}, {})
    environ = {
        "RESULTS_TABLE_NAME": table,
        "DWOLLA_CREDENTIALS_SECRET_ID": outputs.get("DwollaCredentialsSecretArn")
        or os.environ.get("DWOLLA_CREDENTIALS_SECRET_ID", ""),
        "DWOLLA_TOKEN_SECRET_ID": outputs.get("DwollaTokenSecretArn") or os.environ.get("DWOLLA_TOKEN_SECRET_ID", ""),
        "DWOLLA_API_URL": parameters.get("DwollaApiUrl", "") if stack_name else os.environ.get("DWOLLA_API_URL", ""),
        "DWOLLA_ENVIRONMENT": parameters.get("DwollaEnvironment", "")
        if stack_name
        else os.environ.get("DWOLLA_ENVIRONMENT", ""),
        "RECONCILE_REQUESTS_PER_SECOND": str(rate),
    }
    if not environ["DWOLLA_CREDENTIALS_SECRET_ID"]:
        raise usage("no Dwolla credentials secret: pass --stack-name NAME or export DWOLLA_CREDENTIALS_SECRET_ID")
    if not (environ["DWOLLA_API_URL"] or environ["DWOLLA_ENVIRONMENT"]):
        raise usage("no Dwolla host: pass --stack-name NAME or export DWOLLA_ENVIRONMENT (or DWOLLA_API_URL)")
    try:
        return ReconcileSettings.from_environ(environ)
    except ConfigurationError as error:
        raise usage(str(error)) from None


def _render(report: ReconcileReport) -> None:
    found = report.as_dict()
    rows = [
        {**row, "disagreement": "unrecorded", "detail": f"{row['status']} since {row['created'] or '?'}"}
        for row in found["unrecorded"]
    ]
    rows += [{**row, "disagreement": "removed", "detail": "listed as removed"} for row in found["removed"]]
    rows += [{**row, "disagreement": "missing", "detail": "not listed by Dwolla"} for row in found["missing"]]
    rows += [{**row, "disagreement": "unread", "detail": row["errorCode"]} for row in found["unread"]]
    for row in rows:
        row["customerId"] = row["customerId"] or "account"
    window = f"{found['since']} .. {found['until']}: " if found["since"] else ""
    owners = f"{len(found['customers'])} customer(s)" + (" and the account" if found["account"] else "")
    say(f"[bold]Reconciled[/bold] {window}{owners}")
    if rows:
        print_rows(rows, COLUMNS, title="disagreements")
    counts = ", ".join(
        f"{partner} {c['recorded']} recorded / {c['atDwolla']} at Dwolla"
        for partner, c in found["countsByPartner"].items()
    )
    say(f"[bold]By partner:[/bold] {counts or 'none'}")
    if report.agrees:
        say("[green]The table and Dwolla agree.[/green]")
