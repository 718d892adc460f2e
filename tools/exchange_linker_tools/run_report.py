"""What `exchange-linker run` shows: where every event ended (stdout), the totals (stderr)."""

from __future__ import annotations

from rich.markup import escape

from exchange_linker_cli.output import Column, is_terminal, print_rows, say
from exchange_linker_tools.local_run import RunSummary

STATUS_STYLE = {"CREATED": "green", "FAILED": "red", "RETRYING": "yellow", "PENDING": "yellow", "MISSING": "bold red"}
MAX_TERMINAL_ROWS = 40


def _status(text: str) -> str:
    style = STATUS_STYLE.get(text, "")
    return f"[{style}]{escape(text)}[/{style}]" if style else escape(text)


def _expected(text: str) -> str:
    return "[red]NO[/red]" if text == "NO" else escape(text)


COLUMNS = (
    Column("name", "event", identifier=True),
    Column("partner"),
    Column("customerId", identifier=True),
    Column("status", style=_status),
    Column("result", "exchangeId / errorCode", identifier=True),
    Column("fundingSource", "funding source", style=_status),
    Column("asExpected", "as expected", style=_expected),
)


def render_summary(summary: RunSummary) -> None:
    rows = []
    for outcome in summary.outcomes:
        expected = "-" if outcome.expected_status is None else ("yes" if outcome.as_expected else "NO")
        result = outcome.exchange_id or outcome.error_code
        funding = outcome.funding_source_status or "-"
        rows.append({**outcome.as_dict(), "result": result, "fundingSource": funding, "asExpected": expected})
    if is_terminal() and len(rows) > MAX_TERMINAL_ROWS:
        say(f"[dim]showing {MAX_TERMINAL_ROWS} of {len(rows)} events (pipe the output or use --json for all)[/dim]")
        rows = rows[:MAX_TERMINAL_ROWS]
    print_rows(rows, COLUMNS, title="link.completed events")
    counts = ", ".join(f"{_status(status)} {count}" for status, count in sorted(summary.counts_by_status.items()))
    say(f"[bold]By status:[/bold] {counts}")
    dlq = ", ".join(f"{code} {count}" for code, count in sorted(summary.dead_letters_by_code.items())) or "empty"
    say(f"[bold]Dead-letter queue:[/bold] {sum(summary.dead_letters_by_code.values())} messages ({dlq})")
    rate = len(summary.outcomes) / summary.elapsed_seconds if summary.elapsed_seconds else 0
    say(
        f"[bold]Dwolla emulator:[/bold] {summary.exchanges_created_at_dwolla} exchanges created; "
        f"{summary.funding_sources_created_at_dwolla} funding sources; "
        f"{len(summary.outcomes)} events in {summary.elapsed_seconds:.1f} s ({rate:.0f}/s, {summary.batches} batches)"
    )
    say(f"[bold]Funding sources:[/bold] {summary.with_funding_source} events ended with a funding source")
    if summary.outcome_events is not None:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(summary.outcome_events.items())) or "none"
        missing = f", [bold red]{len(summary.unannounced)} never announced[/bold red]" if summary.unannounced else ""
        say(f"[bold]Outcome bus:[/bold] {sum(summary.outcome_events.values())} events ({kinds}){missing}")
    if summary.log_file:
        say(f"[dim]Handler logs and metrics: {escape(summary.log_file)}[/dim]")
    if summary.unexpected:
        say(f"[bold red]{len(summary.unexpected)} event(s) did not end as expected.[/bold red]")
    elif summary.all_terminal:
        say("[bold green]Every event reached its terminal state.[/bold green]")
