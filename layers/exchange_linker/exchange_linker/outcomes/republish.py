"""Announce again what the outcome publisher gave up on (`exchange-linker republish-outcomes`).

Each message on the outcome publisher's failure queue is Lambda's description of a stream batch that
still failed after every retry (shard, sequence range, arrival times), never the records themselves. The
table is the source of truth, so the current outcome of every CREATED or FAILED row written in that
batch's time window (a margin either side) is published again, through the same event construction as
the stream, and only then is the message deleted. That works after the stream's 24 h retention too;
outcomes outside the batch may be announced again, which consumers de-duplicate by outcomeId.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from exchange_linker.contracts.outcome_event import OutcomeEvent, OutcomePublisher
from exchange_linker.timestamps import timestamp

MARGIN = timedelta(seconds=60)  # stream arrival times are whole seconds; updatedAt is taken just before the write


@dataclass(frozen=True)
class FailedBatch:
    """One failure-queue message: Lambda's on-failure document for a stream batch."""

    message_id: str
    receipt_handle: str
    document: Mapping[str, Any]


class FailureQueue(Protocol):
    def receive(self) -> Sequence[FailedBatch]:
        """The next messages, hidden long enough to republish them."""
        ...

    def delete(self, receipt_handle: str) -> None: ...

    def release(self, receipt_handles: Sequence[str]) -> None:
        """Make held messages visible again now."""
        ...


class TerminalOutcomes(Protocol):
    def between(self, start: str, end: str) -> list[OutcomeEvent]:
        """The current outcome of every CREATED or FAILED row whose updatedAt is in [start, end]."""
        ...


@dataclass
class RepublishSummary:
    batches: int = 0
    published: int = 0  # or, in a dry run, that would have been


def window(document: Mapping[str, Any]) -> tuple[str, str]:
    """The updatedAt range (as the table spells it) of a failed batch, with the margin either side."""
    info = document["DDBStreamBatchInfo"]

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)

    first, last = at(info["approximateArrivalOfFirstRecord"]), at(info["approximateArrivalOfLastRecord"])
    return timestamp(first - MARGIN), timestamp(last + MARGIN)


BatchSeen = Callable[[str, str, list[OutcomeEvent]], None]


class OutcomeRepublisher:
    def __init__(self, failures: FailureQueue, outcomes: TerminalOutcomes, bus: OutcomePublisher) -> None:
        self._failures = failures
        self._outcomes = outcomes
        self._bus = bus

    def run(self, *, dry_run: bool, on_batch: BatchSeen | None = None) -> RepublishSummary:
        """Every failed batch's outcomes, then its message deleted; a publish that fails raises AwsError and
        leaves its message on the queue. What a dry run looked at, or what failed, is visible again after."""
        summary = RepublishSummary()
        held: dict[str, str] = {}  # message id -> receipt handle, for messages received and not deleted
        try:
            while batches := self._failures.receive():
                for batch in batches:
                    held[batch.message_id] = batch.receipt_handle
                    start, end = window(batch.document)
                    events = self._outcomes.between(start, end)
                    if on_batch is not None:
                        on_batch(start, end, events)
                    for event in [] if dry_run else events:
                        self._bus.publish(event)
                    summary.published += len(events)
                    summary.batches += 1
                    if not dry_run:
                        self._failures.delete(held.pop(batch.message_id))
        finally:
            self._failures.release(list(held.values()))
        return summary
