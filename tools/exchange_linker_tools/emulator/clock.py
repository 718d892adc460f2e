"""Time sources, injectable so expiry and the idempotency window can be tested without waiting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]
"""Monotonic seconds, like ``time.monotonic``."""


def utc_timestamp(moment: datetime | None = None) -> str:
    """Dwolla's timestamp format, e.g. ``2024-05-01T12:00:00.000Z``."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
