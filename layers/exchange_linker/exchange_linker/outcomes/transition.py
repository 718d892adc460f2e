"""Which changes of a results row are outcome events: the row's status became CREATED or FAILED."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from exchange_linker.contracts.outcome_event import OutcomeEvent
from exchange_linker.contracts.results import Status

ANNOUNCED = {Status.CREATED.value, Status.FAILED.value}


def outcome_of(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> OutcomeEvent | None:
    """The outcome event one change of a row announces, or None.

    RETRYING is no outcome; a write that keeps the status (a FAILED row written again after a crash,
    or the same outcome recorded twice by racing duplicates) announces nothing new; a removed row
    (no new image) is no outcome either. Images are the stream's, deserialized (numbers are Decimal).
    """
    if not new:
        return None
    status = new.get("status")
    if status not in ANNOUNCED or (old and old.get("status") == status):
        return None
    return OutcomeEvent(
        event_id=str(new["eventId"]),
        status=status,
        partner=_text(new, "partner"),
        customer_id=_text(new, "customerId"),
        exchange_url=_text(new, "exchangeUrl"),
        exchange_id=_text(new, "exchangeId"),
        error_code=_text(new, "errorCode") if status == Status.FAILED.value else None,
        attempts=int(new["attempts"]) if isinstance(new.get("attempts"), Decimal | int) else 0,
        occurred_at=_text(new, "updatedAt") or "",
    )


def _text(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    return value if isinstance(value, str) else None
