"""`exchange-linker replay` and `exchange-linker dlq`: look into the dead-letter queue and move messages back.

cli.py adds them with `register(cli)`. Tests may hand a ready AwsClients in as click's `obj`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import click
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.adapters.dynamodb_results import DynamoDbResults
from exchange_linker.adapters.sqs_queues import (
    DEFAULT_WAIT_SECONDS,
    QUEUE_DOES_NOT_EXIST,
    QueueDescription,
    SqsDestinationQueue,
    SqsMessageMover,
    SqsSourceQueue,
    describe_queue,
)
from exchange_linker.errors import AwsError
from exchange_linker.replay.filter import ReplayFilter
from exchange_linker.replay.inventory import DlqInventory, inventory
from exchange_linker.replay.native import MoveTask, move_everything, native_rate
from exchange_linker.replay.pacing import RateLimiter
from exchange_linker.replay.replayer import Replayer, ReplayRefusedError, check_route
from exchange_linker.replay.summary import Action, ReplaySummary
from exchange_linker_tools.targets import resolve_targets

QUEUE_URL = click.option("--queue-url", help="Link-completed queue URL [env LINK_COMPLETED_QUEUE_URL].")
DLQ_URL = click.option("--dlq-url", "dead_letter_queue_url", help="Dead-letter queue URL [env DEAD_LETTER_QUEUE_URL].")
TABLE = click.option(
    "--table-name", help="Results table, for the reason of messages that carry none [env RESULTS_TABLE_NAME]."
)
STACK = click.option("--stack-name", help="Read missing URLs/names from this deployed stack's outputs.")
JSON_OUTPUT = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
# Long polling makes an empty answer mean "nothing visible left" on SQS; an emulator needs no wait.
RECEIVE_WAIT = click.option(
    "--receive-wait", type=click.IntRange(0, 20), default=DEFAULT_WAIT_SECONDS, hidden=True, help="Long-poll seconds."
)


class Timestamp(click.ParamType):
    """ISO 8601 (2026-11-20, 2026-11-20T18:04:05Z, …); a time without offset is UTC."""

    name = "TIMESTAMP"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 timestamp (e.g. 2026-11-20T18:04:05Z)", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def register(cli: click.Group) -> None:
    cli.add_command(replay)
    cli.add_command(dlq)


@click.command()
@click.option("--error-code", "error_codes", multiple=True, metavar="CODE", help="Repeatable, e.g. InvalidScope.")
@click.option("--event-id", "event_ids", multiple=True, help="Repeatable.")
@click.option("--customer-id", "customer_ids", multiple=True, help="Repeatable.")
@click.option("--partner", "partners", multiple=True, help="Repeatable, case-insensitive (Plaid, MX, …).")
@click.option("--failed-after", type=Timestamp(), help="Failed at or after this time.")
@click.option("--failed-before", type=Timestamp(), help="Failed before this time.")
@click.option("--dry-run", is_flag=True, help="Only list what would move; the DLQ is left as it was.")
@click.option("--limit", type=click.IntRange(min=1), help="Move at most N messages.")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True, max=10_000), help="At most R messages per second.")
@click.option("--native", is_flag=True, help="Use SQS's StartMessageMoveTask: everything, no filter, no dry run.")
@click.option(
    "--poll-interval", type=click.FloatRange(min=0), default=5.0, show_default=True, help="--native: seconds per poll."
)
@QUEUE_URL
@DLQ_URL
@TABLE
@STACK
@JSON_OUTPUT
@RECEIVE_WAIT
@click.pass_context
def replay(
    ctx: click.Context,
    *,
    error_codes: tuple[str, ...],
    event_ids: tuple[str, ...],
    customer_ids: tuple[str, ...],
    partners: tuple[str, ...],
    failed_after: datetime | None,
    failed_before: datetime | None,
    dry_run: bool,
    limit: int | None,
    rate: float | None,
    native: bool,
    poll_interval: float,
    queue_url: str | None,
    dead_letter_queue_url: str | None,
    table_name: str | None,
    stack_name: str | None,
    as_json: bool,
    receive_wait: int,
) -> None:
    """Move dead-lettered messages back to the link-completed queue.

    Filters combine: every given kind must match, any value of a repeated one may. A message is sent
    before it is deleted from the DLQ, keeps its body and the upstream's attributes, and gets
    replayCount + 1; the messages left behind are visible again when the command ends.

    \b
    Examples:
      exchange-linker replay --error-code InvalidScope --dry-run
      exchange-linker replay --error-code InvalidScope --partner plaid --rate 5
      exchange-linker replay --failed-after 2026-11-20T00:00:00Z --limit 100 --json
      exchange-linker replay --native --rate 50      # SQS moves everything itself
    """
    selection = _selection(
        error_codes=error_codes,
        event_ids=event_ids,
        customer_ids=customer_ids,
        partners=partners,
        failed_after=failed_after,
        failed_before=failed_before,
    )
    if native and (not selection.selects_everything or dry_run or limit is not None):
        raise click.UsageError("--native moves everything: it cannot be combined with filters, --dry-run or --limit")
    targets = resolve_targets(
        stack_name, queue_url=queue_url, dead_letter_queue_url=dead_letter_queue_url, table_name=table_name
    )
    source_url, destination_url = targets.require("dead_letter_queue_url"), targets.require("queue_url")
    if source_url.rstrip("/") == destination_url.rstrip("/"):
        raise click.UsageError("--queue-url is the dead-letter queue itself: nothing would ever leave it")
    clients = ctx.find_object(AwsClients) or AwsClients()
    source = _describe(clients, source_url, "dead-letter")
    destination = _describe(clients, destination_url, "destination")
    try:
        check_route(source.url, source.arn, destination.url, destination.arn)
    except ReplayRefusedError as refused:
        raise click.UsageError(str(refused)) from None
    if native:
        _native(
            clients, source=source, destination=destination, rate=rate, poll_interval=poll_interval, as_json=as_json
        )
        return
    if not targets.table_name:
        _stderr().print("[yellow]No results table: messages that carry no reason stay unexplained.[/yellow]")
    with _progress("scanning" if dry_run else "replaying", source.visible, as_json) as advance:
        replayer = Replayer(
            SqsSourceQueue(clients, source.url, wait_seconds=receive_wait),
            SqsDestinationQueue(clients, destination.url),
            results=DynamoDbResults(clients, targets.table_name) if targets.table_name else None,
            rate=RateLimiter(rate),
            on_progress=advance,
        )
        summary = replayer.run(selection, dry_run=dry_run, limit=limit)
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2))
    else:
        render_replay(_stdout(), summary)
    if summary.failed_sends or summary.error:
        sys.exit(1)


@click.command()
@DLQ_URL
@TABLE
@STACK
@JSON_OUTPUT
@RECEIVE_WAIT
@click.pass_context
def dlq(
    ctx: click.Context,
    *,
    dead_letter_queue_url: str | None,
    table_name: str | None,
    stack_name: str | None,
    as_json: bool,
    receive_wait: int,
) -> None:
    """Summarise the dead-letter queue: depth, counts by error code and partner, oldest failure.

    Looks at every message without consuming any: each becomes visible again when the command ends.

    \b
    Example:
      exchange-linker dlq --stack-name exchange-linker-sandbox
    """
    targets = resolve_targets(stack_name, dead_letter_queue_url=dead_letter_queue_url, table_name=table_name)
    clients = ctx.find_object(AwsClients) or AwsClients()
    source = _describe(clients, targets.require("dead_letter_queue_url"), "dead-letter")
    with _progress("scanning", source.visible, as_json) as advance:
        replayer = Replayer(
            SqsSourceQueue(clients, source.url, wait_seconds=receive_wait),
            results=DynamoDbResults(clients, targets.table_name) if targets.table_name else None,
            on_progress=advance,
        )
        scan = replayer.run(ReplayFilter(), dry_run=True)
    summary = inventory(source.depth, scan)
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2))
    else:
        render_inventory(_stdout(), summary)
    if scan.error:
        raise click.ClickException(f"the scan stopped early: {scan.error}")


def _selection(
    *,
    error_codes: tuple[str, ...],
    event_ids: tuple[str, ...],
    customer_ids: tuple[str, ...],
    partners: tuple[str, ...],
    failed_after: datetime | None,
    failed_before: datetime | None,
) -> ReplayFilter:
    try:
        return ReplayFilter(
            error_codes=frozenset(error_codes),
            event_ids=frozenset(event_ids),
            customer_ids=frozenset(customer_ids),
            partners=frozenset(partners),
            failed_after=failed_after,
            failed_before=failed_before,
        )
    except ValidationError as invalid:
        reasons = "; ".join(error["msg"].removeprefix("Value error, ") for error in invalid.errors())
        raise click.UsageError(
            reasons.replace("failedAfter", "--failed-after").replace("failedBefore", "--failed-before")
        ) from None


def _describe(clients: AwsClients, url: str, which: str) -> QueueDescription:
    try:
        return describe_queue(clients, url)
    except AwsError as error:
        if error.code == QUEUE_DOES_NOT_EXIST:
            raise click.ClickException(f"the {which} queue does not exist: {url}") from None
        raise click.ClickException(f"cannot read the {which} queue {url}: {error}") from None


@contextmanager
def _progress(label: str, total: int, as_json: bool) -> Iterator[Callable[[ReplaySummary], None]]:
    """A progress bar on stderr over the messages scanned (the DLQ's visible depth as the total)."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
    with Progress(*columns, TimeElapsedColumn(), console=_stderr(), transient=as_json) as bar:
        task = bar.add_task("", total=max(total, 1))

        def advance(summary: ReplaySummary) -> None:
            done = summary.scanned
            description = f"matched {summary.matched}, moved {summary.moved}"
            bar.update(task, completed=done, total=max(total, done, 1), description=description)

        yield advance


def _native(
    clients: AwsClients,
    *,
    source: QueueDescription,
    destination: QueueDescription,
    rate: float | None,
    poll_interval: float,
    as_json: bool,
) -> None:
    try:
        per_second = native_rate(rate)
    except ValueError as invalid:
        raise click.UsageError(str(invalid)) from None
    columns = (TextColumn("SQS move task"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=_stderr(), transient=as_json) as bar:
        progress = bar.add_task("starting", total=max(source.visible, 1))

        def show(task: MoveTask) -> None:
            total = task.to_move if task.to_move is not None else source.visible
            bar.update(progress, completed=task.moved, total=max(total, task.moved, 1), description=task.status)

        try:
            final = move_everything(
                SqsMessageMover(clients),
                source.arn,
                destination.arn,
                rate=per_second,
                poll_seconds=poll_interval,
                on_progress=show,
            )
        except AwsError as error:
            raise click.ClickException(f"SQS refused the move task: {error}") from None
    if as_json:
        click.echo(json.dumps(final.as_dict(), indent=2))
    else:
        render_native(_stdout(), final)
    if final.status != "COMPLETED":
        sys.exit(1)


def _stdout() -> Console:
    return Console(width=None if sys.stdout.isatty() else 150)


def _stderr() -> Console:
    return Console(stderr=True)


ACTION_STYLE = {
    Action.MOVED: "green",
    Action.WOULD_MOVE: "cyan",
    Action.NOT_DELETED: "yellow",
    Action.SEND_FAILED: "bold red",
}
MAX_ROWS = 40


def render_replay(console: Console, summary: ReplaySummary) -> None:
    if summary.rows:
        table = Table(title="dry run: would move" if summary.dry_run else "replayed", title_justify="left")
        for column in ("eventId", "customerId", "partner", "errorCode", "failedAt", "action"):
            table.add_column(column, no_wrap=True)
        for row in summary.rows[:MAX_ROWS]:
            values = row.as_dict()
            style = ACTION_STYLE[row.action]
            cells = [str(values[name] or "-") for name in ("eventId", "customerId", "partner", "errorCode", "failedAt")]
            table.add_row(*cells, f"[{style}]{row.action.value}[/{style}]")
        if len(summary.rows) > MAX_ROWS:
            table.caption = f"… and {len(summary.rows) - MAX_ROWS} more (use --json for all)"
        console.print(table)
    codes = ", ".join(f"{code} {count}" for code, count in sorted(summary.by_error_code.items())) or "none"
    console.print(f"[bold]Matched by error code:[/bold] {codes}")
    verb = "would move" if summary.dry_run else "moved"
    console.print(
        f"[bold]Scanned[/bold] {summary.scanned}, [bold]matched[/bold] {summary.matched}, "
        f"[bold]{verb}[/bold] {summary.matched if summary.dry_run else summary.moved}, "
        f"[bold]failed sends[/bold] {summary.failed_sends} (stopped: {summary.stopped_by.value})"
    )
    if summary.arrived_during_run:
        console.print(f"{summary.arrived_during_run} arrived in the DLQ during the run: left for the next one.")
    if summary.not_deleted:
        console.print(f"[yellow]{summary.not_deleted} sent but not deleted: they are in both queues.[/yellow]")
    if summary.error or summary.failed_sends:
        console.print(
            f"[bold red]Stopped early: {summary.error or 'a send failed'}; the rest stays in the DLQ.[/bold red]"
        )


def render_inventory(console: Console, summary: DlqInventory) -> None:
    console.print(f"[bold]Dead-letter queue:[/bold] {summary.depth} messages ({summary.scanned} scanned)")
    for title, counts in (("error code", summary.by_error_code), ("partner", summary.by_partner)):
        table = Table(title=f"by {title}", title_justify="left")
        table.add_column(title)
        table.add_column("messages", justify="right")
        for name, count in counts.items():
            table.add_row(name, str(count))
        console.print(table)
    if summary.oldest is not None and summary.oldest_age_seconds is not None:
        hours = summary.oldest_age_seconds / 3600
        console.print(f"[bold]Oldest failure:[/bold] {summary.as_dict()['oldestFailedAt']} ({hours:.1f} h ago)")


def render_native(console: Console, task: MoveTask) -> None:
    style = "green" if task.status == "COMPLETED" else "bold red"
    to_move = "?" if task.to_move is None else str(task.to_move)
    console.print(f"[{style}]SQS move task {task.status}[/{style}]: moved {task.moved} of {to_move}")
    if task.failure_reason:
        console.print(f"[red]{task.failure_reason}[/red]")
