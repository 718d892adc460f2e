"""`exchange-linker`: run the pipeline locally, talk to the emulator, publish events, read results."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from exchange_linker_tools.outcome_commands import register as register_outcome_commands
from exchange_linker_tools.replay_commands import register as register_replay_commands
from exchange_linker_tools.targets import resolve_targets

stdout = Console(width=None if sys.stdout.isatty() else 150)
stderr = Console(stderr=True)

QUEUE_URL = click.option("--queue-url", help="Link-completed queue URL [env LINK_COMPLETED_QUEUE_URL].")
DLQ_URL = click.option("--dlq-url", "dead_letter_queue_url", help="Dead-letter queue URL [env DEAD_LETTER_QUEUE_URL].")
TABLE = click.option("--table-name", help="Results table [env RESULTS_TABLE_NAME].")
STACK = click.option("--stack-name", help="Read missing URLs/names from this deployed stack's outputs.")
JSON_OUTPUT = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
def cli() -> None:
    """Turn link.completed events into Dwolla exchanges - locally or against a deployed stack.

    \b
    Start here:
      exchange-linker run                 # the whole pipeline on loopback, sample events
      exchange-linker run --events 500    # 500 generated events, a share of them failing
    """


@cli.command()
@click.option("--events", "event_count", type=click.IntRange(min=1), help="Publish N generated events instead.")
@click.option("--failure-share", type=click.FloatRange(0, 1), default=0.2, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True, help="Makes generated events reproducible.")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("exchange-linker-run.log"),
    show_default=True,
    help="Where the handler's JSON logs and metrics go.",
)
@click.option("--keep-running", is_flag=True, help="Leave the stack up and print the environment to export.")
@JSON_OUTPUT
def run(
    *, event_count: int | None, failure_share: float, seed: int, log_file: Path, keep_running: bool, as_json: bool
) -> None:
    """Run the whole pipeline locally: moto server + Dwolla emulator + the real handler.

    Provisions the queue, DLQ, table (with its stream) and secrets from template.yaml, publishes the sample
    events in events/ (or --events N generated ones), drives functions/link_completed/app.py exactly like
    Lambda's SQS poller until the queue is drained, and functions/outcome_publisher/app.py like Lambda's
    stream poller, onto a local outcome bus. Prints where every event ended. Exits 0 when every event
    reached a terminal state (CREATED, or FAILED in the DLQ) as expected and each was announced on the bus.

    \b
    Example:
      exchange-linker run --events 1000 --failure-share 0.1 --json > run.json
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from exchange_linker_tools.local_run import run_pipeline
    from exchange_linker_tools.local_stack import DEFAULT_STACK_NAME, aws_environment, local_stack
    from exchange_linker_tools.report import render_summary
    from exchange_linker_tools.sample_events import generated_events, sample_events

    events = generated_events(event_count, seed=seed, failure_share=failure_share) if event_count else sample_events()
    outcome_bus = {"OutcomeEventBusName": f"{DEFAULT_STACK_NAME}-outcomes"}  # so the outcome publisher runs too
    with local_stack(stack_name=DEFAULT_STACK_NAME, seed=seed, parameters=outcome_bus) as stack:
        columns = (TextColumn("events"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with log_file.open("w", encoding="utf-8") as logs, Progress(*columns, console=stderr, transient=as_json) as bar:
            task = bar.add_task("events", total=len(events))
            summary = run_pipeline(stack, events, log_stream=logs, on_progress=lambda n: bar.advance(task, n))
            bar.update(task, completed=len(events))
        summary.log_file = str(log_file)
        environment = {**aws_environment(stack.aws_endpoint), **stack.resources.outputs()}
        summary.endpoints = {"AWS_ENDPOINT_URL": stack.aws_endpoint, "DWOLLA_API_URL": stack.emulator.url}
        if as_json:
            click.echo(json.dumps(summary.as_dict(), indent=2))
        else:
            render_summary(stdout, summary)
        if keep_running:
            _print_exports(environment, stack.emulator.url)
            _wait_for_interrupt()
    if not summary.all_terminal or summary.unexpected or summary.unannounced:
        sys.exit(1)


def _print_exports(environment: dict[str, str], emulator_url: str) -> None:
    stderr.print("\n[bold]The stack stays up.[/bold] In another shell, export:")
    for name, value in environment.items():
        click.echo(f"export {name}={value}")
    stderr.print(f"Dwolla emulator: {emulator_url}   (Ctrl-C here stops everything)")


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True}, add_help_option=False)
@click.pass_context
def emulator(ctx: click.Context) -> None:
    """Serve the Dwolla sandbox emulator in the foreground (see `exchange-linker emulator --help`).

    \b
    Example:
      exchange-linker emulator --port 8089 --latency 0.1 --rate-limit-rate 0.05
    """
    from exchange_linker_tools.emulator import main as emulator_main

    sys.exit(emulator_main(ctx.args))


@cli.command()
@click.option("--file", "event_file", type=click.File("r"), help="A JSON event (use - for stdin).")
@click.option("--event-id", help="Defaults to a new UUID.")
@click.option("--customer-id", help="Dwolla customer id; omit for an account exchange.")
@click.option(
    "--partner", type=click.Choice(["Plaid", "MX", "Flinks", "Finicity", "Checkout.com"], case_sensitive=False)
)
@click.option("--token", help="Processor token / authorization code / pay_ id.")
@click.option("--plaid-public-token", help="Plaid open banking public token.")
@click.option("--mx-connection-token", help="MX open banking availableConnectionToken.")
@click.option("--finicity-receipt", type=click.File("r"), help="A JSON file with the Finicity receipt.")
@click.option("--metadata", multiple=True, metavar="KEY=VALUE", help="Non-secret metadata, repeatable.")
@QUEUE_URL
@STACK
def publish(
    *,
    event_file: Any,
    event_id: str | None,
    customer_id: str | None,
    partner: str | None,
    token: str | None,
    plaid_public_token: str | None,
    mx_connection_token: str | None,
    finicity_receipt: Any,
    metadata: tuple[str, ...],
    queue_url: str | None,
    stack_name: str | None,
) -> None:
    """Validate a link.completed event against the v1 contract and send it to the queue.

    \b
    Examples:
      exchange-linker publish --customer-id 74a207b2-b7b7-4efa-8bf8-582148e7b980 \\
          --partner Plaid --token processor-sandbox-123
      exchange-linker publish --file event.json --stack-name exchange-linker-sandbox
    """
    import boto3

    from exchange_linker.contracts.link_completed import parse_link_completed
    from exchange_linker.errors import InvalidEventError

    if event_file is not None:
        body = event_file.read()
    else:
        event: dict[str, Any] = {"eventId": event_id or str(uuid.uuid4()), "eventType": "link.completed"}
        optional = {
            "customerId": customer_id,
            "partner": partner,
            "token": token,
            "plaid": {"publicToken": plaid_public_token} if plaid_public_token else None,
            "mx": {"availableConnectionToken": mx_connection_token} if mx_connection_token else None,
            "finicity": json.load(finicity_receipt) if finicity_receipt else None,
            "metadata": dict(item.split("=", 1) for item in metadata) if metadata else None,
        }
        event.update({key: value for key, value in optional.items() if value is not None})
        body = json.dumps(event)
    try:
        parsed = parse_link_completed(body)
    except InvalidEventError as invalid:
        raise click.ClickException(f"not a valid v1 link.completed event: {invalid}") from None
    target = resolve_targets(stack_name, queue_url=queue_url).require("queue_url")
    message_id = boto3.client("sqs").send_message(QueueUrl=target, MessageBody=body)["MessageId"]
    click.echo(json.dumps({"eventId": parsed.event_id, "messageId": message_id}))


@cli.command()
@click.option("--event-id", help="One event's result.")
@click.option("--customer-id", help="A customer's results, newest first (byCustomer index).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@TABLE
@STACK
@JSON_OUTPUT
def status(
    *,
    event_id: str | None,
    customer_id: str | None,
    limit: int,
    table_name: str | None,
    stack_name: str | None,
    as_json: bool,
) -> None:
    """Show results from the results table by event or by customer.

    \b
    Examples:
      exchange-linker status --event-id c0a8012e-6f1c-4a53-9d0a-6c2b4f2f0b11
      exchange-linker status --customer-id 74a207b2-b7b7-4efa-8bf8-582148e7b980 --json
    """
    from exchange_linker_tools.report import render_results
    from exchange_linker_tools.results_reader import results_by_customer, results_by_event

    if bool(event_id) == bool(customer_id):
        raise click.UsageError("give exactly one of --event-id or --customer-id")
    table = resolve_targets(stack_name, table_name=table_name).require("table_name")
    rows = results_by_event(table, event_id) if event_id else results_by_customer(table, str(customer_id), limit)
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
    else:
        render_results(stdout, rows)
    if event_id and not rows:
        sys.exit(1)


@cli.command()
@click.option("--check", is_flag=True, help="Fail if schemas/ differs from the models.")
def schema(check: bool) -> None:
    """Write the JSON Schema of the v1 event contract to schemas/ (for upstream teams).

    \b
    Example:
      exchange-linker schema --check
    """
    from exchange_linker_tools.schemas import write_schemas

    stale = write_schemas(check=check)
    if check and stale:
        raise click.ClickException(f"out of date: {', '.join(stale)} (run `exchange-linker schema`)")


register_replay_commands(cli)
register_outcome_commands(cli)


def main() -> None:
    cli()
