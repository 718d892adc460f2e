"""Which owners a reconciliation judges: those whose items were written in a window, or the ones named."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from exchange_linker.timestamps import utc_now


@dataclass(frozen=True)
class Scope:
    """`customers` and `account` name owners outright; without them, the window [since, until] finds them."""

    since: datetime | None = None
    until: datetime | None = None
    customers: tuple[str, ...] = field(default_factory=tuple)
    account: bool = False

    @classmethod
    def last_hours(cls, hours: float, *, now: datetime | None = None) -> Scope:
        until = now or utc_now()
        return cls(since=until - timedelta(hours=hours), until=until)

    @classmethod
    def of(cls, *, customers: Iterable[str] = (), account: bool = False) -> Scope:
        """Named owners; customer ids are UUIDs, compared lower-case as the table stores them."""
        return cls(customers=tuple(sorted({customer.strip().lower() for customer in customers})), account=account)

    @property
    def named(self) -> bool:
        return bool(self.customers) or self.account

    def window(self) -> tuple[datetime, datetime]:
        until = (self.until or utc_now()).astimezone(UTC)
        since = (self.since or until - timedelta(hours=24)).astimezone(UTC)
        if since > until:
            raise ValueError("the window starts after it ends")
        return since, until
