"""Which DLQ messages a replay moves: AND across kinds of criteria, OR within one kind.

The CLI flags and the replay Lambda's payload build the same model, so both select the same messages.
Error codes match in any case; `Unknown` selects the messages whose reason nobody recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from exchange_linker.dwolla.classification import NOT_REPLAYABLE_UNCHANGED, UNKNOWN_REASON, known_error_code
from exchange_linker.replay.message import DeadLetterView

_HELD_BACK = frozenset(code.casefold() for code in NOT_REPLAYABLE_UNCHANGED)


def _as_set(value: Any) -> Any:
    """A single string is accepted where a list is expected (handy in a hand-written payload)."""
    return [value] if isinstance(value, str) else value


class ReplayFilter(BaseModel):
    """An empty filter matches every message. Times: failedAfter <= failedAt < failedBefore."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, hide_input_in_errors=True)

    error_codes: frozenset[str] = Field(default=frozenset(), alias="errorCodes")
    event_ids: frozenset[str] = Field(default=frozenset(), alias="eventIds")
    customer_ids: frozenset[str] = Field(default=frozenset(), alias="customerIds")
    partners: frozenset[str] = Field(default=frozenset(), alias="partners")
    failed_after: datetime | None = Field(default=None, alias="failedAfter")
    failed_before: datetime | None = Field(default=None, alias="failedBefore")

    @field_validator("error_codes", "event_ids", "customer_ids", "partners", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _as_set(value)

    @field_validator("error_codes", "event_ids", "customer_ids", "partners")
    @classmethod
    def _no_blanks(cls, value: frozenset[str]) -> frozenset[str]:
        if any(not item.strip() for item in value):
            raise ValueError("must not contain empty strings")
        return value

    @field_validator("error_codes")
    @classmethod
    def _canonical(cls, value: frozenset[str]) -> frozenset[str]:
        return frozenset(known_error_code(code.strip()) or code.strip() for code in value)

    @field_validator("customer_ids")
    @classmethod
    def _lower(cls, value: frozenset[str]) -> frozenset[str]:
        return frozenset(item.lower() for item in value)  # customer ids are stored lower-case

    @field_validator("partners")
    @classmethod
    def _casefold(cls, value: frozenset[str]) -> frozenset[str]:
        return frozenset(item.casefold() for item in value)

    @field_validator("failed_after", "failed_before")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    @model_validator(mode="after")
    def _ordered(self) -> ReplayFilter:
        if self.failed_after and self.failed_before and self.failed_after >= self.failed_before:
            raise ValueError("failedAfter must be earlier than failedBefore")
        return self

    @property
    def selects_everything(self) -> bool:
        return self == ReplayFilter()

    def unknown_error_codes(self, present: frozenset[str] = frozenset()) -> list[str]:
        """The codes asked for that the service never emits and that are not in `present` (the DLQ's)."""
        seen = {code.casefold() for code in present}
        return sorted(
            code for code in self.error_codes if known_error_code(code) is None and code.casefold() not in seen
        )

    def holds_back(self, error_code: str | None) -> bool:
        """A message whose reason says a replay cannot succeed unchanged moves only when its code is named."""
        if error_code is None or error_code.casefold() not in _HELD_BACK:
            return False
        return error_code.casefold() not in {code.casefold() for code in self.error_codes}

    def matches(self, view: DeadLetterView) -> bool:
        if self.error_codes and (view.error_code or UNKNOWN_REASON).casefold() not in {
            code.casefold() for code in self.error_codes
        }:
            return False
        if self.event_ids and view.event_id not in self.event_ids:
            return False
        if self.customer_ids and (view.customer_id or "").lower() not in self.customer_ids:
            return False
        if self.partners and (view.partner or "").casefold() not in self.partners:
            return False
        return self._in_time_window(view.when)

    def _in_time_window(self, when: datetime | None) -> bool:
        if self.failed_after is None and self.failed_before is None:
            return True
        if when is None:
            return False
        return (self.failed_after is None or when >= self.failed_after) and (
            self.failed_before is None or when < self.failed_before
        )
