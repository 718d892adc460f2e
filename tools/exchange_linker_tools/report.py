"""Tables a person can read at a glance, for `run` and `status`."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from exchange_linker_tools.local_run import RunSummary

STATUS_STYLE = {"CREATED": "green", "FAILED": "red", "RETRYING": "yellow", "MISSING": "bold red"}
MAX_ROWS = 40


def _status(text: str) -> str:
    style = STATUS_STYLE.get(text, "")
    return f"[{style}]{text}[/{style}]" if style else text


def _short(value: str | None, width: int = 13) -> str:
    if not value:
        return "-"
    return value if len(value) <= width else value[: width - 1] + "…"


def render_summary(console: Console, summary: RunSummary) -> None:
    table = Table(title="link.completed events", title_justify="left")
    table.add_column("event", no_wrap=True)
    for column in ("partner", "customer", "status", "exchange id / error", "as expected"):
        table.add_column(column, no_wrap=True)
    for outcome in summary.outcomes[:MAX_ROWS]:
        detail = outcome.exchange_id or outcome.error_code or "-"
        expected = "-" if outcome.expected_status is None else ("yes" if outcome.as_expected else "[red]NO[/red]")
        table.add_row(
            outcome.name, outcome.partner or "-", _short(outcome.customer_id), _status(outcome.status), detail, expected
        )
    if len(summary.outcomes) > MAX_ROWS:
        table.caption = f"… and {len(summary.outcomes) - MAX_ROWS} more (use --json for all)"
    console.print(table)
    counts = ", ".join(f"{_status(status)} {count}" for status, count in sorted(summary.counts_by_status.items()))
    console.print(f"[bold]By status:[/bold] {counts}")
    dlq = ", ".join(f"{code} {count}" for code, count in sorted(summary.dead_letters_by_code.items())) or "empty"
    console.print(f"[bold]Dead-letter queue:[/bold] {sum(summary.dead_letters_by_code.values())} messages ({dlq})")
    rate = len(summary.outcomes) / summary.elapsed_seconds if summary.elapsed_seconds else 0
    console.print(
        f"[bold]Dwolla emulator:[/bold] {summary.exchanges_created_at_dwolla} exchanges created; "
        f"{len(summary.outcomes)} events in {summary.elapsed_seconds:.1f} s ({rate:.0f}/s, {summary.batches} batches)"
    )
    if summary.outcome_events is not None:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(summary.outcome_events.items())) or "none"
        missing = (
            f", [bold red]{len(summary.unannounced)} outcome(s) never announced[/bold red]"
            if summary.unannounced
            else ""
        )
        console.print(f"[bold]Outcome bus:[/bold] {sum(summary.outcome_events.values())} events ({kinds}){missing}")
    if summary.log_file:
        console.print(f"[dim]Handler logs and metrics: {summary.log_file}[/dim]")
    if summary.unexpected:
        console.print(f"[bold red]{len(summary.unexpected)} event(s) did not end as expected.[/bold red]")
    elif summary.all_terminal:
        console.print("[bold green]Every event reached its terminal state.[/bold green]")


def render_results(console: Console, rows: list[dict[str, Any]]) -> None:
    if not rows:
        console.print("No result found.")
        return
    table = Table()
    for column in ("eventId", "status", "partner", "customerId", "attempts", "exchangeId / errorCode", "updatedAt"):
        table.add_column(column)
    for row in rows:
        detail = row.get("exchangeId") or row.get("errorCode") or "-"
        table.add_row(
            str(row.get("eventId")),
            _status(str(row.get("status"))),
            str(row.get("partner") or "-"),
            str(row.get("customerId") or "-"),
            str(row.get("attempts", "-")),
            str(detail),
            str(row.get("updatedAt")),
        )
    console.print(table)
