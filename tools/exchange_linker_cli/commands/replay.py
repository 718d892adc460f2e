"""`exchange-linker replay`: move dead-lettered messages back to the link-completed queue, guarded.

A replay without a filter asks first (or needs --yes); unknown error codes are refused with the known
ones; InvalidEvent and ConflictingEvent messages are held back unless their code is named (the shared
Replayer does that, so the replay Lambda behaves the same).
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING

import click

from exchange_linker_cli.commands.dlq import RECEIVE_WAIT, receive_wait_for
from exchange_linker_cli.commands.native import NATIVE, POLL_INTERVAL, check_native, run_native
from exchange_linker_cli.connection import Connection, connect
from exchange_linker_cli.failures import ExitCode, OperatorError, usage
from exchange_linker_cli.options import DLQ_URL, JSON_OUTPUT, QUEUE_URL, TABLE, Timestamp, aws_options
from exchange_linker_cli.output import print_json, say
from exchange_linker_cli.targets import describe, resolve_targets

if TYPE_CHECKING:
    from exchange_linker.replay.filter import ReplayFilter
    from exchange_linker_cli.commands.scanning import Queues

FLAGS = {
    "error_codes": "--error-code",
    "event_ids": "--event-id",
    "customer_ids": "--customer-id",
    "partners": "--partner",
    "errorCodes": "--error-code",
    "eventIds": "--event-id",
    "customerIds": "--customer-id",
    "failedAfter": "--failed-after",
    "failedBefore": "--failed-before",
}
FILTER_FLAGS = "--error-code, --event-id, --customer-id, --partner, --failed-after or --failed-before"
EXAMPLE = """\b
Examples:
  exchange-linker replay --error-code InvalidScope --dry-run       # look first: nothing moves
  exchange-linker replay --error-code InvalidScope --partner plaid --rate 5
  exchange-linker replay --failed-after 2026-11-20T00:00:00Z --limit 100 --json | jq .moved
  exchange-linker replay --yes                                     # everything replayable, no question
"""


def interactive() -> bool:
    """A person can answer a question (tests replace this)."""
    return sys.stdin.isatty()


@click.command(epilog=EXAMPLE)
@click.option(
    "--error-code", "error_codes", multiple=True, metavar="CODE", help="Repeatable, any case, e.g. InvalidScope."
)
@click.option("--event-id", "event_ids", multiple=True, help="Repeatable.")
@click.option("--customer-id", "customer_ids", multiple=True, help="Repeatable.")
@click.option("--partner", "partners", multiple=True, help="Repeatable, any case (Plaid, MX, …).")
@click.option("--failed-after", type=Timestamp(), help="Failed at or after this time.")
@click.option("--failed-before", type=Timestamp(), help="Failed before this time.")
@click.option("--dry-run", is_flag=True, help="Only list what would move; the DLQ is left as it was.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before a replay without a filter.")
@click.option("--limit", type=click.IntRange(min=1), help="Move at most N messages.")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True, max=10_000), help="At most R messages per second.")
@NATIVE
@POLL_INTERVAL
@QUEUE_URL
@DLQ_URL
@TABLE
@aws_options
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
    yes: bool,
    limit: int | None,
    rate: float | None,
    native: bool,
    poll_interval: float,
    queue_url: str | None,
    dead_letter_queue_url: str | None,
    table_name: str | None,
    stack_name: str | None,
    region: str | None,
    profile: str | None,
    as_json: bool,
    receive_wait: int | None,
) -> None:
    """Move dead-lettered messages back to the link-completed queue.

    Filters combine: every given kind must match, any value of a repeated one may. A message is sent
    before it is deleted from the DLQ, keeps its body and the upstream's attributes, and gets
    replayCount + 1; the messages left behind are visible again when the command ends. InvalidEvent and
    ConflictingEvent messages fail again unchanged: they are held back unless their code is named.
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
        raise usage("--native moves everything: it cannot be combined with filters, --dry-run or --limit")
    connection = connect(ctx, region=region, profile=profile)
    receive_wait = receive_wait_for(connection, receive_wait)
    per_second = check_native(connection, rate) if native else None
    unfiltered = selection.selects_everything and not dry_run
    if unfiltered and not yes and not interactive():
        raise usage(
            f"a replay without a filter moves every replayable message: add --yes, or select with {FILTER_FLAGS} "
            "(see what would move with --dry-run)"
        )
    from exchange_linker.replay.replayer import ReplayRefusedError
    from exchange_linker_cli.commands.scanning import progress, replayer, service_logs_to_stderr
    from exchange_linker_cli.report import render_replay

    queues = _queues(connection, stack_name, queue_url, dead_letter_queue_url, table_name)
    if native:
        run_native(
            ctx,
            connection,
            queues,
            rate=per_second,
            poll_interval=poll_interval,
            yes=yes,
            as_json=as_json,
            receive_wait=receive_wait,
        )
        return
    service_logs_to_stderr(ctx)
    try:
        replayer(connection, queues, receive_wait=receive_wait).check_error_codes(selection)
    except ReplayRefusedError as refused:
        raise usage(str(refused)) from None
    if unfiltered and not yes and not _confirm(connection, queues, selection, receive_wait):
        return
    with progress("scanning" if dry_run else "replaying", queues.source.visible, dry_run=dry_run) as advance:
        mover = replayer(connection, queues, receive_wait=receive_wait, rate=rate, on_progress=advance)
        summary = mover.run(selection, dry_run=dry_run, limit=limit)
    summary.left_in_dlq = describe(connection, queues.source.url, "dead-letter", "dead_letter_queue_url").depth
    if as_json:
        print_json(summary.as_dict())
    else:
        render_replay(summary)
    if summary.failed_sends or summary.error:
        raise OperatorError(
            f"stopped early: {summary.error or 'a send to the link-completed queue failed'}; the rest stays in the DLQ",
            ExitCode.AWS if summary.error else ExitCode.FAILED,
        )


def _queues(
    connection: Connection,
    stack_name: str | None,
    queue_url: str | None,
    dead_letter_queue_url: str | None,
    table_name: str | None,
) -> Queues:
    from exchange_linker.replay.replayer import ReplayRefusedError, check_route
    from exchange_linker_cli.commands.scanning import check_targets

    targets = resolve_targets(
        connection, stack_name, queue_url=queue_url, dead_letter_queue_url=dead_letter_queue_url, table_name=table_name
    )
    if targets.require("dead_letter_queue_url").rstrip("/") == targets.require("queue_url").rstrip("/"):
        raise usage("--queue-url is the dead-letter queue itself: nothing would ever leave it")
    queues = check_targets(connection, targets, with_destination=True)
    assert queues.destination is not None
    try:
        check_route(queues.source.url, queues.source.arn, queues.destination.url, queues.destination.arn)
    except ReplayRefusedError as refused:
        raise usage(str(refused)) from None
    return queues


def _confirm(connection: Connection, queues: Queues, selection: ReplayFilter, receive_wait: int) -> bool:
    """Show what an unfiltered replay would move, by error code, and ask. False: nothing to move."""
    from exchange_linker_cli.commands.scanning import progress, replayer
    from exchange_linker_cli.report import replay_gist

    with progress("looking", queues.source.visible, dry_run=True) as advance:
        preview = replayer(connection, queues, receive_wait=receive_wait, on_progress=advance).run(selection)
    say(replay_gist(preview))
    if preview.held_back:
        held = ", ".join(f"{code} {count}" for code, count in sorted(preview.held_back_by_error_code.items()))
        say(f"Held back (they fail again unchanged; name the code to move them): {held}")
    if not preview.matched:
        say("Nothing to move.")
        return False
    assert queues.destination is not None
    if not click.confirm(f"Move {preview.matched} messages back to {queues.destination.url}?", default=False, err=True):
        raise OperatorError("nothing moved (declined)", ExitCode.FAILED)
    return True


def _selection(
    *,
    error_codes: tuple[str, ...],
    event_ids: tuple[str, ...],
    customer_ids: tuple[str, ...],
    partners: tuple[str, ...],
    failed_after: datetime | None,
    failed_before: datetime | None,
) -> ReplayFilter:
    from pydantic import ValidationError

    from exchange_linker.replay.filter import ReplayFilter

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
        reasons = []
        for error in invalid.errors():
            flag = FLAGS.get(str(error["loc"][0]) if error["loc"] else "", "")
            reasons.append((f"{flag}: " if flag else "") + error["msg"].removeprefix("Value error, "))
        text = "; ".join(reasons).replace("failedAfter", "--failed-after").replace("failedBefore", "--failed-before")
        raise usage(text) from None
