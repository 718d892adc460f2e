"""What `dlq` and `replay` share: the queues and table checked up front, a Replayer, a progress bar."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from exchange_linker.adapters.sqs_queues import QueueDescription
from exchange_linker.replay.pacing import RateLimiter
from exchange_linker.replay.replayer import Replayer
from exchange_linker.replay.summary import ReplaySummary
from exchange_linker_cli.connection import Connection
from exchange_linker_cli.options import DEBUG_KEY
from exchange_linker_cli.output import say
from exchange_linker_cli.results_reader import check_table
from exchange_linker_cli.targets import Targets, describe


@dataclass(frozen=True)
class Queues:
    source: QueueDescription
    destination: QueueDescription | None
    table_name: str | None


def check_targets(connection: Connection, targets: Targets, *, with_destination: bool) -> Queues:
    """Every queue and the table exist (a wrong name is one line, before anything is touched)."""
    source = describe(connection, targets.require("dead_letter_queue_url"), "dead-letter", "dead_letter_queue_url")
    destination = None
    if with_destination:
        destination = describe(connection, targets.require("queue_url"), "link-completed", "queue_url")
    if targets.table_name:
        check_table(connection.clients, targets.table_name)
    else:
        say("[yellow]No results table: the reason of messages SQS's redrive moved stays unknown.[/yellow]")
    return Queues(source=source, destination=destination, table_name=targets.table_name)


def replayer(
    connection: Connection,
    queues: Queues,
    *,
    receive_wait: int,
    rate: float | None = None,
    on_progress: Callable[[ReplaySummary], None] | None = None,
) -> Replayer:
    from exchange_linker.bootstrap import build_replayer

    return build_replayer(
        connection.clients,
        queues.source.url,
        queues.destination.url if queues.destination else None,
        results_table_name=queues.table_name,
        rate=RateLimiter(rate),
        receive_wait_seconds=receive_wait,
        on_progress=on_progress,
    )


def service_logs_to_stderr(ctx: click.Context) -> None:
    """The layer logs JSON through Powertools (to stdout, for Lambda): here stderr, errors only unless --debug.

    Restored when the command ends (the logger is the process's; tests run many commands in one).
    """
    ctx.with_resource(_service_logs(logging.DEBUG if ctx.meta.get(DEBUG_KEY) else logging.ERROR))


@contextmanager
def _service_logs(level: int) -> Iterator[None]:
    from exchange_linker.observability import logger

    handler = logger.registered_handler
    stream = handler.setStream(sys.stderr) if isinstance(handler, logging.StreamHandler) else None
    previous = logger.log_level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)
        if isinstance(handler, logging.StreamHandler) and stream is not None:
            handler.setStream(stream)


@contextmanager
def progress(label: str, total: int, *, dry_run: bool) -> Iterator[Callable[[ReplaySummary], None]]:
    """A bar on stderr (a terminal only) over the messages scanned, the DLQ's visible depth as the total."""
    console = Console(stderr=True)
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
    with Progress(
        *columns, TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task("", total=max(total, 1))

        def advance(summary: ReplaySummary) -> None:
            moved = f"would move {summary.matched}" if dry_run else f"moved {summary.moved} of {summary.matched}"
            description = f"{moved}, held back {summary.held_back}, not matched {summary.not_matched}"
            done = summary.scanned
            bar.update(task, completed=done, total=max(total, done, 1), description=description)

        yield advance
