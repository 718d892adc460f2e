"""Dwolla and the token secret in memory, for the processor's and the exchange service's unit tests."""

from __future__ import annotations

from collections.abc import Mapping

from exchange_linker.dwolla.exchange_resource import ExchangeResource
from exchange_linker.dwolla.exchanges import CreatedExchange, ExchangeRequestLike
from exchange_linker.dwolla.fingerprint import Fingerprinter
from exchange_linker.dwolla.funding_sources import CreatedFundingSource
from exchange_linker.dwolla.tokens import AccessToken
from exchange_linker.errors import DwollaError

TEST_FINGERPRINTS = Fingerprinter(lambda: b"unit-test-fingerprint-key-32-bytes!")
PARTNERS = {"Plaid": "https://dwolla.test/exchange-partners/p", "MX": "https://dwolla.test/exchange-partners/m"}


class FakeDwolla:
    """exchanges.DwollaApi: every POST creates exchange x1 unless `failures` holds errors to raise first, one
    a POST. `keys` is every Idempotency-Key POSTed; `listed` the exchanges Dwolla's lists and GETs know.
    Funding sources likewise: `funding_failures` first, `funding_keys` every key, else funding source f1."""

    def __init__(self) -> None:
        self.failures: list[Exception] = []
        self.keys: list[str] = []
        self.listed: list[ExchangeResource] = []
        self.funding_failures: list[Exception] = []
        self.funding_keys: list[str] = []

    def issue_token(self) -> AccessToken:
        return AccessToken("token", expires_at=4_000_000_000)

    def exchange_partners(self, token: AccessToken) -> Mapping[str, str]:
        return dict(PARTNERS)

    def create_exchange(self, request: ExchangeRequestLike, token: AccessToken) -> CreatedExchange:
        self.keys.append(request.idempotency_key)
        if self.failures:
            raise self.failures.pop(0)
        return CreatedExchange(url="https://dwolla.test/exchanges/x1", exchange_id="x1", request_id="r1")

    def create_funding_source(self, request: ExchangeRequestLike, token: AccessToken) -> CreatedFundingSource:
        self.funding_keys.append(request.idempotency_key)
        if self.funding_failures:
            raise self.funding_failures.pop(0)
        return CreatedFundingSource("https://dwolla.test/funding-sources/f1", "f1", "r2")

    def get_exchange(self, url: str, token: AccessToken) -> ExchangeResource:
        for exchange in self.listed:
            if exchange.url == url:
                return exchange
        raise DwollaError("NotFound", "The requested resource was not found.", permanent=True, status=404)

    def list_exchanges(self, customer_id: str | None, token: AccessToken) -> list[ExchangeResource]:
        return [exchange for exchange in self.listed if exchange.customer_id() == customer_id]


class MemoryTokens:
    """tokens.TokenStore with nothing stored: every container issues its own token."""

    def load(self, *, fresh: bool) -> AccessToken | None:
        return None

    def save(self, token: AccessToken) -> None:
        pass
