"""What a replay did, message by message, in a shape the CLI prints and the Lambda answers (JSON)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from exchange_linker.replay.message import DeadLetterView
from exchange_linker.timestamps import timestamp


class Action(StrEnum):
    WOULD_MOVE = "would-move"  # dry run
    MOVED = "moved"
    SEND_FAILED = "send-failed"  # still in the DLQ, visible again
    NOT_DELETED = "sent-not-deleted"  # in both queues: a duplicate the consumer will skip
    HELD_BACK = "held-back"  # its reason says a replay cannot succeed unchanged, and its code was not named


class StopReason(StrEnum):
    EMPTY = "empty"  # scanned everything visible
    LIMIT = "limit"
    DEADLINE = "deadline"
    SEND_FAILED = "send-failed"
    ERROR = "error"  # an AWS call failed (see `error`)


@dataclass(frozen=True)
class ReplayRow:
    view: DeadLetterView
    action: Action

    def as_dict(self) -> dict[str, Any]:
        view = self.view
        return {
            "eventId": view.event_id,
            "customerId": view.customer_id,
            "partner": view.partner,
            "errorCode": view.error_code,
            "errorMessage": view.error_message,
            "failedAt": _iso(view.failed_at),
            "sentAt": _iso(view.sent_at),
            "replayCount": view.replay_count,
            "reasonFrom": view.reason_from,
            "exchangeMayExist": view.exchange_may_exist,
            "exchangeMayExistSince": _iso(view.may_exist_since),
            "messageId": view.message_id,
            "action": self.action.value,
        }


@dataclass
class ReplaySummary:
    dry_run: bool
    scanned: int = 0
    matched: int = 0  # selected by the filter and not held back: what a run moves (or a dry run would)
    moved: int = 0
    held_back: int = 0  # selected by the filter, but InvalidEvent/ConflictingEvent not asked for by code
    failed_sends: int = 0
    not_deleted: int = 0
    stopped_by: StopReason = StopReason.EMPTY
    arrived_during_run: int = 0  # left for the next run
    error: str | None = None
    by_error_code: Counter[str] = field(default_factory=Counter)  # of the matched messages
    held_back_by_error_code: Counter[str] = field(default_factory=Counter)
    rows: list[ReplayRow] = field(default_factory=list)
    left_in_dlq: int | None = None  # the DLQ's approximate depth after the run, when the caller looked

    @property
    def not_matched(self) -> int:
        return self.scanned - self.matched - self.held_back

    @property
    def truncated(self) -> bool:
        """Stopped by the deadline: matching messages may remain; run again to continue."""
        return self.stopped_by is StopReason.DEADLINE

    def add(self, view: DeadLetterView, action: Action) -> None:
        self.rows.append(ReplayRow(view, action))
        self.moved += action in {Action.MOVED, Action.NOT_DELETED}
        self.not_deleted += action is Action.NOT_DELETED
        self.failed_sends += action is Action.SEND_FAILED
        if action is Action.HELD_BACK:
            self.held_back += 1
            self.held_back_by_error_code[view.error_code or "Unknown"] += 1

    def as_dict(self, *, max_rows: int | None = None) -> dict[str, Any]:
        """JSON-serialisable; `events` may be cut to max_rows (a Lambda answer is limited to 6 MB)."""
        rows = self.rows if max_rows is None else self.rows[:max_rows]
        return {
            "dryRun": self.dry_run,
            "scanned": self.scanned,
            "matched": self.matched,
            "moved": self.moved,
            "heldBack": self.held_back,
            "notMatched": self.not_matched,
            "leftInDlq": self.left_in_dlq,
            "failedSends": self.failed_sends,
            "notDeleted": self.not_deleted,
            "truncated": self.truncated,
            "stoppedBy": self.stopped_by.value,
            "arrivedDuringRun": self.arrived_during_run,
            "error": self.error,
            "byErrorCode": dict(sorted(self.by_error_code.items())),
            "heldBackByErrorCode": dict(sorted(self.held_back_by_error_code.items())),
            "events": [row.as_dict() for row in rows],
            "eventsOmitted": len(self.rows) - len(rows),
        }


def _iso(moment: datetime | None) -> str | None:
    return timestamp(moment) if moment else None
