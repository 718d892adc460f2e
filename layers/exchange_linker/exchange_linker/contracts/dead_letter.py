"""What goes to the DLQ with a failed message, and the port that sends it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

EXCHANGE_URL = "exchangeUrl"
MAY_EXIST_SINCE = "exchangeMayExistSince"
# SQS allows 10 message attributes; these are ours, the rest of the original ones are carried over.
RESERVED_ATTRIBUTES = (
    "errorCode",
    "errorMessage",
    "eventId",
    "failedAt",
    "attempts",
    "replayCount",
    EXCHANGE_URL,
    MAY_EXIST_SINCE,
)
MAX_MESSAGE_ATTRIBUTES = 10
MAX_URL_LENGTH = 512
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ExchangeEvidence:
    """What a dead-lettered message says about an exchange Dwolla may have made for its event.

    `url` is an exchange Dwolla made (its 201 is in hand) that could not be recorded: a replay verifies
    it with Dwolla and records it without a new POST. `may_exist_since` (an RFC 3339 time, or "unknown")
    flags the event in `dlq` and `replay --dry-run`, and stops a replay from POSTing when the table holds
    no row at all. Both arrive as message attributes, i.e. untrusted input: they can only make the
    consumer more careful (verify, or hand the event to a person), never record or POST anything.
    """

    url: str | None = None
    may_exist_since: str | None = None


def evidence_attributes(evidence: ExchangeEvidence) -> dict[str, str]:
    """The evidence as message attribute values (the one place that spells their names)."""
    written = {EXCHANGE_URL: evidence.url, MAY_EXIST_SINCE: evidence.may_exist_since}
    return {name: value for name, value in written.items() if value}


def read_evidence(attributes: Mapping[str, Mapping[str, Any]]) -> ExchangeEvidence:
    """The evidence a message carries, in SendMessage format; anything odd reads as no evidence."""

    def text(name: str) -> str | None:
        value = attributes.get(name, {}).get("StringValue")
        return value.strip() if isinstance(value, str) and 0 < len(value.strip()) <= MAX_URL_LENGTH else None

    return ExchangeEvidence(url=text(EXCHANGE_URL), may_exist_since=text(MAY_EXIST_SINCE))


@dataclass(frozen=True)
class DeadLetter:
    body: str = field(repr=False)
    error_code: str
    error_message: str
    failed_at: str
    attempts: int
    event_id: str | None = None
    original_attributes: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)
    evidence: ExchangeEvidence = ExchangeEvidence()

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
        reason.update(evidence_attributes(self.evidence))
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
