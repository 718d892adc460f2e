"""An exchange as Dwolla describes it (`GET /exchanges/{id}` and the list endpoints), read defensively.

Every field comes from an HTTP answer, so each is checked for its type and a missing one stays None:
verification and reconciliation then refuse to decide on what they cannot see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ExchangeResource:
    exchange_id: str
    url: str | None  # the `self` link
    partner_href: str | None
    customer_href: str | None  # Dwolla may leave the customer link out of GET /exchanges/{id}
    created: datetime | None
    status: str | None

    def customer_id(self) -> str | None:
        """The last path segment of the customer link, lower-cased (customer ids are UUIDs)."""
        return self.customer_href.rstrip("/").rpartition("/")[2].lower() if self.customer_href else None


def parse_exchange(body: Any) -> ExchangeResource | None:
    """None when the body is not an exchange at all (no string id)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("id"), str):
        return None
    links = body.get("_links")
    links = links if isinstance(links, Mapping) else {}
    return ExchangeResource(
        exchange_id=body["id"],
        url=_href(links, "self"),
        partner_href=_href(links, "exchange-partner"),
        customer_href=_href(links, "customer"),
        created=_timestamp(body.get("created")),
        status=body.get("status") if isinstance(body.get("status"), str) else None,
    )


@dataclass(frozen=True)
class ExchangePage:
    exchanges: list[ExchangeResource]
    total: int | None
    next_href: str | None
    unreadable: int  # entries that were not exchanges: the page cannot be trusted to be complete


def parse_exchange_page(body: Any) -> ExchangePage:
    body = body if isinstance(body, Mapping) else {}
    embedded = body.get("_embedded")
    listed = embedded.get("exchanges") if isinstance(embedded, Mapping) else None
    entries = listed if isinstance(listed, list) else []
    parsed = [parse_exchange(entry) for entry in entries]
    links = body.get("_links")
    total = body.get("total")
    return ExchangePage(
        exchanges=[exchange for exchange in parsed if exchange is not None],
        total=total if isinstance(total, int) and not isinstance(total, bool) else None,
        next_href=_href(links, "next") if isinstance(links, Mapping) else None,
        unreadable=sum(exchange is None for exchange in parsed) + (listed is None),
    )


def _href(links: Mapping[str, Any], relation: str) -> str | None:
    link = links.get(relation)
    href = link.get("href") if isinstance(link, Mapping) else None
    return href if isinstance(href, str) else None


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
