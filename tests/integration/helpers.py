"""Small helpers for driving the local stack in integration tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.bootstrap import build_replayer
from exchange_linker.ingest.batch import LinkCompletedConsumer
from exchange_linker.replay.filter import ReplayFilter
from exchange_linker.replay.summary import ReplaySummary
from exchange_linker_tools.local_stack import LocalStack
from exchange_linker_tools.poller import BatchReport


class RecordingHandler:
    """Wraps a consumer so a test can look at every batch response Lambda would have received."""

    def __init__(self, consumer: LinkCompletedConsumer) -> None:
        self.consumer = consumer
        self.responses: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        response = self.consumer.handle_batch(event, context)
        self.responses.append(dict(response))
        return response


def drain(stack: LocalStack, consumer: Any = None) -> list[BatchReport]:
    """The consumer (or anything with `handle_batch`) drains the link-completed queue."""
    reports: list[BatchReport] = []
    stack.event_source((consumer or stack.consumer()).handle_batch).drain(on_batch=reports.append)
    return reports


def attributes(message: Any) -> dict[str, str]:
    return {name: value.get("StringValue", "") for name, value in message.get("MessageAttributes", {}).items()}


def reason(message: Any) -> dict[str, Any]:
    """Why a DLQ message failed, as its attributes say (errorCode, errorMessage, eventId, …); {} if they don't."""
    from exchange_linker.contracts.dead_letter import read_reason

    found = read_reason(message.get("MessageAttributes", {}))
    return found.as_dict() if found is not None else {}


def deliver(stack: LocalStack, consumer: Any = None, *, stream_polls: int | None = None) -> list[BatchReport]:
    """Everything the stack does with what is queued: the consumer drains SQS, then outcome events follow.

    With an outcome bus, the outcome publisher (a fresh container) reads the results table's stream through
    the stack's one event source mapping: to its end, or only `stream_polls` invocations (an outage that
    outlasts them without exhausting the mapping's retries).
    """
    reports = drain(stack, consumer)
    if stack.resources.outcome_publisher is not None:
        source = stack.stream_source(stack.outcome_publisher().handle_batch)
        if stream_polls is None:
            source.drain()
        else:
            for _ in range(stream_polls):
                source.poll_once()
    return reports


def a_day_later() -> datetime:
    """The consumer's wall clock 25 h on: past Dwolla's 24 h Idempotency-Key window and its safety margin."""
    return datetime.now(UTC) + timedelta(hours=25)


def replay_everything(stack: LocalStack) -> ReplaySummary:
    """What `exchange-linker replay` does, through the real replayer and SQS."""
    replayer = build_replayer(
        AwsClients(),
        stack.resources.dead_letter_queue_url,
        stack.resources.queue_url,
        results_table_name=stack.resources.table_name,
        receive_wait_seconds=0,
    )
    return replayer.run(ReplayFilter(), dry_run=False)


def look_at_the_dlq(stack: LocalStack) -> ReplaySummary:
    """What `replay --dry-run` (and `dlq`) see."""
    replayer = build_replayer(
        AwsClients(),
        stack.resources.dead_letter_queue_url,
        results_table_name=stack.resources.table_name,
        receive_wait_seconds=0,
    )
    return replayer.run(ReplayFilter(), dry_run=True)


def log_lines(stream: Any, level: str | None = None) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    return [line for line in lines if level is None or line.get("level") == level]
