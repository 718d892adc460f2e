"""What `status`, `dlq` and `replay` show: rows on stdout (a table, or TSV when piped), the gist on stderr."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.markup import escape

from exchange_linker.replay.inventory import DlqInventory
from exchange_linker.replay.native import MoveTask
from exchange_linker.replay.summary import Action, ReplaySummary
from exchange_linker_cli.output import Column, is_terminal, print_rows, say

STATUS_STYLE = {"CREATED": "green", "FAILED": "red", "RETRYING": "yellow"}
ACTION_STYLE = {
    Action.MOVED: "green",
    Action.WOULD_MOVE: "cyan",
    Action.HELD_BACK: "magenta",
    Action.NOT_DELETED: "yellow",
    Action.SEND_FAILED: "bold red",
}
NO_REASON = "no reason recorded (SQS's redrive moved it; no result in the table)"
MAX_TERMINAL_ROWS = 40


def _style(styles: Mapping[str, str]) -> Any:
    def apply(value: str) -> str:
        style = styles.get(value)
        return f"[{style}]{escape(value)}[/{style}]" if style else escape(value)

    return apply


RESULT_COLUMNS = (
    Column("eventId", identifier=True),
    Column("status", style=_style(STATUS_STYLE)),
    Column("partner"),
    Column("customerId", identifier=True),
    Column("attempts"),
    Column("exchangeId", identifier=True),
    Column("errorCode", identifier=True),
    Column("errorMessage"),
    Column("updatedAt"),
)
MESSAGE_COLUMNS = (
    Column("eventId", identifier=True),
    Column("customerId", identifier=True),
    Column("partner"),
    Column("errorCode", identifier=True),
    Column("errorMessage"),
    Column("failedAt"),
    Column("replayCount"),
    Column("action", style=_style({action.value: style for action, style in ACTION_STYLE.items()})),
    Column("messageId", identifier=True),
)


# Issue 14, shown only when some row asks for a funding source: "exchange CREATED, funding source FAILED (why)".
FUNDING_SOURCE_COLUMNS = (
    Column("fundingSourceStatus", "fundingSource", style=_style(STATUS_STYLE | {"PENDING": "yellow"})),
    Column("fundingSourceId", identifier=True),
    Column("fundingSourceErrorCode", identifier=True),
    Column("fundingSourceErrorMessage"),
)


def render_results(rows: list[dict[str, Any]]) -> None:
    funding = any(row.get("fundingSourceStatus") for row in rows)
    print_rows(rows, RESULT_COLUMNS + FUNDING_SOURCE_COLUMNS if funding else RESULT_COLUMNS)


def _capped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A terminal shows the first rows; a pipe or --json gets them all."""
    if is_terminal() and len(rows) > MAX_TERMINAL_ROWS:
        say(f"[dim]showing {MAX_TERMINAL_ROWS} of {len(rows)} messages (pipe the output or use --json for all)[/dim]")
        return rows[:MAX_TERMINAL_ROWS]
    return rows


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{code} {count}" for code, count in sorted(counts.items())) or "none"


def render_replay(summary: ReplaySummary) -> None:
    rows = []
    for row in summary.rows:
        values = row.as_dict()
        if row.view.reason_from == "unknown":
            values["errorMessage"] = NO_REASON
        rows.append(values)
    if rows:
        print_rows(_capped(rows), MESSAGE_COLUMNS, title="dry run: nothing moved" if summary.dry_run else "replayed")
    say(replay_gist(summary))
    if flagged := sum(row.view.exchange_may_exist for row in summary.rows):
        say(f"[yellow]{flagged} may already have an exchange at Dwolla: asked there before any POST (runbook)[/yellow]")
    if summary.held_back:
        codes = ", ".join(sorted(summary.held_back_by_error_code))
        say(
            f"[magenta]Held back {summary.held_back} ({_counts(summary.held_back_by_error_code)}): their reason says "
            f"the same message fails again; fix it upstream, or name the code (--error-code {codes.split(', ')[0]}) "
            "to move them anyway.[/magenta]"
        )
    if summary.arrived_during_run:
        say(f"{summary.arrived_during_run} arrived in the DLQ during the run: left for the next one.")
    if summary.not_deleted:
        say(f"[yellow]{summary.not_deleted} sent but not deleted: they are in both queues (harmless).[/yellow]")
    if summary.error or summary.failed_sends:
        say(
            f"[bold red]Stopped early: {escape(summary.error or 'a send failed')}; the rest stays in the DLQ."
            "[/bold red]"
        )


def replay_gist(summary: ReplaySummary) -> str:
    left = "" if summary.left_in_dlq is None else f"; left in the DLQ: {summary.left_in_dlq}"
    if summary.dry_run:
        head = f"Would move {summary.matched} ({_counts(summary.by_error_code)})"
    else:
        head = f"Moved {summary.moved} of {summary.matched} matched ({_counts(summary.by_error_code)})"
    return (
        f"[bold]{head}[/bold]; scanned {summary.scanned}, held back {summary.held_back}, "
        f"not matched {summary.not_matched}{left} (stopped: {summary.stopped_by.value})"
    )


def render_inventory(summary: DlqInventory) -> None:
    rows = [
        {"errorCode": code, "messages": count, "errorMessage": message or NO_REASON}
        for code, message, count in summary.reasons
    ]
    say(f"[bold]Dead-letter queue:[/bold] {summary.depth} messages ({summary.scanned} scanned)")
    if rows:
        print_rows(
            rows, (Column("errorCode", identifier=True), Column("messages"), Column("errorMessage")), title="by reason"
        )
        say(f"[bold]By error code:[/bold] {_counts(summary.by_error_code)}")
        say(f"[bold]By partner:[/bold] {_counts(summary.by_partner)}")
    if summary.exchange_may_exist:
        say(f"[yellow]{summary.exchange_may_exist} may already have an exchange at Dwolla[/yellow] (runbook)")
    if summary.oldest is not None and summary.oldest_age_seconds is not None:
        hours = summary.oldest_age_seconds / 3600
        say(f"[bold]Oldest failure:[/bold] {summary.as_dict()['oldestFailedAt']} ({hours:.1f} h ago)")


def render_native(task: MoveTask) -> None:
    style = "green" if task.status == "COMPLETED" else "bold red"
    to_move = "?" if task.to_move is None else str(task.to_move)
    say(f"[{style}]SQS move task {task.status}[/{style}]: moved {task.moved} of {to_move}")
    if task.failure_reason:
        say(f"[red]{escape(task.failure_reason)}[/red]")
