"""`exchange-linker dlq`: what the dead-letter queue holds and why, without consuming anything."""

from __future__ import annotations

import click

from exchange_linker_cli.connection import Connection, connect
from exchange_linker_cli.failures import ExitCode, OperatorError
from exchange_linker_cli.options import DLQ_URL, JSON_OUTPUT, TABLE, aws_options
from exchange_linker_cli.output import print_json

# Long polling makes an empty answer mean "nothing visible left" on SQS (sqs_queues.DEFAULT_WAIT_SECONDS);
# moto (the local stack) answers fully at once.
RECEIVE_WAIT = click.option("--receive-wait", type=click.IntRange(0, 20), hidden=True, help="Long-poll seconds.")


def receive_wait_for(connection: Connection, receive_wait: int | None) -> int:
    if receive_wait is not None:
        return receive_wait
    return 0 if connection.is_local else 1


EXAMPLE = """\b
Example:
  exchange-linker dlq --stack-name exchange-linker-production
  exchange-linker dlq --json | jq '.reasons[] | [.errorCode, .messages, .errorMessage]'
"""


@click.command(epilog=EXAMPLE)
@DLQ_URL
@TABLE
@aws_options
@JSON_OUTPUT
@RECEIVE_WAIT
@click.pass_context
def dlq(
    ctx: click.Context,
    *,
    dead_letter_queue_url: str | None,
    table_name: str | None,
    stack_name: str | None,
    region: str | None,
    profile: str | None,
    as_json: bool,
    receive_wait: int | None,
) -> None:
    """Summarise the dead-letter queue: depth, every reason (errorCode and errorMessage) with its count,
    counts by partner, the oldest failure.

    Looks at every message without consuming any: each is visible again when the command ends. The
    reason of a message SQS's redrive moved (no attributes) is read from the results table.
    """
    from exchange_linker.replay.filter import ReplayFilter
    from exchange_linker.replay.inventory import inventory
    from exchange_linker_cli.commands.scanning import check_targets, progress, replayer, service_logs_to_stderr
    from exchange_linker_cli.report import render_inventory
    from exchange_linker_cli.targets import resolve_targets

    connection = connect(ctx, region=region, profile=profile)
    targets = resolve_targets(
        connection, stack_name, dead_letter_queue_url=dead_letter_queue_url, table_name=table_name
    )
    queues = check_targets(connection, targets, with_destination=False)
    service_logs_to_stderr(ctx)
    with progress("scanning", queues.source.visible, dry_run=True) as advance:
        wait = receive_wait_for(connection, receive_wait)
        scan = replayer(connection, queues, receive_wait=wait, on_progress=advance).run(ReplayFilter(), dry_run=True)
    summary = inventory(queues.source.depth, scan)
    if as_json:
        print_json(summary.as_dict())
    else:
        render_inventory(summary)
    if scan.error:
        raise OperatorError(f"the scan stopped early: {scan.error}", ExitCode.AWS)
