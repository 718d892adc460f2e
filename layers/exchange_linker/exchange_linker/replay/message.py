"""One DLQ message as the replay sees it: what it is about, why it failed, and what it carries back.

A message the consumer dead-lettered says why in its reason attribute (or, from an older consumer, in
five attributes). One without (SQS's own redrive, or no room left beside the upstream's attributes) is
explained by its result in the table, and an invalid body by itself. The body is read leniently: an
InvalidEvent message must still be listable and replayable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from exchange_linker.contracts.dead_letter import UNKNOWN, evidence_attribute, read_evidence
from exchange_linker.contracts.dead_letter_reason import (
    MAX_MESSAGE_ATTRIBUTES,
    MAX_MESSAGE_SIZE,
    REPLAY_COUNT,
    Attributes,
    message_size,
    read_reason,
    replay_count,
    upstream_attributes,
)
from exchange_linker.contracts.link_completed import parse_link_completed, unwrap_envelope
from exchange_linker.contracts.results import ExchangeResult, ResultsStore
from exchange_linker.dwolla.classification import EXCHANGE_MAY_EXIST
from exchange_linker.errors import DependencyError, InvalidEventError
from exchange_linker.observability import logger

__all__ = ["Attributes", "DeadLetterMessage", "DeadLetterView", "describe", "replay_attributes", "replay_count"]


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
    error_message: str | None = None  # the reason in words (scrubbed of credentials by the consumer)
    # Dwolla may already hold an exchange for the event (an unknown outcome, or one made but not recorded):
    # its replay is checked against Dwolla instead of POSTing blindly, or waits for a person.
    exchange_may_exist: bool = False
    may_exist_since: datetime | None = None  # the first unknown outcome, when known

    @property
    def when(self) -> datetime | None:
        """When it failed, or when SQS got it if nobody recorded the failure."""
        return self.failed_at or self.sent_at


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


def describe(message: DeadLetterMessage, results: ResultsStore | None = None) -> DeadLetterView:
    """Read a message's event and reason: its attributes, else the results table, else its own body."""
    fields = event_fields(message.body)
    reason = read_reason(message.attributes)
    event_id = (reason.event_id if reason else None) or fields.get("eventId")
    error_code = reason.error_code if reason else None
    failed_at = parse_timestamp(reason.failed_at) if reason else None
    error_message = reason.error_message if reason else None
    reason_from = "attributes" if error_code else "unknown"
    partner, customer_id = fields.get("partner"), fields.get("customerId")
    evidence = read_evidence(message.attributes)
    may_exist = bool(evidence.url or evidence.may_exist_since) or error_code == EXCHANGE_MAY_EXIST
    since = parse_timestamp(evidence.may_exist_since) if evidence.may_exist_since != UNKNOWN else None
    if error_code is None and event_id and results is not None:
        result = _lookup(results, event_id)
        if result is not None:
            error_code, failed_at, reason_from = result.error_code, parse_timestamp(result.updated_at), "results"
            error_message = result.error_message
            partner, customer_id = partner or result.partner, customer_id or result.customer_id
            may_exist = may_exist or result.exchange_may_exist
            since = since or parse_timestamp(result.uncertain_since)
    if error_code is None and _invalid(message.body):
        error_code, reason_from = InvalidEventError.code, "body"
    return DeadLetterView(
        message_id=message.message_id,
        event_id=event_id,
        customer_id=customer_id,
        partner=partner,
        error_code=error_code,
        failed_at=failed_at,
        sent_at=message.sent_at,
        replay_count=replay_count(message.attributes),
        reason_from=reason_from,
        error_message=error_message,
        exchange_may_exist=may_exist,
        may_exist_since=since,
    )


def _invalid(body: str) -> bool:
    """The consumer would refuse this body again: it needs no recorded reason to be explained."""
    try:
        parse_link_completed(body)
    except InvalidEventError:
        return True
    return False


def _lookup(results: ResultsStore, event_id: str) -> ExchangeResult | None:
    """A failed lookup leaves the reason unknown: the message is then simply not matched by reason."""
    try:
        return results.get(event_id)
    except DependencyError as error:
        logger.warning("could not read the result of a dead-lettered event", extra={"errorCode": error.code})
        return None


def replay_attributes(attributes: Attributes, body: str = "", max_size: int = MAX_MESSAGE_SIZE) -> dict[str, Any]:
    """The upstream's attributes exactly as they were, the exchange evidence, and `replayCount` + 1.

    The reason stays behind (the table keeps the history); what it says about an exchange Dwolla may hold
    travels on (contracts/dead_letter.py), before the count. The queue takes 10 attributes and `max_size`
    bytes, like the DLQ the message came from: should the upstream's fill either, ours give way.
    """
    kept = upstream_attributes(attributes)
    count = {REPLAY_COUNT: {"DataType": "String", "StringValue": str(replay_count(attributes) + 1)}}
    for ours in (evidence_attribute(attributes), count):
        if ours and len(kept) < MAX_MESSAGE_ATTRIBUTES and message_size(body, {**kept, **ours}) <= max_size:
            kept.update(ours)
    return kept
