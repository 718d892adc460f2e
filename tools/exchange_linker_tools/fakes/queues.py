"""The SQS queues in memory: the dead-letter port the processor sends to, and the replayer's two queues."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from exchange_linker.contracts.dead_letter import DeadLetter
from exchange_linker.errors import AwsError
from exchange_linker.replay.message import DeadLetterMessage
from exchange_linker_tools.fakes.clock import FakeClock


class MemoryDeadLetters:
    """dead_letter.DeadLetterQueue: `letters` in the order sent; `fail` makes send raise like SQS down."""

    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []
        self.fail = False

    def send(self, letter: DeadLetter) -> None:
        if self.fail:
            raise AwsError("sqs", "ServiceUnavailable", "down")
        self.letters.append(letter)


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
    """replayer.SourceQueue and DestinationQueue at once, on a fake clock: receive hides a message until its
    hold ends, and only the latest receipt handle deletes or releases it."""

    clock: FakeClock = field(default_factory=FakeClock)
    messages: dict[str, _Stored] = field(default_factory=dict)
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    holds: list[int] = field(default_factory=list)
    fail_sends: bool = False
    fail_deletes: bool = False
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

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
        stored = self._current(receipt_handle)
        if stored is not None:
            del self.messages[stored.message_id]

    def release(self, receipt_handles: Sequence[str]) -> None:
        for handle in receipt_handles:
            stored = self._current(handle)
            if stored is not None:
                stored.visible_at = self.clock.now

    def _current(self, receipt_handle: str) -> _Stored | None:
        message_id, receipt = receipt_handle.split("#")
        stored = self.messages.get(message_id)
        return stored if stored is not None and str(stored.receipts) == receipt else None

    # DestinationQueue
    def send(self, body: str, attributes: Mapping[str, Mapping[str, Any]]) -> None:
        if self.fail_sends:
            raise AwsError("sqs", "ServiceUnavailable", "send failed")
        self.sent.append((body, {name: dict(value) for name, value in attributes.items()}))

    def visible_ids(self) -> list[str]:
        return [m.message_id for m in self.messages.values() if m.visible_at <= self.clock.now]
