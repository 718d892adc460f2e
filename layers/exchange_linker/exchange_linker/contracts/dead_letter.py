"""What goes to the DLQ with a failed message, and the port that sends it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

# SQS allows 10 message attributes; these are ours, the rest of the original ones are carried over.
RESERVED_ATTRIBUTES = ("errorCode", "errorMessage", "eventId", "failedAt", "attempts", "replayCount")
MAX_MESSAGE_ATTRIBUTES = 10


@dataclass(frozen=True)
class DeadLetter:
    body: str = field(repr=False)
    error_code: str
    error_message: str
    failed_at: str
    attempts: int
    event_id: str | None = None
    original_attributes: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)

    def message_attributes(self) -> dict[str, dict[str, str]]:
        """SQS message attributes: the reason first, then what the upstream sender attached."""
        reason = {
            "errorCode": self.error_code,
            "errorMessage": self.error_message,
            "failedAt": self.failed_at,
            "attempts": str(self.attempts),
        }
        if self.event_id is not None:
            reason["eventId"] = self.event_id
        attributes = {name: {"DataType": "String", "StringValue": value} for name, value in reason.items()}
        for name, value in self.original_attributes.items():
            if name in RESERVED_ATTRIBUTES and name != "replayCount":
                continue
            if len(attributes) >= MAX_MESSAGE_ATTRIBUTES:
                break
            attributes[name] = dict(value)
        return attributes


class DeadLetterQueue(Protocol):
    def send(self, letter: DeadLetter) -> None: ...
