"""Why a message is in the DLQ, as one compact attribute; and which of a message's attributes are ours.

The consumer writes the reason, the replay and the tools read it. Messages dead-lettered before the
reason became one attribute carry five (`errorCode`, `errorMessage`, `eventId`, `failedAt`, `attempts`)
and may still sit in a DLQ for 14 days: they are read, and replayed, all the same.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# SQS's quotas, and the MaximumMessageSize template.yaml gives both queues (a template test keeps them equal).
MAX_MESSAGE_ATTRIBUTES = 10
MAX_MESSAGE_SIZE = 262_144

REASON_ATTRIBUTE = "exchangeLinker.reason"
OUR_PREFIX = "exchangeLinker."
REPLAY_COUNT = "replayCount"  # set by the replay on the message it sends back to the queue
LEGACY_REASON = ("errorCode", "errorMessage", "eventId", "failedAt", "attempts")
_LEGACY_SIGNATURE = ("errorCode", "failedAt", "attempts")  # the old consumer always wrote these three

# SendMessage format: {"DataType": ..., "StringValue": ...} or {"DataType": ..., "BinaryValue": ...}.
Attributes = Mapping[str, Mapping[str, Any]]

# When the reason does not fit, the message is shortened, then these go, least useful first.
_DROP_ORDER = (
    "error_message",
    "failed_at",
    "replay_count",
    "attempts",
    "event_id",
    "exchange_may_exist_since",
    "exchange_url",
)
_ELLIPSIS = "…"


class DeadLetterReason(BaseModel):
    """The `exchangeLinker.reason` attribute's JSON. Unknown fields are ignored: a newer writer may add some."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    error_code: str = Field(alias="errorCode", min_length=1)
    error_message: str | None = Field(default=None, alias="errorMessage")
    event_id: str | None = Field(default=None, alias="eventId")
    failed_at: str | None = Field(default=None, alias="failedAt")
    attempts: int | None = Field(default=None, ge=0)
    replay_count: int | None = Field(default=None, alias="replayCount", ge=0)
    exchange_url: str | None = Field(default=None, alias="exchangeUrl")
    # The first attempt whose outcome is unknown (RFC 3339, or "unknown"): the exchange may exist.
    exchange_may_exist_since: str | None = Field(default=None, alias="exchangeMayExistSince")

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)

    def to_json(self) -> str:
        """Compact and ASCII-only: an attribute value may hold only the characters SQS allows in a body,
        and a message (a sender's field name, Dwolla's text) may hold anything."""
        return json.dumps(self.as_dict(), separators=(",", ":"), ensure_ascii=True, allow_nan=False)

    def fitted_json(self, room: int) -> str | None:
        """The JSON in at most `room` UTF-8 bytes: the message shortened first, then fields dropped; None
        when not even the errorCode fits."""
        if _fits(text := self.to_json(), room):
            return text
        message = self.error_message or ""
        low, high = 0, len(message)  # the longest prefix that fits, by bisection
        while low < high:
            middle = (low + high + 1) // 2
            if _fits(self._shortened(message, middle).to_json(), room):
                low = middle
            else:
                high = middle - 1
        if low > 0:
            return self._shortened(message, low).to_json()
        reduced = self
        for name in _DROP_ORDER:
            reduced = reduced.model_copy(update={name: None})
            if _fits(text := reduced.to_json(), room):
                return text
        return None

    def _shortened(self, message: str, keep: int) -> DeadLetterReason:
        return self.model_copy(update={"error_message": message[:keep] + _ELLIPSIS})


def _fits(text: str, room: int) -> bool:
    return len(text.encode()) <= room


def message_size(body: str, attributes: Attributes) -> int:
    """What SQS holds against MaximumMessageSize: body, and each attribute's name, type and value, in bytes."""
    total = len(body.encode())
    for name, attribute in attributes.items():
        total += len(name.encode()) + len(str(attribute.get("DataType", "")).encode())
        if isinstance(value := attribute.get("StringValue"), str):
            total += len(value.encode())
        elif (value := attribute.get("BinaryValue")) is not None:
            total += len(value) if isinstance(value, bytes | bytearray) else len(base64.b64decode(value))
    return total


def _string(attributes: Attributes, name: str) -> str | None:
    value = attributes.get(name, {}).get("StringValue")
    return value if isinstance(value, str) else None


def is_legacy(attributes: Attributes) -> bool:
    """Dead-lettered by a consumer that wrote the reason as five attributes."""
    return REASON_ATTRIBUTE not in attributes and all(name in attributes for name in _LEGACY_SIGNATURE)


def read_reason(attributes: Attributes) -> DeadLetterReason | None:
    """The reason a DLQ message carries, in either format; None when it carries none (or garbage)."""
    text = _string(attributes, REASON_ATTRIBUTE)
    fields: Any
    if text is not None:
        try:
            return DeadLetterReason.model_validate_json(text)
        except ValidationError:
            return None
    if not is_legacy(attributes):
        return None
    fields = {name: _string(attributes, name) for name in LEGACY_REASON}
    try:
        return DeadLetterReason.model_validate({**fields, REPLAY_COUNT: replay_count(attributes)})
    except ValidationError:
        return None


def replay_count(attributes: Attributes) -> int:
    """Replays so far: the replay's `replayCount` attribute, else the count in a reason (0 if neither)."""
    text = _string(attributes, REPLAY_COUNT)
    if text is not None:
        try:
            return max(0, int(text))
        except ValueError:
            return 0
    if REASON_ATTRIBUTE in attributes:
        reason = read_reason(attributes)
        return reason.replay_count or 0 if reason is not None else 0
    return 0


def upstream_attributes(attributes: Attributes) -> dict[str, dict[str, Any]]:
    """The sender's attributes, untouched: all but ours (`exchangeLinker.*`, `replayCount`, an old reason)."""
    ours = {REPLAY_COUNT, *(LEGACY_REASON if is_legacy(attributes) else ())}
    return {
        name: dict(value) for name, value in attributes.items() if name not in ours and not name.startswith(OUR_PREFIX)
    }
