"""Reading exchanges at Dwolla: `GET /exchanges/{id}`, `GET /customers/{id}/exchanges`, `GET /exchanges`.

Only {base}/exchanges/{id} is ever fetched; a list is read whole (next links on this host, `total`
honoured, every self link on this host) or not at all, because reconciliation decides from what is
*not* listed. Every exchange comes back with its URL in the canonical spelling the table records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import requests

from exchange_linker.adapters.dwolla_answers import error_from, json_body
from exchange_linker.dwolla.exchange_request import exchange_path
from exchange_linker.dwolla.exchange_resource import ExchangeResource, parse_exchange, parse_exchange_page
from exchange_linker.errors import DwollaError

MAX_LIST_PAGES = 20


class ExchangeReads:
    """Uses DwollaHttpApi's `send` (timeouts, no redirects, error translation) and its Location check."""

    def __init__(
        self,
        base_url: str,
        send: Callable[..., requests.Response],
        exchange_id: Callable[[str], str | None],
    ) -> None:
        self._base_url = base_url
        self._send = send
        self._exchange_id = exchange_id

    def exchange(self, url: str, headers: Mapping[str, str]) -> ExchangeResource:
        """The exchange at `url`, which must be exactly {base}/exchanges/{id}: anything else is never fetched."""
        exchange_id = self._exchange_id(url)
        if exchange_id is None:
            raise DwollaError("ForeignExchangeUrl", "not an exchange URL of the configured Dwolla host", permanent=True)
        response = self._send("GET", f"/exchanges/{exchange_id}", headers=dict(headers))
        if response.status_code != 200:
            raise error_from(response)
        exchange = self._canonical(parse_exchange(json_body(response)), self_link_required=False)
        if exchange is None or exchange.exchange_id != exchange_id:
            raise DwollaError("UnexpectedResponse", "GET /exchanges/{id} answered another resource", permanent=False)
        return exchange

    def exchanges(self, customer_id: str | None, headers: Mapping[str, str]) -> list[ExchangeResource]:
        """Every exchange of the customer (or of the account itself), following `next` links on this host."""
        path: str | None = exchange_path(customer_id)
        found: list[ExchangeResource] = []
        for _ in range(MAX_LIST_PAGES):
            if path is None:
                return found
            page = parse_exchange_page(self._page(path, headers))
            listed = [self._canonical(exchange, self_link_required=True) for exchange in page.exchanges]
            if page.unreadable or None in listed:
                raise DwollaError("UnexpectedResponse", f"GET {path}: unreadable exchanges", permanent=False)
            found += [exchange for exchange in listed if exchange is not None]
            next_path = self._same_host_path(page.next_href) if page.next_href else None
            if page.next_href and next_path is None:
                raise DwollaError("UnexpectedResponse", f"GET {path}: a next link to another host", permanent=False)
            if next_path is None and page.total is not None and page.total > len(found):
                raise DwollaError("UnexpectedResponse", f"GET {path}: the list is incomplete", permanent=False)
            path = next_path
        raise DwollaError("UnexpectedResponse", f"more than {MAX_LIST_PAGES} pages of exchanges", permanent=False)

    def _page(self, path: str, headers: Mapping[str, str]) -> dict[str, Any]:
        response = self._send("GET", path, headers=dict(headers))
        if response.status_code != 200:
            raise error_from(response)
        return json_body(response)

    def _canonical(self, exchange: ExchangeResource | None, *, self_link_required: bool) -> ExchangeResource | None:
        """The exchange with its URL as {base}/exchanges/{id}; None unless its self link (if any) is exactly that."""
        if exchange is None or (exchange.url is None and self_link_required):
            return None
        if exchange.url is not None and self._exchange_id(exchange.url) != exchange.exchange_id:
            return None
        return replace(exchange, url=f"{self._base_url}/exchanges/{exchange.exchange_id}")

    def _same_host_path(self, href: str) -> str | None:
        return href[len(self._base_url) :] if href.startswith(self._base_url + "/") else None
