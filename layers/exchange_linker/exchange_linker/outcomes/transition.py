"""Which changes of a results row are outcome events: the row's status became CREATED or FAILED, or (issue 14)
the funding source of a CREATED row became CREATED or FAILED."""

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
    return _event(new, status)


def outcomes_of(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[OutcomeEvent]:
    """Every outcome event one change of a row announces: the exchange's, then its funding source's."""
    found = [outcome_of(old, new), funding_source_outcome_of(old, new)]
    return [event for event in found if event is not None]


def funding_source_outcome_of(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> OutcomeEvent | None:
    """`Funding Source Created` / `Failed` when a CREATED row's fundingSourceStatus became CREATED or FAILED."""
    if not new or new.get("status") != Status.CREATED.value:
        return None
    funding = new.get("fundingSourceStatus")
    if funding not in ANNOUNCED or (old and old.get("fundingSourceStatus") == funding):
        return None
    return _event(new, Status.CREATED.value, funding_source=True)


def _event(new: Mapping[str, Any], status: str, *, funding_source: bool = False) -> OutcomeEvent:
    funding_failed = funding_source and new.get("fundingSourceStatus") == Status.FAILED.value
    return OutcomeEvent(
        event_id=str(new["eventId"]),
        status=status,
        partner=_text(new, "partner"),
        customer_id=_text(new, "customerId"),
        exchange_url=_text(new, "exchangeUrl"),
        exchange_id=_text(new, "exchangeId"),
        error_code=_text(new, "errorCode") if status == Status.FAILED.value else None,
        funding_source_status=_text(new, "fundingSourceStatus"),
        funding_source_url=_text(new, "fundingSourceUrl") if funding_source else None,
        funding_source_id=_text(new, "fundingSourceId") if funding_source else None,
        funding_source_error_code=_text(new, "fundingSourceErrorCode") if funding_failed else None,
        announces_funding_source=funding_source,
        attempts=int(new["attempts"]) if isinstance(new.get("attempts"), Decimal | int) else 0,
        occurred_at=_text(new, "updatedAt") or "",
    )


def _text(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    return value if isinstance(value, str) else None
