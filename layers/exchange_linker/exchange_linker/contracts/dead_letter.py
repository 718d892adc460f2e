"""What goes to the DLQ with a failed message, and the port that sends it.

SQS allows 10 message attributes and counts the body plus every attribute's name, type and value against
the queue's MaximumMessageSize, which the DLQ shares with the queue. So the upstream's attributes and the
body travel whole, and the reason takes at most one more attribute, `exchangeLinker.reason` (compact
JSON), shortened to what is left. With no slot or byte left it is left out: the FAILED item in the table
holds it, and an invalid body explains itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from exchange_linker.contracts.dead_letter_reason import (
    MAX_MESSAGE_ATTRIBUTES,
    MAX_MESSAGE_SIZE,
    REASON_ATTRIBUTE,
    Attributes,
    DeadLetterReason,
    message_size,
    read_reason,
    replay_count,
    upstream_attributes,
)

__all__ = [
    "MAX_MESSAGE_ATTRIBUTES",
    "MAX_MESSAGE_SIZE",
    "REASON_ATTRIBUTE",
    "Attributes",
    "DeadLetter",
    "DeadLetterQueue",
    "DeadLetterReason",
    "message_size",
    "read_reason",
    "replay_count",
    "upstream_attributes",
]


@dataclass(frozen=True)
class DeadLetter:
    body: str = field(repr=False)
    error_code: str
    error_message: str
    failed_at: str
    attempts: int
    event_id: str | None = None
    original_attributes: Attributes = field(default_factory=dict, repr=False)
    exchange_url: str | None = None  # when Dwolla created the exchange but the table could not record it

    @property
    def reason(self) -> DeadLetterReason:
        return DeadLetterReason(
            error_code=self.error_code,
            error_message=self.error_message,
            event_id=self.event_id,
            failed_at=self.failed_at,
            attempts=self.attempts,
            replay_count=replay_count(self.original_attributes),
            exchange_url=self.exchange_url,
        )

    def message_attributes(self, max_size: int = MAX_MESSAGE_SIZE) -> dict[str, dict[str, Any]]:
        """Every upstream attribute as it came, plus the reason when a slot and the bytes for it are left."""
        attributes = upstream_attributes(self.original_attributes)
        if len(attributes) >= MAX_MESSAGE_ATTRIBUTES:
            return attributes
        room = max_size - message_size(self.body, attributes) - message_size("", {REASON_ATTRIBUTE: _STRING})
        text = self.reason.fitted_json(room)
        if text is not None:
            attributes[REASON_ATTRIBUTE] = {"DataType": "String", "StringValue": text}
        return attributes


_STRING: Mapping[str, Any] = {"DataType": "String", "StringValue": ""}


class DeadLetterQueue(Protocol):
    def send(self, letter: DeadLetter) -> None: ...
