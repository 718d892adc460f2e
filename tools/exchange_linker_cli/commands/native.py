"""`exchange-linker replay --native`: SQS's own StartMessageMoveTask (fast, server-side, everything).

SQS cannot filter, so the DLQ is looked at first: InvalidEvent and ConflictingEvent messages must not
move unasked, and a native move would take them too. moto (the local stack) does not implement the
move task at all: said in one line, with what to use instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from exchange_linker.errors import AwsError
from exchange_linker.replay.native import MoveTask, move_everything, native_rate
from exchange_linker_cli.connection import Connection
from exchange_linker_cli.failures import (
    DENIED,
    EXPIRED,
    UNREACHABLE,
    UNRECOGNISED,
    ExitCode,
    OperatorError,
    is_loopback,
    usage,
)
from exchange_linker_cli.output import print_json, say

if TYPE_CHECKING:
    from exchange_linker_cli.commands.scanning import Queues

NATIVE = click.option(
    "--native", is_flag=True, help="SQS's StartMessageMoveTask: everything, no filter, no dry run (not locally)."
)
POLL_INTERVAL = click.option(
    "--poll-interval", type=click.FloatRange(min=0), default=5.0, show_default=True, help="--native: seconds per poll."
)
INSTEAD = "use `exchange-linker replay --yes` instead (the same move, done by the CLI, with its guards)"


def check_native(connection: Connection, rate: float | None) -> int | None:
    """Refuse what cannot work before touching anything; returns SQS's whole-number rate."""
    endpoint = connection.clients.sqs.meta.endpoint_url
    if is_loopback(endpoint):
        raise usage(f"the local stack ({endpoint}) lacks SQS's StartMessageMoveTask: {INSTEAD}")
    try:
        return native_rate(rate)
    except ValueError as invalid:
        raise usage(str(invalid)) from None


def run_native(
    ctx: click.Context,
    connection: Connection,
    queues: Queues,
    *,
    rate: int | None,
    poll_interval: float,
    yes: bool,
    as_json: bool,
    receive_wait: int,
) -> None:
    from exchange_linker.replay.filter import ReplayFilter
    from exchange_linker_cli.commands.scanning import progress, replayer, service_logs_to_stderr
    from exchange_linker_cli.report import render_native, replay_gist

    assert queues.destination is not None
    service_logs_to_stderr(ctx)
    with progress("looking", queues.source.visible, dry_run=True) as advance:
        preview = replayer(connection, queues, receive_wait=receive_wait, on_progress=advance).run(ReplayFilter())
    if preview.held_back:
        raise usage(
            f"--native would also move {preview.held_back} messages that fail again unchanged "
            f"({', '.join(sorted(preview.held_back_by_error_code))}): {INSTEAD}"
        )
    if not yes:
        say(replay_gist(preview))
        if not click.confirm(f"Let SQS move every message back to {queues.destination.url}?", default=False, err=True):
            raise OperatorError("nothing moved (declined)", ExitCode.FAILED)
    final = _move(connection, queues, rate=rate, poll_interval=poll_interval)
    if as_json:
        print_json(final.as_dict())
    else:
        render_native(final)
    if final.status != "COMPLETED":
        raise OperatorError(f"the SQS move task ended {final.status}: {final.failure_reason or 'no reason given'}")


def _move(connection: Connection, queues: Queues, *, rate: int | None, poll_interval: float) -> MoveTask:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from exchange_linker.adapters.sqs_queues import SqsMessageMover

    assert queues.destination is not None
    console = Console(stderr=True)
    columns = (TextColumn("SQS move task"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        progress_task = bar.add_task("starting", total=max(queues.source.visible, 1))

        def show(task: MoveTask) -> None:
            total = task.to_move if task.to_move is not None else queues.source.visible
            bar.update(progress_task, completed=task.moved, total=max(total, task.moved, 1), description=task.status)

        try:
            return move_everything(
                SqsMessageMover(connection.clients),
                queues.source.arn,
                queues.destination.arn,
                rate=rate,
                poll_seconds=poll_interval,
                on_progress=show,
            )
        except AwsError as error:
            if error.code in {"500", "NotImplemented", "UnknownOperationException", "InvalidAction"}:
                raise usage(f"this SQS endpoint does not implement StartMessageMoveTask: {INSTEAD}") from None
            if error.code in EXPIRED | DENIED | UNRECOGNISED | UNREACHABLE:
                raise  # the usual line for credentials and connectivity
            message = error.message.removeprefix("sqs: ")
            raise OperatorError(f"SQS refused the move task ({error.code}): {message}", ExitCode.AWS) from None
