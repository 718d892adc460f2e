"""In-memory ports for the Replayer: a queue with real visibility semantics on a fake clock."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from exchange_linker.contracts.results import ExchangeResult
from exchange_linker.errors import AwsError
from exchange_linker.replay.message import DeadLetterMessage


class FakeClock:
    """Time that only moves when something sleeps (or a test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class _Stored:
    message_id: str
    body: str
    attributes: dict[str, dict[str, Any]]
    sent_at: float
    visible_at: float = 0.0
    receipts: int = 0


@dataclass
class MemoryQueue:
    """SourceQueue and DestinationQueue at once: receive hides a message until its hold ends."""

    clock: FakeClock = field(default_factory=FakeClock)
    messages: dict[str, _Stored] = field(default_factory=dict)
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    holds: list[int] = field(default_factory=list)
    fail_sends: bool = False
    fail_deletes: bool = False
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def put(self, body: str, attributes: Mapping[str, str] | None = None) -> str:
        message_id = f"m{next(self._ids)}"
        wire = {name: {"DataType": "String", "StringValue": value} for name, value in (attributes or {}).items()}
        self.messages[message_id] = _Stored(message_id, body, wire, sent_at=self.clock.now)
        return message_id

    # SourceQueue
    def receive(self, max_messages: int, hold_seconds: int) -> Sequence[DeadLetterMessage]:
        self.holds.append(hold_seconds)
        visible = [m for m in self.messages.values() if m.visible_at <= self.clock.now][:max_messages]
        for stored in visible:
            stored.visible_at = self.clock.now + hold_seconds
            stored.receipts += 1
        return [
            DeadLetterMessage(
                message_id=m.message_id,
                receipt_handle=f"{m.message_id}#{m.receipts}",
                body=m.body,
                attributes=m.attributes,
                sent_at=datetime.fromtimestamp(m.sent_at, UTC),
            )
            for m in visible
        ]

    def delete(self, receipt_handle: str) -> None:
        if self.fail_deletes:
            raise AwsError("sqs", "InternalError", "delete failed")
        message_id, receipt = receipt_handle.split("#")
        stored = self.messages.get(message_id)
        if stored is not None and str(stored.receipts) == receipt:
            del self.messages[message_id]

    def release(self, receipt_handles: Sequence[str]) -> None:
        for handle in receipt_handles:
            message_id, receipt = handle.split("#")
            stored = self.messages.get(message_id)
            if stored is not None and str(stored.receipts) == receipt:
                stored.visible_at = self.clock.now

    # DestinationQueue
    def send(self, body: str, attributes: Mapping[str, Mapping[str, Any]]) -> None:
        if self.fail_sends:
            raise AwsError("sqs", "ServiceUnavailable", "send failed")
        self.sent.append((body, {name: dict(value) for name, value in attributes.items()}))

    def visible_ids(self) -> list[str]:
        return [m.message_id for m in self.messages.values() if m.visible_at <= self.clock.now]


class MemoryResults:
    def __init__(self, rows: Mapping[str, ExchangeResult] | None = None) -> None:
        self.rows = dict(rows or {})
        self.lookups: list[str] = []

    def get(self, event_id: str) -> ExchangeResult | None:
        self.lookups.append(event_id)
        return self.rows.get(event_id)

    def put(self, result: ExchangeResult, *, expected: object = None) -> bool:
        raise AssertionError("a replay never writes results")
