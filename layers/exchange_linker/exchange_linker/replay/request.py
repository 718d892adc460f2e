"""The replay Lambda's payload: a filter plus how to run. `dryRun` defaults to TRUE: moving needs intent.

{"errorCodes": ["InvalidScope"], "partners": ["Plaid"], "failedAfter": "2026-11-20T00:00:00Z",
 "dryRun": false, "limit": 100, "rate": 5}
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError

from exchange_linker.replay.filter import ReplayFilter
from exchange_linker.validation import problems

FILTER_FIELDS = tuple(ReplayFilter.model_fields)


class InvalidReplayRequestError(ValueError):
    """The payload is not a valid replay request; the message names the field, never echoes the value."""


class ReplayRequest(ReplayFilter):
    dry_run: bool = Field(default=True, alias="dryRun", strict=True)
    limit: int | None = Field(default=None, ge=1)
    rate: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    @classmethod
    def parse(cls, payload: Any) -> ReplayRequest:
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            raise InvalidReplayRequestError("the payload must be a JSON object")
        try:
            return cls.model_validate(payload)
        except ValidationError as error:
            found = [f"{field}: {reason}" for field, reason in problems(error, whole="payload")]
            raise InvalidReplayRequestError("invalid replay request: " + "; ".join(found)) from None

    def selection(self) -> ReplayFilter:
        return ReplayFilter.model_validate(self.model_dump(include=set(FILTER_FIELDS)))
