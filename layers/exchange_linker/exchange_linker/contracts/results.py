"""What the results table holds for an event, and the port the processor writes it through."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Status(StrEnum):
    CREATED = "CREATED"
    FAILED = "FAILED"
    RETRYING = "RETRYING"


@dataclass(frozen=True)
class ExchangeResult:
    """One row per eventId. Never holds a credential: only what an operator needs to act."""

    event_id: str
    status: Status
    attempts: int
    updated_at: str
    partner: str | None = None
    customer_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    exchange_url: str | None = None
    exchange_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    key_generation: int | None = None  # None: keep what the table holds
    # Sticky until CREATED: some attempt's outcome was unknown, so the key generation must never change.
    exchange_may_exist: bool = False


class ResultsStore(Protocol):
    def get(self, event_id: str) -> ExchangeResult | None:
        """The current result, read consistently (a duplicate may be processed moments later)."""
        ...

    def put(self, result: ExchangeResult) -> bool:
        """Write the result unless the event is already CREATED. Returns False when it was kept."""
        ...
