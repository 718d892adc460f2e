"""One DLQ message as the replay sees it: what it is about, why it failed, and what it carries back.

A message the consumer dead-lettered says why in its attributes; one SQS's own redrive moved there says
nothing, so its reason is read from the results table. The body is read leniently: an InvalidEvent
message must still be listable and replayable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from exchange_linker.contracts.link_completed import unwrap_envelope
from exchange_linker.contracts.results import ExchangeResult, ResultsStore
from exchange_linker.errors import DependencyError, InvalidEventError
from exchange_linker.observability import logger

# The consumer's reason attributes: the table keeps the history, the replayed message starts clean.
REASON_ATTRIBUTES = frozenset({"errorCode", "errorMessage", "failedAt", "attempts"})
REPLAY_COUNT = "replayCount"
EVENT_ID = "eventId"
MAX_MESSAGE_ATTRIBUTES = 10

# SendMessage format: {"DataType": ..., "StringValue": ...} or {"DataType": ..., "BinaryValue": ...}.
Attributes = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class DeadLetterMessage:
    """A received DLQ message. `attributes` are its message attributes in SendMessage format."""

    message_id: str
    receipt_handle: str = field(repr=False)
    body: str = field(repr=False)
    attributes: Attributes = field(default_factory=dict, repr=False)
    sent_at: datetime | None = None


@dataclass(frozen=True)
class DeadLetterView:
    """What filters and reports need; every field may be unknown (None)."""

    message_id: str
    event_id: str | None
    customer_id: str | None
    partner: str | None
    error_code: str | None
    failed_at: datetime | None
    sent_at: datetime | None
    replay_count: int
    reason_from: str  # "attributes", "results" or "unknown"

    @property
    def when(self) -> datetime | None:
        """When it failed, or when SQS got it if nobody recorded the failure."""
        return self.failed_at or self.sent_at


def string_attribute(attributes: Attributes, name: str) -> str | None:
    value = attributes.get(name, {}).get("StringValue")
    return value if isinstance(value, str) else None


def parse_timestamp(text: str | None) -> datetime | None:
    """RFC 3339 / ISO 8601; a naive time is taken as UTC. None when absent or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def event_fields(body: str) -> dict[str, str]:
    """eventId, customerId and partner read leniently from the body (any envelope, valid or not)."""
    try:
        payload = unwrap_envelope(json.loads(body), json.loads)
    except (ValueError, RecursionError, InvalidEventError):
        return {}
    if not isinstance(payload, dict):
        return {}
    return {name: value for name in ("eventId", "customerId", "partner") if isinstance(value := payload.get(name), str)}


def replay_count(attributes: Attributes) -> int:
    try:
        return max(0, int(string_attribute(attributes, REPLAY_COUNT) or 0))
    except ValueError:
        return 0


def describe(message: DeadLetterMessage, results: ResultsStore | None = None) -> DeadLetterView:
    """Read a message's event and reason: attributes first, then the results table for redriven messages."""
    fields = event_fields(message.body)
    attributes = message.attributes
    event_id = string_attribute(attributes, EVENT_ID) or fields.get("eventId")
    error_code = string_attribute(attributes, "errorCode")
    failed_at = parse_timestamp(string_attribute(attributes, "failedAt"))
    reason_from = "attributes" if error_code else "unknown"
    partner, customer_id = fields.get("partner"), fields.get("customerId")
    if error_code is None and event_id and results is not None:
        result = _lookup(results, event_id)
        if result is not None:
            error_code, failed_at, reason_from = result.error_code, parse_timestamp(result.updated_at), "results"
            partner, customer_id = partner or result.partner, customer_id or result.customer_id
    return DeadLetterView(
        message_id=message.message_id,
        event_id=event_id,
        customer_id=customer_id,
        partner=partner,
        error_code=error_code,
        failed_at=failed_at,
        sent_at=message.sent_at,
        replay_count=replay_count(attributes),
        reason_from=reason_from,
    )


def _lookup(results: ResultsStore, event_id: str) -> ExchangeResult | None:
    """A failed lookup leaves the reason unknown: the message is then simply not matched by reason."""
    try:
        return results.get(event_id)
    except DependencyError as error:
        logger.warning("could not read the result of a dead-lettered event", extra={"errorCode": error.code})
        return None


def replay_attributes(attributes: Attributes) -> dict[str, dict[str, Any]]:
    """The upstream's attributes and eventId as they were, no reason attributes, replayCount + 1.

    SQS allows 10 attributes: should a redriven message already carry 10 of the upstream's, eventId and
    then replayCount give way (the body holds the eventId anyway).
    """
    kept = {
        name: dict(value)
        for name, value in attributes.items()
        if name not in REASON_ATTRIBUTES and name not in {REPLAY_COUNT, EVENT_ID}
    }
    ours: dict[str, dict[str, Any]] = {}
    if EVENT_ID in attributes:
        ours[EVENT_ID] = dict(attributes[EVENT_ID])
    ours[REPLAY_COUNT] = {"DataType": "String", "StringValue": str(replay_count(attributes) + 1)}
    room = max(0, MAX_MESSAGE_ATTRIBUTES - len(kept))
    for name in [REPLAY_COUNT, EVENT_ID][:room]:
        if name in ours:
            kept[name] = ours[name]
    return kept
