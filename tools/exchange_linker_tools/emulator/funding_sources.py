"""Bank funding sources made from exchanges: the request body's checks, and what the emulator remembers.

Only the exchange variant of Dwolla's ``CreateCustomerExchangeFundingSource`` is emulated (``_links.exchange``,
``bankAccountType`` checking|savings, ``name`` of at most 50 characters, optional
``_links.on-demand-authorization``); routing/account numbers, Plaid tokens, VANs and cards are refused
with a ValidationError that says so. One funding source per exchange: a second is a DuplicateResource.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from exchange_linker_tools.emulator.responses import embedded_error

BANK_ACCOUNT_TYPES = ("checking", "savings")
MAX_NAME_LENGTH = 50
_OTHER_VARIANTS = ("routingNumber", "accountNumber", "plaidToken", "cardToken", "type")


@dataclass(frozen=True)
class FundingSourceBody:
    exchange_href: str
    bank_account_type: str
    name: str
    on_demand_authorization: str | None


@dataclass(frozen=True)
class FundingSource:
    id: str
    location: str
    customer_id: str | None  # None: the account's own (POST /funding-sources)
    exchange_id: str
    name: str
    bank_account_type: str
    created: str
    idempotency_key: str | None
    on_demand_authorization: str | None = None


def parse_body(body: Any) -> FundingSourceBody | list[dict[str, Any]]:
    """The exchange variant, or the ``_embedded.errors`` entries that explain the refusal."""
    if not isinstance(body, dict):
        return [embedded_error("Invalid", "Request body must be a JSON object.", "")]
    errors: list[dict[str, Any]] = []
    links = body.get("_links")
    exchange = links.get("exchange") if isinstance(links, dict) else None
    href = exchange.get("href") if isinstance(exchange, dict) else None
    if href is None:
        others = [name for name in _OTHER_VARIANTS if name in body]
        message = (
            f"{', '.join(others)}: only funding sources from an exchange are emulated; _links.exchange is required."
            if others
            else "_links.exchange.href is required."
        )
        errors.append(embedded_error("Required", message, "/_links/exchange/href"))
    elif not isinstance(href, str):
        errors.append(embedded_error("Invalid", "Expected string.", "/_links/exchange/href"))
    oda = links.get("on-demand-authorization") if isinstance(links, dict) else None
    oda_href = oda.get("href") if isinstance(oda, dict) else None
    if oda is not None and not isinstance(oda_href, str):
        errors.append(embedded_error("Invalid", "Expected an href string.", "/_links/on-demand-authorization/href"))
    account_type = body.get("bankAccountType")
    if account_type is None:
        errors.append(embedded_error("Required", "bankAccountType is required.", "/bankAccountType"))
    elif account_type not in BANK_ACCOUNT_TYPES:
        errors.append(embedded_error("Invalid", "bankAccountType must be checking or savings.", "/bankAccountType"))
    name = body.get("name")
    if name is None:
        errors.append(embedded_error("Required", "name is required.", "/name"))
    elif not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
        errors.append(embedded_error("Invalid", f"name must be 1 to {MAX_NAME_LENGTH} characters.", "/name"))
    if errors:
        return errors
    return FundingSourceBody(str(href), str(account_type), str(name), oda_href if isinstance(oda_href, str) else None)


class FundingSourceStore:
    """Funding sources in creation order; creation is atomic with the one-per-exchange check."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sources: list[FundingSource] = []

    def create_unless_duplicate(self, source: FundingSource) -> tuple[FundingSource, bool]:
        """(the stored source, True) or (the existing one for that exchange, False)."""
        with self._lock:
            existing = next((s for s in self._sources if s.exchange_id == source.exchange_id), None)
            if existing is not None:
                return existing, False
            self._sources.append(source)
            return source, True

    def get(self, source_id: str) -> FundingSource | None:
        with self._lock:
            return next((s for s in self._sources if s.id == source_id), None)

    def all(self) -> list[FundingSource]:
        with self._lock:
            return list(self._sources)

    def clear(self) -> None:
        with self._lock:
            self._sources.clear()
