"""HAL bodies for exchanges and exchange partners, shaped like the official OpenAPI examples.

Every link carries ``type`` and ``resource-type`` as Dwolla's do. Lists are newest first, as in the
documented ``GET /exchanges`` example; the official schema has no paging parameters for them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from exchange_linker_tools.emulator.funding_sources import FundingSource
from exchange_linker_tools.emulator.models import CreatedExchange, Partner
from exchange_linker_tools.emulator.responses import HAL_JSON


def link(href: str, resource_type: str) -> dict[str, str]:
    return {"href": href, "type": HAL_JSON, "resource-type": resource_type}


def partner_body(partner: Partner, base_url: str, *, single: bool = False) -> dict[str, Any]:
    """``single`` adds the ``funding-source`` link that only ``GET /exchange-partners/{id}`` documents."""
    links = {"self": link(partner.href(base_url), "exchange-partner")}
    if single:
        links["funding-source"] = link(f"{base_url}/funding-sources", "funding-source")
    return {"_links": links, "id": partner.id, "name": partner.name, "status": "active", "created": partner.created}


def partner_list(partners: Iterable[Partner], base_url: str) -> dict[str, Any]:
    items = [partner_body(p, base_url) for p in partners]
    return {
        "_links": {"self": link(f"{base_url}/exchange-partners", "exchange-partner")},
        "_embedded": {"exchange-partners": items},
        "total": len(items),
    }


def exchange_body(exchange: CreatedExchange, partner: Partner, base_url: str, account_id: str) -> dict[str, Any]:
    """One Exchange: a customer's links to its customer and funding sources, an account's to the account."""
    links = {
        "self": link(exchange.location, "exchange"),
        "exchange-partner": link(partner.href(base_url), "exchange-partner"),
    }
    if exchange.customer_id is None:
        links["account"] = link(f"{base_url}/accounts/{account_id}", "account")
    else:
        links["funding-sources"] = link(f"{base_url}/funding-sources", "funding-source")
        links["customer"] = link(f"{base_url}/customers/{exchange.customer_id}", "customer")
    return {"_links": links, "id": exchange.id, "status": exchange.status, "created": exchange.created}


def exchange_list(
    bodies: list[dict[str, Any]], base_url: str, *, total: int | None = None, next_href: str | None = None
) -> dict[str, Any]:
    """``bodies`` newest first. The self link is ``/exchanges`` for both lists, as both official examples show;
    a page of a paged list (``total`` of them all) links the ``next`` one."""
    links = {"self": link(f"{base_url}/exchanges", "exchange")}
    if next_href:
        links["next"] = link(next_href, "exchange")
    return {"_links": links, "_embedded": {"exchanges": bodies}, "total": len(bodies) if total is None else total}


def funding_source_body(
    source: FundingSource, exchange_location: str, base_url: str, account_id: str
) -> dict[str, Any]:
    """A verified bank funding source, as the official FundingSource example shows one made by IAV."""
    links = {
        "self": link(source.location, "funding-source"),
        "exchange": link(exchange_location, "exchange"),
        "remove": link(source.location, "funding-source"),
    }
    if source.customer_id is None:
        links["account"] = link(f"{base_url}/accounts/{account_id}", "account")
    else:
        links["customer"] = link(f"{base_url}/customers/{source.customer_id}", "customer")
    return {
        "_links": links,
        "id": source.id,
        "status": "verified",
        "type": "bank",
        "bankAccountType": source.bank_account_type,
        "name": source.name,
        "created": source.created,
        "removed": False,
        "channels": ["ach"],
        "bankName": "SANDBOX TEST BANK",
        "fingerprint": hashlib.sha256(f"{source.exchange_id}".encode()).hexdigest(),
    }
