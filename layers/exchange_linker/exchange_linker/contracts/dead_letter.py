"""What goes to the DLQ with a failed message, and the port that sends it.

SQS allows 10 message attributes and counts the body plus every attribute's name, type and value against
the queue's MaximumMessageSize, which the DLQ shares with the queue. So the upstream's attributes and the
body travel whole, and the reason takes at most one more attribute, `exchangeLinker.reason` (compact
JSON), shortened to what is left. With no slot or byte left it is left out: the FAILED item in the table
holds it, and an invalid body explains itself.

What the reason says about an exchange that may exist (its URL, since when) is the one part that must
travel back with a replay: `read_evidence` and `evidence_attribute` are the only code that spells it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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

EVIDENCE_ATTRIBUTE = "exchangeLinker.evidence"  # on a replayed message; the reason stays behind
MAX_URL_LENGTH = 512
UNKNOWN = "unknown"

__all__ = [
    "EVIDENCE_ATTRIBUTE",
    "MAX_MESSAGE_ATTRIBUTES",
    "MAX_MESSAGE_SIZE",
    "REASON_ATTRIBUTE",
    "UNKNOWN",
    "Attributes",
    "DeadLetter",
    "DeadLetterQueue",
    "DeadLetterReason",
    "ExchangeEvidence",
    "evidence_attribute",
    "message_size",
    "read_evidence",
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
    exchange_may_exist_since: str | None = None  # RFC 3339, or "unknown": the first unknown outcome

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
            exchange_may_exist_since=self.exchange_may_exist_since,
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

    def carries_reason(self, max_size: int = MAX_MESSAGE_SIZE) -> bool:
        """Whether the DLQ message holds its own reason; if not, only the FAILED item can say why."""
        return REASON_ATTRIBUTE in self.message_attributes(max_size)


_STRING: Mapping[str, Any] = {"DataType": "String", "StringValue": ""}


class ExchangeEvidence(BaseModel):
    """What a dead-lettered message says about an exchange Dwolla may hold for its event.

    `url` is an exchange Dwolla made (its 201 was in hand) that the table could not record: the consumer
    verifies it with Dwolla and records it without a new POST. `may_exist_since` flags the event in `dlq`
    and `replay --dry-run`, and stops a POST when the table holds no row at all. Attributes are untrusted
    input: evidence can only make the consumer more careful, never record or POST anything by itself.
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    url: str | None = Field(default=None, alias="exchangeUrl", min_length=1, max_length=MAX_URL_LENGTH)
    may_exist_since: str | None = Field(default=None, alias="exchangeMayExistSince", max_length=64)


def read_evidence(attributes: Attributes) -> ExchangeEvidence:
    """From a replayed message's evidence attribute, else from a reason (a message moved by SQS itself
    keeps it); anything unreadable is no evidence."""
    text = attributes.get(EVIDENCE_ATTRIBUTE, {}).get("StringValue")
    if isinstance(text, str):
        try:
            return ExchangeEvidence.model_validate_json(text)
        except ValidationError:
            return ExchangeEvidence()
    reason = read_reason(attributes)
    if reason is None:
        return ExchangeEvidence()
    try:
        return ExchangeEvidence(url=reason.exchange_url, may_exist_since=reason.exchange_may_exist_since)
    except ValidationError:
        return ExchangeEvidence()


def evidence_attribute(attributes: Attributes) -> dict[str, dict[str, Any]]:
    """The evidence a DLQ message carries, as the attribute its replay takes back to the queue (or nothing)."""
    evidence = read_evidence(attributes)
    if evidence.url is None and evidence.may_exist_since is None:
        return {}
    text = json.dumps(evidence.model_dump(by_alias=True, exclude_none=True), separators=(",", ":"), ensure_ascii=True)
    return {EVIDENCE_ATTRIBUTE: {"DataType": "String", "StringValue": text}}


class DeadLetterQueue(Protocol):
    def send(self, letter: DeadLetter) -> None: ...
