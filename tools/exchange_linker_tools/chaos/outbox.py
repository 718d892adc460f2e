"""The outbox path in a chaos run: the outcome publisher behind the results table's stream (PutEvents through
the fault proxy), a subscriber on the bus, and the operator's `republish-outcomes` for what the stream's
mapping gave up on after its retries.

The publisher runs in a thread of the driver, behind the same Lambda-faithful stream poller `make run` uses;
its logs go to `outcome-publisher.log` in the run directory (scanned for leaks like every other output).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from exchange_linker_tools.chaos.proxy import AwsFaultProxy
from exchange_linker_tools.local_run import PUBLISHER_PATH, load_handler
from exchange_linker_tools.local_stack import LocalStack, aws_environment
from exchange_linker_tools.outcome_bus import OutcomeSubscriber

IDLE_SECONDS = 0.2


class OutcomeRelay:
    """The outcome publisher function, polled in a background thread until `stop()`."""

    def __init__(self, stack: LocalStack, proxy: AwsFaultProxy, log_path: Path) -> None:
        self._stack = stack
        self._subscriber = OutcomeSubscriber.attach(stack)
        self.log_path = log_path
        self._log: IO[str] = log_path.open("w")
        from exchange_linker.observability import logger

        logger.registered_handler.setStream(self._log)  # type: ignore[attr-defined]
        through_proxy = {"AWS_ENDPOINT_URL_EVENTBRIDGE": proxy.url, "AWS_ENDPOINT_URL_EVENTS": proxy.url}
        # Its EMF lines would go to the driver's stdout (a run's thousands of them); the count is in the report.
        through_proxy["POWERTOOLS_METRICS_DISABLED"] = "true"
        handler = load_handler({**stack.outcome_environment(), **through_proxy}, PUBLISHER_PATH)
        self._source = stack.stream_source(handler)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outcome-publisher", daemon=True)
        self.announced: set[str] = set()  # outcomeIds the subscriber received
        self.events_received = 0
        self.poll_errors = 0
        self.republished_batches = 0

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                report = self._source.poll_once()
            except Exception:  # moto busy: the mapping simply polls again, as Lambda's does
                self.poll_errors += 1
                time.sleep(IDLE_SECONDS)
                continue
            if report.invocations == 0:
                time.sleep(IDLE_SECONDS)

    def finish(self) -> None:
        """Stop the thread, read the stream to its end, republish what the mapping gave up on, collect."""
        self._stopping.set()
        self._thread.join(timeout=60)
        self._source.drain()
        self.republished_batches = self._republish()
        for event in self._subscriber.received():
            self.events_received += 1
            self.announced.add(str(event["detail"]["outcomeId"]))
        self._log.close()

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
        self._log.write(json.dumps({"republish-outcomes": answer.stderr[-4000:]}) + "\n")
        return waiting
