"""Outcome events for downstream services: `Exchange Created` / `Exchange Failed` on an EventBridge bus.

The results table is the source of truth; these events follow it at least once (the table's stream feeds
the bus, retrying until PutEvents succeeds), so a repeat carries the same `outcomeId` to de-duplicate by.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, computed_field

from exchange_linker.contracts.results import Status

SOURCE = "exchange-linker"
DETAIL_TYPES = {Status.CREATED: "Exchange Created", Status.FAILED: "Exchange Failed"}
# Issue 14: the funding source made from a CREATED exchange is announced apart, once it is CREATED or FAILED.
FUNDING_SOURCE_DETAIL_TYPES = {Status.CREATED: "Funding Source Created", Status.FAILED: "Funding Source Failed"}
FUNDING_SOURCE_OUTCOME = "fundingSource"


class OutcomeEvent(BaseModel):
    """The `detail` of an outcome event (outbound contract v1). Never carries a credential."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    version: Literal["1"] = "1"
    event_id: str = Field(alias="eventId", description="The link.completed eventId this outcome answers.")
    status: Literal["CREATED", "FAILED"]
    partner: str | None = None
    customer_id: str | None = Field(default=None, alias="customerId", description="Absent for account exchanges.")
    exchange_url: str | None = Field(default=None, alias="exchangeUrl", description="Set when CREATED.")
    exchange_id: str | None = Field(default=None, alias="exchangeId", description="Set when CREATED.")
    error_code: str | None = Field(default=None, alias="errorCode", description="Set when FAILED.")
    funding_source_status: Literal["PENDING", "CREATED", "FAILED"] | None = Field(
        default=None,
        alias="fundingSourceStatus",
        description=(
            "Set when the event asked for a funding source: PENDING on Exchange Created (a Funding Source event "
            "follows), CREATED or FAILED on Funding Source Created / Failed."
        ),
    )
    funding_source_url: str | None = Field(
        default=None, alias="fundingSourceUrl", description="Set on Funding Source Created."
    )
    funding_source_id: str | None = Field(
        default=None, alias="fundingSourceId", description="Set on Funding Source Created."
    )
    funding_source_error_code: str | None = Field(
        default=None, alias="fundingSourceErrorCode", description="Set on Funding Source Failed."
    )
    announces_funding_source: bool = Field(default=False, exclude=True)
    attempts: int = Field(ge=0, description="Deliveries of the message so far.")
    occurred_at: str = Field(alias="occurredAt", description="When the outcome was recorded (RFC 3339).")

    @computed_field(  # type: ignore[prop-decorator]
        alias="outcomeId",
        description=(
            "eventId:status, or eventId:fundingSource:status for a Funding Source event. A redelivered outcome "
            "event carries the same outcomeId: de-duplicate by it."
        ),
    )
    @property
    def outcome_id(self) -> str:
        if self.announces_funding_source:
            return f"{self.event_id}:{FUNDING_SOURCE_OUTCOME}:{self.funding_source_status}"
        return f"{self.event_id}:{self.status}"

    @property
    def detail_type(self) -> str:
        if self.announces_funding_source:
            return FUNDING_SOURCE_DETAIL_TYPES[Status(self.funding_source_status or Status.CREATED)]
        return DETAIL_TYPES[Status(self.status)]

    def detail_json(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)


class OutcomePublisher(Protocol):
    def publish(self, event: OutcomeEvent) -> None:
        """Raise DependencyError when the event could not be delivered to the bus."""
        ...
