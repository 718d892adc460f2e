"""`exchange-linker run`: publish events into the local stack and drive the real Lambda handlers until drained.

The link-completed handler runs behind the SQS poller; with an outcome bus, the outcome publisher runs
behind the results table's stream poller, and a subscriber on the bus checks every outcome was announced.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from exchange_linker.contracts.dead_letter import read_reason
from exchange_linker_tools.local_stack import LocalStack
from exchange_linker_tools.outcome_bus import OutcomeSubscriber
from exchange_linker_tools.poller import BatchReport, Handler
from exchange_linker_tools.sample_events import SampleEvent
from exchange_linker_tools.template import REPO_ROOT

HANDLER_PATH = REPO_ROOT / "functions" / "link_completed" / "app.py"
PUBLISHER_PATH = REPO_ROOT / "functions" / "outcome_publisher" / "app.py"
TERMINAL = {"CREATED", "FAILED"}


@dataclass(frozen=True)
class EventOutcome:
    name: str
    event_id: str | None
    partner: str | None
    customer_id: str | None
    status: str  # CREATED, FAILED, RETRYING, or MISSING when it is neither in the table nor in the DLQ
    exchange_id: str | None = None
    error_code: str | None = None
    expected_status: str | None = None
    expected_error: str | None = None
    funding_source_status: str | None = None  # the funding source made from the exchange (issue 14)
    funding_source_id: str | None = None
    expected_funding_source: str | None = None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def as_expected(self) -> bool:
        if self.expected_status is None:
            return True
        funding_ok = self.funding_source_status == self.expected_funding_source
        return self.status == self.expected_status and self.error_code == self.expected_error and funding_ok

    def as_dict(self) -> dict[str, Any]:
        """camelCase, like the events and every other JSON the CLI prints."""
        return {_camel(name): value for name, value in asdict(self).items()}


@dataclass
class RunSummary:
    outcomes: list[EventOutcome]
    dead_letters_by_code: dict[str, int]
    elapsed_seconds: float
    batches: int
    exchanges_created_at_dwolla: int
    funding_sources_created_at_dwolla: int = 0
    log_file: str | None = None
    endpoints: dict[str, str] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)  # --keep-running: what a shell needs
    env_file: str | None = None  # --keep-running: where the CLI finds that environment by itself
    # With an outcome bus: events received by detail-type, and terminal outcomes (outcomeId) never announced.
    outcome_events: dict[str, int] | None = None
    unannounced: list[str] = field(default_factory=list)

    @property
    def counts_by_status(self) -> dict[str, int]:
        return dict(Counter(outcome.status for outcome in self.outcomes))

    @property
    def with_funding_source(self) -> int:
        """Events that ended with a funding source made from their exchange."""
        return sum(1 for outcome in self.outcomes if outcome.funding_source_status == "CREATED")

    @property
    def all_terminal(self) -> bool:
        return all(outcome.terminal for outcome in self.outcomes)

    @property
    def unexpected(self) -> list[EventOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.as_expected]

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": [outcome.as_dict() for outcome in self.outcomes],
            "countsByStatus": self.counts_by_status,
            "deadLetterQueue": {
                "depth": sum(self.dead_letters_by_code.values()),
                "byErrorCode": self.dead_letters_by_code,
            },
            "exchangesCreatedAtDwolla": self.exchanges_created_at_dwolla,
            "fundingSourcesCreatedAtDwolla": self.funding_sources_created_at_dwolla,
            "eventsWithFundingSource": self.with_funding_source,
            "allTerminal": self.all_terminal,
            "unexpected": [outcome.name for outcome in self.unexpected],
            "elapsedSeconds": round(self.elapsed_seconds, 3),
            "batches": self.batches,
            "logFile": self.log_file,
            "endpoints": self.endpoints,
            **({"environment": self.environment, "envFile": self.env_file} if self.env_file else {}),
            "outcomeEvents": self.outcome_events,
            "unannounced": self.unannounced,
        }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def load_handler(environment: dict[str, str], path: Path = HANDLER_PATH) -> Handler:
    """Import a function's app.py as Lambda would: environment first, then the module."""
    os.environ.update(environment)
    spec = importlib.util.spec_from_file_location(f"{path.parent.name}_app_{id(environment)}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the handler from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Handler = module.lambda_handler
    return handler


@contextlib.contextmanager
def handler_output_to(stream: IO[str] | None) -> Iterator[None]:
    """Send the handler's JSON logs and EMF metrics to `stream`, so the terminal shows the summary."""
    if stream is None:
        yield
        return
    from exchange_linker.observability import logger

    handler = logger.registered_handler
    previous = handler.setStream(stream) if isinstance(handler, logging.StreamHandler) else None
    try:
        with contextlib.redirect_stdout(stream):
            yield
    finally:
        if isinstance(handler, logging.StreamHandler) and previous is not None:
            handler.setStream(previous)


class Publisher:
    """Feeds the queue as it drains, keeping about `window` messages in it.

    Upstream services publish continuously; publishing 10,000 events up front would also make every
    receive scan them all (moto keeps a queue as a list), turning the run quadratic.
    """

    def __init__(self, stack: LocalStack, events: list[SampleEvent], window: int = 200) -> None:
        self._stack = stack
        self._pending = list(reversed(events))
        self._window = window

    def top_up(self) -> None:
        """Publish until the queue holds `window` messages (its real depth: redrive moves some away)."""
        if not self._pending:
            return
        attributes = self._stack.sqs.get_queue_attributes(
            QueueUrl=self._stack.resources.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        in_queue = sum(int(value) for value in attributes.values())
        while self._pending and in_queue < self._window:
            chunk = [self._pending.pop() for _ in range(min(10, len(self._pending)))]
            response = self._stack.sqs.send_message_batch(
                QueueUrl=self._stack.resources.queue_url,
                Entries=[{"Id": str(index), "MessageBody": event.body} for index, event in enumerate(chunk)],
            )
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} events")
            in_queue += len(chunk)


def run_pipeline(
    stack: LocalStack,
    events: list[SampleEvent],
    *,
    log_stream: IO[str] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> RunSummary:
    """Publish, drain through the real handlers, then read where every event ended (and what was announced)."""
    started = time.perf_counter()
    publisher = Publisher(stack, events)
    publisher.top_up()
    handler = load_handler(stack.environment())
    outcomes = None
    if stack.resources.outcome_publisher is not None:
        subscriber = OutcomeSubscriber.attach(stack)
        outcomes = stack.stream_source(load_handler(stack.outcome_environment(), PUBLISHER_PATH))
    batches = 0

    def progress(report: BatchReport) -> None:
        nonlocal batches
        batches += 1 if report.received else 0
        publisher.top_up()
        if outcomes is not None:
            outcomes.poll_once()  # the stream's mapping runs beside the queue's
        if on_progress is not None and report.succeeded:
            on_progress(report.succeeded)

    with handler_output_to(log_stream):
        stack.event_source(handler).drain(on_batch=progress)
        if outcomes is not None:
            outcomes.drain()
    elapsed = time.perf_counter() - started
    summary = RunSummary(
        outcomes=collect_outcomes(stack, events),
        dead_letters_by_code=dict(Counter(_error_code(m) or "(none)" for m in stack.dead_letters())),
        elapsed_seconds=elapsed,
        batches=batches,
        exchanges_created_at_dwolla=len(stack.emulator.exchanges),
        funding_sources_created_at_dwolla=len(stack.emulator.funding_sources),
    )
    if outcomes is not None:
        announced = subscriber.received()
        summary.outcome_events = dict(Counter(str(event["detail-type"]) for event in announced))
        received = {str(event["detail"]["outcomeId"]) for event in announced}
        rows = stack.results().values()
        terminal = {f"{row['eventId']}:{row['status']}" for row in rows if row["status"] in TERMINAL}
        terminal |= {  # issue 14: a funding source made (or refused) is announced too
            f"{row['eventId']}:fundingSource:{row['fundingSourceStatus']}"
            for row in rows
            if row["status"] == "CREATED" and row.get("fundingSourceStatus") in TERMINAL
        }
        summary.unannounced = sorted(terminal - received)
    return summary


def collect_outcomes(stack: LocalStack, events: list[SampleEvent]) -> list[EventOutcome]:
    rows = stack.results()
    dead_by_body = {message.get("Body", ""): message for message in stack.dead_letters()}
    outcomes = []
    for event in events:
        event_id = event.event_id
        row = rows.get(event_id) if event_id else None
        letter = dead_by_body.get(event.body)
        if row is not None:
            status, error = str(row.get("status")), row.get("errorCode")
        elif letter is not None:
            status, error = "FAILED", _error_code(letter)
        else:
            status, error = "MISSING", None
        outcomes.append(
            EventOutcome(
                name=event.name,
                event_id=event_id,
                partner=(row or {}).get("partner"),
                customer_id=(row or {}).get("customerId"),
                status=status,
                exchange_id=(row or {}).get("exchangeId"),
                error_code=str(error) if error else None,
                expected_status=event.expected_status,
                expected_error=event.expected_error,
                funding_source_status=(row or {}).get("fundingSourceStatus"),
                funding_source_id=(row or {}).get("fundingSourceId"),
                expected_funding_source=event.expected_funding_source,
            )
        )
    return outcomes


def _error_code(message: Any) -> str | None:
    reason = read_reason(message.get("MessageAttributes", {}))
    return reason.error_code if reason is not None else None
