"""`run --keep-running`: the local stack stays a live system until Ctrl-C.

The consumer keeps polling the queue exactly as during the run (the real handler module, driven the way
Lambda's SQS event source mapping drives it), so published and replayed events are processed; its log
goes to the run's log file. The stack's variables go to the env file every exchange-linker command reads.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from exchange_linker_cli.local_env import remove_env_file, write_env_file
from exchange_linker_cli.targets import SOURCES
from exchange_linker_tools.local_run import handler_output_to, load_handler
from exchange_linker_tools.local_stack import LocalStack, aws_environment
from exchange_linker_tools.poller import SqsEventSource

IDLE_SECONDS = 0.5  # between empty receives: about what an idle event source mapping costs in latency


def operator_environment(stack: LocalStack) -> dict[str, str]:
    """What a shell (or the CLI, through the env file) needs to act on the local stack."""
    return {
        **aws_environment(stack.aws_endpoint, stack.resources.region),
        **stack.resources.outputs(),
        "DWOLLA_API_URL": stack.emulator.url,
        # what `exchange-linker reconcile` reads Dwolla with, as the functions do
        "DWOLLA_CREDENTIALS_SECRET_ID": stack.resources.credentials_secret_id,
        "DWOLLA_TOKEN_SECRET_ID": stack.resources.token_secret_id,
    }


def register_stack(stack: LocalStack) -> None:
    """A CloudFormation stack in moto with the template's outputs, so `--stack-name` works as on AWS."""
    import json

    values = {
        "queue_url": stack.resources.queue_url,
        "dead_letter_queue_url": stack.resources.dead_letter_queue_url,
        "table_name": stack.resources.table_name,
    }
    outputs = {SOURCES[name].output: {"Value": value} for name, value in values.items()}
    outputs["DwollaCredentialsSecretArn"] = {"Value": stack.resources.credentials_secret_id}
    outputs["DwollaTokenSecretArn"] = {"Value": stack.resources.token_secret_id}
    template = {
        "Parameters": {"DwollaApiUrl": {"Type": "String", "Default": stack.emulator.url}},
        "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": outputs,
    }
    with warnings.catch_warnings():  # moto does not model the placeholder resource, and says so
        warnings.simplefilter("ignore")
        stack.session.client("cloudformation").create_stack(
            StackName=stack.resources.stack_name, TemplateBody=json.dumps(template)
        )


class LiveConsumer:
    """Polls until stopped; a batch in progress is finished first (Lambda does not cut a batch either)."""

    def __init__(self, source: SqsEventSource, log_stream: IO[str]) -> None:
        self._source = source
        self._log = log_stream
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="link-completed-consumer", daemon=True)
        self.batches = 0
        self.errors = 0

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                report = self._source.poll_once()
            except Exception as error:  # moto hiccup: keep going, as the event source mapping would
                self.errors += 1
                print(f"consumer: poll failed: {type(error).__name__}: {error}", file=self._log, flush=True)
                self._stop.wait(IDLE_SECONDS)
                continue
            self.batches += 1 if report.received else 0
            self._log.flush()
            if not report.received:
                self._stop.wait(IDLE_SECONDS)

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        with handler_output_to(self._log):
            self._thread.start()
            try:
                yield
            finally:
                self._stop.set()
                self._thread.join(timeout=30)


def consumer_for(stack: LocalStack, log_stream: IO[str]) -> LiveConsumer:
    return LiveConsumer(stack.event_source(load_handler(stack.environment())), log_stream)


@contextlib.contextmanager
def env_file_written(path: Path, environment: dict[str, str]) -> Iterator[Path]:
    write_env_file(path, environment)
    try:
        yield path
    finally:
        remove_env_file(path)


def wait_for_interrupt() -> None:
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with contextlib.suppress(KeyboardInterrupt):
            while not stop.wait(0.5):
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
