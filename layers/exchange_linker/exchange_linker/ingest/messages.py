"""What the ingest steps share: the inbound message, the outcomes, the retry signal, time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from exchange_linker.errors import DependencyError, ExchangeLinkerError
from exchange_linker.observability import Metric, count, logger


class Outcome(StrEnum):
    CREATED = "CREATED"
    RECONCILED = "RECONCILED"  # CREATED from an exchange found at Dwolla, without a POST
    ALREADY_CREATED = "ALREADY_CREATED"
    FUNDING_SOURCE_CREATED = "FUNDING_SOURCE_CREATED"  # the exchange's funding source (issue 14), recorded
    FAILED = "FAILED"


@dataclass(frozen=True)
class InboundMessage:
    message_id: str
    body: str = field(repr=False)
    receive_count: int
    attributes: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)


class RetryableError(ExchangeLinkerError):
    """The message failed transiently and must go back to the queue, ideally after `delay_seconds`."""

    def __init__(self, error: DependencyError, delay_seconds: int | None = None) -> None:
        self.error = error
        self.delay_seconds = delay_seconds
        super().__init__(f"{error.code}: {error.message}")


def parse_timestamp(text: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return moment if moment is None or moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def already_created() -> Outcome:
    logger.info("exchange already created", extra={"outcome": Outcome.ALREADY_CREATED})
    count(Metric.DUPLICATES_SKIPPED)
    return Outcome.ALREADY_CREATED
