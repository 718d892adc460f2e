"""Moves dead-lettered messages back to the link-completed queue, never losing one.

Send first, delete after: a crash in between duplicates a message (the consumer is idempotent), never
drops one. Every message looked at and not moved is held invisible during the scan, so one run sees it
once, and is made visible again when the run ends, however it ends. Messages that reach the DLQ after the
run started are left alone: if the cause is not fixed yet, the consumer dead-letters the replayed messages
again, and a run that took them too would feed on its own output. The CLI and the replay Lambda
share this class; they differ only in their adapters and their deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from exchange_linker.contracts.results import ResultsStore
from exchange_linker.dwolla.classification import KNOWN_ERROR_CODES
from exchange_linker.errors import DependencyError, ExchangeLinkerError
from exchange_linker.observability import logger
from exchange_linker.replay.filter import ReplayFilter
from exchange_linker.replay.message import Attributes, DeadLetterMessage, describe, replay_attributes
from exchange_linker.replay.pacing import Deadline, RateLimiter
from exchange_linker.replay.summary import Action, ReplaySummary, StopReason

BATCH = 10  # ReceiveMessage's maximum
MAX_HOLD_SECONDS = 43_200  # SQS's maximum visibility timeout
DEFAULT_HOLD_SECONDS = 900
HOLD_MARGIN_SECONDS = 60


class SourceQueue(Protocol):
    """The DLQ."""

    def receive(self, max_messages: int, hold_seconds: int) -> Sequence[DeadLetterMessage]:
        """Up to max_messages, each kept invisible for hold_seconds; empty only when none is visible."""
        ...

    def delete(self, receipt_handle: str) -> None: ...

    def release(self, receipt_handles: Sequence[str]) -> None:
        """Make messages visible again now (best effort: they reappear when their hold ends anyway)."""
        ...


class DestinationQueue(Protocol):
    """The link-completed queue."""

    def send(self, body: str, attributes: Attributes) -> None: ...


class ReplayRefusedError(ExchangeLinkerError):
    """The replay would do harm (e.g. into the DLQ itself); nothing was touched."""


class UnknownErrorCodeError(ReplayRefusedError):
    """An error code the service never emits and no DLQ message carries: a typo would silently match nothing."""

    def __init__(self, unknown: Sequence[str]) -> None:
        self.unknown = list(unknown)
        known = ", ".join(sorted(KNOWN_ERROR_CODES))
        super().__init__(
            f"unknown error code {', '.join(self.unknown)} (in no DLQ message either); known codes: {known}, HttpNNN"
        )


__all__ = [
    "Action",
    "DestinationQueue",
    "ReplayRefusedError",
    "ReplaySummary",
    "Replayer",
    "SourceQueue",
    "StopReason",
    "UnknownErrorCodeError",
    "check_route",
]


def check_route(source_url: str, source_arn: str, destination_url: str, destination_arn: str) -> None:
    """Refuse to replay a queue into itself (same URL, or two URLs naming the same queue)."""
    if source_url.rstrip("/") == destination_url.rstrip("/") or source_arn == destination_arn:
        raise ReplayRefusedError("the destination is the dead-letter queue itself: nothing would ever leave it")


class Replayer:
    def __init__(
        self,
        source: SourceQueue,
        destination: DestinationQueue | None = None,
        *,
        results: ResultsStore | None = None,
        rate: RateLimiter | None = None,
        deadline: Deadline | None = None,
        on_progress: Callable[[ReplaySummary], None] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._source = source
        self._destination = destination
        self._results = results
        self._rate = rate or RateLimiter(None)
        self._deadline = deadline or Deadline.none()
        self._on_progress = on_progress
        self._now = now
        self._started = now()

    def check_error_codes(self, selection: ReplayFilter) -> None:
        """Raise UnknownErrorCodeError for asked-for codes that are neither known nor in the DLQ right now.

        Only when some code is unknown to the catalogue is the DLQ scanned (a dry run: nothing moves), so a
        Dwolla or AWS code new to us is still accepted once it is actually there.
        """
        if not selection.unknown_error_codes():
            return
        scan = self.run(ReplayFilter(), dry_run=True)
        present = frozenset(row.view.error_code for row in scan.rows if row.view.error_code)
        unknown = selection.unknown_error_codes(present)
        if unknown:
            raise UnknownErrorCodeError(unknown)

    def run(self, selection: ReplayFilter, *, dry_run: bool = True, limit: int | None = None) -> ReplaySummary:
        if not dry_run and self._destination is None:
            raise ValueError("a replay that moves messages needs a destination queue")
        if limit is not None and limit < 1:
            raise ValueError("the limit must be at least 1")
        summary = ReplaySummary(dry_run=dry_run)
        self._started = self._now()
        held: dict[str, str] = {}  # message id -> latest receipt handle, released when the run ends
        try:
            summary.stopped_by = self._scan(selection, dry_run, limit, summary, held)
        except DependencyError as error:  # e.g. the DLQ cannot be read: report what was done so far
            logger.error("replay stopped by an AWS error", extra={"errorCode": error.code})
            summary.stopped_by, summary.error = StopReason.ERROR, str(error)
        finally:
            self._release(list(held.values()))
        return summary

    def _scan(
        self, selection: ReplayFilter, dry_run: bool, limit: int | None, summary: ReplaySummary, held: dict[str, str]
    ) -> StopReason:
        seen: set[str] = set()
        while True:
            if limit is not None and summary.matched >= limit:
                return StopReason.LIMIT
            if not self._deadline.allows():
                return StopReason.DEADLINE
            batch = self._source.receive(BATCH, self._hold_seconds())
            if not batch:
                return StopReason.EMPTY
            # Until moved, every message received goes back to the DLQ when the run ends.
            held.update((message.message_id, message.receipt_handle) for message in batch)
            # A message seen before had its hold run out during a long run: it was already counted.
            fresh = {message.message_id: message for message in batch if message.message_id not in seen}
            seen.update(fresh)
            for message in fresh.values():
                if limit is not None and summary.matched >= limit:
                    break
                if message.sent_at is not None and message.sent_at > self._started:
                    summary.arrived_during_run += 1  # possibly one this run replayed and that failed again
                    continue
                stop = self._consider(message, selection, dry_run, summary, held)
                if self._on_progress is not None:
                    self._on_progress(summary)
                if stop is not None:
                    return stop

    def _consider(
        self,
        message: DeadLetterMessage,
        selection: ReplayFilter,
        dry_run: bool,
        summary: ReplaySummary,
        held: dict[str, str],
    ) -> StopReason | None:
        summary.scanned += 1
        view = describe(message, self._results)
        if not selection.matches(view):
            return None
        if selection.holds_back(view.error_code):  # e.g. InvalidEvent: the same body fails the same way
            summary.add(view, Action.HELD_BACK)
            return None
        if not dry_run and not self._deadline.allows(self._rate.next_wait()):
            return StopReason.DEADLINE
        summary.matched += 1
        summary.by_error_code[view.error_code or "Unknown"] += 1
        action = Action.WOULD_MOVE if dry_run else self._move(message, held)
        summary.add(view, action)
        return StopReason.SEND_FAILED if action is Action.SEND_FAILED else None

    def _move(self, message: DeadLetterMessage, held: dict[str, str]) -> Action:
        assert self._destination is not None  # checked in run()
        self._rate.wait()
        try:
            self._destination.send(message.body, replay_attributes(message.attributes, message.body))
        except DependencyError as error:
            # The destination is likely down: stop here; the message stays in the DLQ.
            logger.error(
                "replay send failed; stopping", extra={"errorCode": error.code, "messageId": message.message_id}
            )
            return Action.SEND_FAILED
        try:
            self._source.delete(message.receipt_handle)
        except DependencyError as error:
            logger.warning(
                "sent but not deleted from the DLQ: it will be a duplicate",
                extra={"errorCode": error.code, "messageId": message.message_id},
            )
            return Action.NOT_DELETED
        del held[message.message_id]
        return Action.MOVED

    def _hold_seconds(self) -> int:
        """Long enough for the rest of the run, so nothing is received twice in one run."""
        left = self._deadline.left()
        seconds = DEFAULT_HOLD_SECONDS if left is None else int(left) + HOLD_MARGIN_SECONDS
        return max(HOLD_MARGIN_SECONDS, min(MAX_HOLD_SECONDS, seconds))

    def _release(self, receipt_handles: list[str]) -> None:
        try:
            self._source.release(receipt_handles)
        except DependencyError as error:
            logger.warning(
                "could not release held messages; they reappear when their hold ends", extra={"errorCode": error.code}
            )
