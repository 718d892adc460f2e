"""The development harness's commands, `run` and `emulator`, added to `exchange-linker` through the entry
point group `exchange_linker.commands` (pyproject.toml): the operator CLI never imports this package.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from exchange_linker_cli.failures import usage
from exchange_linker_cli.local_env import env_file_path
from exchange_linker_cli.options import JSON_OUTPUT
from exchange_linker_cli.output import print_json, say

if TYPE_CHECKING:
    from exchange_linker_tools.live import LiveConsumer

RUN_EXAMPLE = """\b
Examples:
  exchange-linker run --events 1000 --failure-share 0.1 --json > run.json
  exchange-linker run --keep-running     # then, in another terminal: exchange-linker dlq
"""
EMULATOR_EXAMPLE = """
Example:
  exchange-linker emulator --port 8089 --latency 0.1 --rate-limit-rate 0.05
"""


@click.command(epilog=RUN_EXAMPLE)
@click.option("--events", "event_count", type=click.IntRange(min=1), help="Publish N generated events instead.")
@click.option("--failure-share", type=click.FloatRange(0, 1), default=0.2, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True, help="Makes generated events reproducible.")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("exchange-linker-run.log"),
    show_default=True,
    help="Where the handler's JSON logs and metrics go (the live consumer's too).",
)
@click.option(
    "--keep-running",
    is_flag=True,
    help="Then keep the stack and its consumer running until Ctrl-C; the other commands find it by themselves.",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where --keep-running writes the stack's variables [default: ~/.local/state/exchange-linker/"
    "local-stack.env; env EXCHANGE_LINKER_ENV_FILE].",
)
@JSON_OUTPUT
def run(
    *,
    event_count: int | None,
    failure_share: float,
    seed: int,
    log_file: Path,
    keep_running: bool,
    env_file: Path | None,
    as_json: bool,
) -> None:
    """Run the whole pipeline locally: moto server + Dwolla emulator + the real handler.

    Provisions the queue, DLQ, table (with its stream) and secrets from template.yaml, publishes the sample
    events in events/ (or --events N generated ones), drives functions/link_completed/app.py exactly like
    Lambda's SQS poller until the queue is drained, and functions/outcome_publisher/app.py like Lambda's
    stream poller, onto a local outcome bus. Prints where every event ended. Exits 0 when every event
    reached a terminal state (CREATED, or FAILED in the DLQ) as expected and each was announced on the bus.

    With --keep-running the consumer keeps processing whatever is published or replayed until Ctrl-C.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from exchange_linker_tools.live import consumer_for, operator_environment, register_stack
    from exchange_linker_tools.local_run import run_pipeline
    from exchange_linker_tools.local_stack import DEFAULT_STACK_NAME, local_stack
    from exchange_linker_tools.run_report import render_summary
    from exchange_linker_tools.sample_events import generated_events, sample_events

    events = generated_events(event_count, seed=seed, failure_share=failure_share) if event_count else sample_events()
    console = Console(stderr=True)
    columns = (TextColumn("events"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    outcome_bus = {"OutcomeEventBusName": f"{DEFAULT_STACK_NAME}-outcomes"}  # so the outcome publisher runs too
    with (
        local_stack(stack_name=DEFAULT_STACK_NAME, seed=seed, parameters=outcome_bus) as stack,
        log_file.open("w", encoding="utf-8") as logs,
    ):
        with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
            task = bar.add_task("events", total=len(events))
            summary = run_pipeline(stack, events, log_stream=logs, on_progress=lambda n: bar.advance(task, n))
        summary.log_file = str(log_file.resolve())
        summary.endpoints = {"AWS_ENDPOINT_URL": stack.aws_endpoint, "DWOLLA_API_URL": stack.emulator.url}
        if keep_running:
            register_stack(stack)
            summary.environment = operator_environment(stack)
            summary.env_file = str(env_file or env_file_path())
        if as_json:
            print_json(summary.as_dict())
        else:
            render_summary(summary)
        if keep_running:
            _serve(summary.environment, Path(str(summary.env_file)), consumer_for(stack, logs), str(log_file), as_json)
    if not summary.all_terminal or summary.unexpected or summary.unannounced:
        sys.exit(1)


def _serve(environment: dict[str, str], env_file: Path, consumer: LiveConsumer, log_file: str, as_json: bool) -> None:
    """Print what a second terminal needs, then keep the consumer running until Ctrl-C or SIGTERM."""
    from exchange_linker_cli.local_env import process_alive, read_env_file
    from exchange_linker_tools.live import env_file_written, wait_for_interrupt

    other = read_env_file(env_file)
    if other is not None and other.pid != os.getpid() and process_alive(other.pid):
        say(f"[yellow]Another local stack (pid {other.pid}) used {env_file}: the commands now find this one.[/yellow]")
    if not as_json:
        click.echo("\n".join(f"export {name}={shlex.quote(value)}" for name, value in environment.items()))
    say(
        "\n[bold]The stack stays up[/bold] and its consumer keeps processing the queue (as Lambda would); "
        f"its log: {log_file}\n"
        f"The exchange-linker commands find it by themselves ({env_file}); other tools need the exports above.\n"
        f"Dwolla emulator: {environment['DWOLLA_API_URL']}   Ctrl-C here stops everything."
    )
    with env_file_written(env_file, environment), consumer.running():
        wait_for_interrupt()
    say(f"Stopped: the consumer ran {consumer.batches} batches since the run; the local stack is gone.")


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    epilog=EMULATOR_EXAMPLE,
)
@click.pass_context
def emulator(ctx: click.Context) -> None:
    """Serve the Dwolla sandbox emulator in the foreground (options: exchange-linker emulator --help)."""
    import argparse

    from exchange_linker_tools.emulator import DwollaEmulator
    from exchange_linker_tools.emulator import cli as emulator_cli

    if {"-h", "--help"} & set(ctx.args):
        parser = emulator_cli.build_parser()
        parser.prog, parser.epilog = "exchange-linker emulator", EMULATOR_EXAMPLE
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        parser.print_help()
        return
    arguments = with_running_emulator(list(ctx.args))
    previous = signal.getsignal(signal.SIGTERM)
    try:
        if arguments[:1] not in (["fault"], ["clear"]):  # serving: refuse a non-loopback host in one line
            host = emulator_cli.build_parser().parse_known_args(arguments[arguments[:1] == ["serve"] :])[0].host
            DwollaEmulator(host=host)  # binds nothing; raises ValueError for another interface
        code = emulator_cli.main(arguments)
    except ValueError as refused:  # e.g. --host 0.0.0.0: a test double with fake credentials stays on loopback
        advice = (
            " (it accepts fake credentials: keep the default --host 127.0.0.1)" if "loopback" in str(refused) else ""
        )
        raise usage(f"{refused}{advice}") from None
    except OSError as error:
        raise usage(f"{error} (is the port taken? --port 0 picks a free one)") from None
    finally:
        if previous is not None:  # the emulator's own handler, should it stop before restoring it
            signal.signal(signal.SIGTERM, previous)
    sys.exit(code)


def with_running_emulator(arguments: list[str]) -> list[str]:
    """`emulator fault`/`clear` without --url talk to the running local stack's emulator (its env file)."""
    if arguments[:1] not in (["fault"], ["clear"]) or any(a == "--url" or a.startswith("--url=") for a in arguments):
        return arguments
    from exchange_linker_cli.local_env import env_file_path, process_alive, read_env_file

    url = os.environ.get("DWOLLA_API_URL")
    stack_file = read_env_file(env_file_path())
    if not url and stack_file is not None and process_alive(stack_file.pid):
        url = stack_file.variables.get("DWOLLA_API_URL")
    return [*arguments, "--url", url] if url else arguments
