"""What a reconciliation found, and its JSON form (camelCase): the CLI prints it, the scheduled function logs it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from exchange_linker.reconcile.compare import DwollaExchange, Owner, Reconciliation, RecordedExchange
from exchange_linker.timestamps import timestamp


@dataclass(frozen=True)
class ReconcileReport:
    owners: list[Owner]
    since: datetime | None
    until: datetime | None
    result: Reconciliation
    unread: dict[Owner, str] = field(default_factory=dict)  # owner -> the error code of its list

    @property
    def agrees(self) -> bool:
        return self.result.agrees and not self.unread

    @property
    def unrecorded(self) -> list[tuple[Owner, DwollaExchange]]:
        return self.result.unrecorded

    @property
    def disagreements(self) -> int:
        """Unrecorded, missing and removed exchanges, and owners whose list could not be read."""
        result = self.result
        return len(result.unrecorded) + len(result.missing) + len(result.removed) + len(self.unread)

    def as_dict(self) -> dict[str, Any]:
        names = self.result.partner_names  # an href Dwolla did not name stays an href
        return {
            "agrees": self.agrees,
            "since": timestamp(self.since) if self.since else None,
            "until": timestamp(self.until) if self.until else None,
            "owners": len(self.owners),
            "customers": [owner for owner in self.owners if owner is not None],
            "account": None in self.owners,
            "disagreements": self.disagreements,
            "unrecorded": [
                {
                    "customerId": owner,
                    "exchangeId": exchange.exchange_id,
                    "partner": names.get(exchange.partner_href, exchange.partner_href),
                    "status": exchange.status,
                    "created": exchange.created,
                }
                for owner, exchange in self.result.unrecorded
            ],
            "missing": [_item(item) for item in self.result.missing],
            "removed": [_item(item) for item in self.result.removed],
            "unread": [{"customerId": owner, "errorCode": code} for owner, code in self.unread.items()],
            "countsByPartner": {
                partner: {"recorded": recorded, "atDwolla": listed}
                for partner, (recorded, listed) in sorted(self.result.counts.items())
            },
        }


def _item(item: RecordedExchange) -> dict[str, Any]:
    return {
        "eventId": item.event_id,
        "exchangeId": item.exchange_id,
        "customerId": item.customer_id,
        "partner": item.partner,
    }
