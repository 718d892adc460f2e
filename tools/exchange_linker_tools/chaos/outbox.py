"""The outbox path in a chaos run: the outcome publisher behind the results table's stream (PutEvents through
the fault proxy), a subscriber on the bus, and the operator's `republish-outcomes` for what the stream's
mapping gave up on after its retries.

The publisher runs in a process of its own (`chaos.outbox_process`, a "Lambda container" of the function
with its stream mapping), so the driver's work cannot starve it; its logs go to `outcome-publisher.log`
in the run directory (scanned for leaks like every other output). The driver collects the subscriber's
queue as the run goes: moto's receive scans the whole queue, so a backlog read at the end is quadratic.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from exchange_linker_tools.chaos.proxy import AwsFaultProxy
from exchange_linker_tools.local_stack import LocalStack, aws_environment
from exchange_linker_tools.outcome_bus import OutcomeSubscriber

COLLECT_SECONDS = 1.0  # the subscriber's queue is read at most this often during the run
DRAIN_SECONDS = 600.0  # how long the publisher may take to read the stream to its end once stopped


class OutcomeRelay:
    """The outcome publisher's process (replaced if it dies), the bus subscriber, the final republish."""

    def __init__(self, stack: LocalStack, proxy: AwsFaultProxy, run_dir: Path) -> None:
        self._stack = stack
        self._subscriber = OutcomeSubscriber.attach(stack)
        self.log_path = run_dir / "outcome-publisher.log"
        self.err_path = run_dir / "outcome-publisher.err"
        self._mapping_path = run_dir / "stream-mapping.json"
        self._mapping_path.write_text(json.dumps(dataclasses.asdict(stack.stream_mapping)))
        through_proxy = {"AWS_ENDPOINT_URL_EVENTBRIDGE": proxy.url, "AWS_ENDPOINT_URL_EVENTS": proxy.url}
        # Its EMF lines would fill the log (a run's thousands of them); the count is in the report.
        through_proxy["POWERTOOLS_METRICS_DISABLED"] = "true"
        inherited = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "POWERTOOLS_"))}
        self._environment = {
            **inherited,
            **stack.outcome_environment(),
            **through_proxy,
            "PYTHONUNBUFFERED": "1",
        }
        self._files: list[IO[bytes]] = [self.log_path.open("wb"), self.err_path.open("wb")]
        self._process: subprocess.Popen[bytes] | None = None
        self._collected_at = 0.0
        self.announced: set[str] = set()  # outcomeIds the subscriber received
        self.events_received = 0
        self.crashes = 0  # publisher processes that died during the run (replaced; the stream is read again)
        self.republished_batches = 0

    def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603 - our own module, no shell
            [
                sys.executable,
                "-m",
                "exchange_linker_tools.chaos.outbox_process",
                "--mapping",
                str(self._mapping_path),
                "--region",
                self._stack.resources.region,
            ],
            env=self._environment,
            stdin=subprocess.DEVNULL,
            stdout=self._files[0],
            stderr=self._files[1],
        )

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def check(self) -> None:
        """Replace a publisher that died (it reads the stream from the mapping's start: announcements repeat,
        none is lost); collect what the subscriber received, at most every COLLECT_SECONDS."""
        if self._process is not None and self._process.poll() is not None:
            self.crashes += 1
            self.start()
        if time.monotonic() - self._collected_at >= COLLECT_SECONDS:
            self.collect()

    def collect(self) -> None:
        self._collected_at = time.monotonic()
        for event in self._subscriber.received():
            self.events_received += 1
            self.announced.add(str(event["detail"]["outcomeId"]))

    def finish(self) -> None:
        """Stop the publisher (it reads the stream to its end first), republish what the mapping gave up on,
        collect. Raises if the stream could not be read to its end: the outcome check would be meaningless."""
        try:
            if self._process is not None and self._process.poll() is None:
                self._process.send_signal(signal.SIGTERM)
                try:
                    code = self._process.wait(timeout=DRAIN_SECONDS)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
                    raise RuntimeError(f"the outcome publisher did not drain the stream in {DRAIN_SECONDS} s") from None
                if code != 0:
                    raise RuntimeError(f"the outcome publisher exited {code}: see {self.err_path}")
            self.republished_batches = self._republish()
            self.collect()
        finally:
            for handle in self._files:
                handle.close()

    @property
    def poll_errors(self) -> int:
        """The publisher's failed polls of the stream (moto busy), from its stderr markers."""
        return sum('"chaos": "poll-error"' in line for line in self.err_path.read_text(errors="replace").splitlines())

    def _republish(self) -> int:
        """What an operator does about the failure queue: `exchange-linker republish-outcomes` (calm AWS)."""
        mapping = self._stack.stream_mapping
        if not mapping.failure_queue_url:
            return 0
        attributes = self._stack.sqs.get_queue_attributes(
            QueueUrl=mapping.failure_queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        waiting = int(attributes["ApproximateNumberOfMessages"])
        if waiting == 0:
            return 0
        environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_ENDPOINT_URL_")}
        environment.update(aws_environment(self._stack.aws_endpoint, self._stack.resources.region))
        answer = subprocess.run(  # noqa: S603 - our own CLI, no shell
            [
                str(Path(sys.executable).with_name("exchange-linker")),
                "republish-outcomes",
                "--failure-queue-url",
                mapping.failure_queue_url,
                "--table-name",
                self._stack.resources.table_name,
                "--bus-name",
                mapping.function_environment["OUTCOME_EVENT_BUS_NAME"],
            ],
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if answer.returncode != 0:
            raise RuntimeError(f"republish-outcomes failed ({answer.returncode}): {answer.stderr[-2000:]}")
        with self.err_path.open("a") as log:
            log.write(json.dumps({"republish-outcomes": answer.stderr[-4000:]}) + "\n")
        return waiting
