"""Creating an exchange at Dwolla: the API port, and the service that adds tokens and partners to it."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from exchange_linker.contracts.link_completed import LinkCompletedEvent, Partner
from exchange_linker.dwolla.classification import TOKEN_REJECTED_CODES
from exchange_linker.dwolla.exchange_request import build_exchange_request
from exchange_linker.dwolla.exchange_resource import ExchangeResource
from exchange_linker.dwolla.partners import PartnerDirectory
from exchange_linker.dwolla.tokens import AccessToken, TokenProvider
from exchange_linker.errors import DwollaError
from exchange_linker.observability import Metric, count, record_latency

T = TypeVar("T")
# After a 429 the container pauses its Dwolla calls this long (Dwolla's penalty lasts about 5 minutes;
# the affected messages themselves wait that long, see backoff.py, so a pause this short only probes).
COOL_DOWN_SECONDS = 60.0


@dataclass(frozen=True)
class CreatedExchange:
    url: str
    exchange_id: str
    request_id: str | None


class DwollaApi(Protocol):
    """The HTTP calls this service makes. Implementations raise DwollaError for every failure."""

    def issue_token(self) -> AccessToken: ...

    def exchange_partners(self, token: AccessToken) -> Mapping[str, str]: ...

    def create_exchange(self, request: ExchangeRequestLike, token: AccessToken) -> CreatedExchange: ...

    def get_exchange(self, url: str, token: AccessToken) -> ExchangeResource:
        """Raises a permanent DwollaError (ForeignExchangeUrl) for a URL off the configured host."""
        ...

    def list_exchanges(self, customer_id: str | None, token: AccessToken) -> list[ExchangeResource]:
        """All of the customer's exchanges, or the account's own when `customer_id` is None."""
        ...


class ExchangeRequestLike(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def idempotency_key(self) -> str: ...
    @property
    def body(self) -> bytes: ...


class ExchangeService:
    """Creates and looks up exchanges; after a 429 the whole container stops calling Dwolla for a while."""

    def __init__(
        self,
        api: DwollaApi,
        tokens: TokenProvider,
        partners: PartnerDirectory | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api = api
        self._tokens = tokens
        self._partners = partners or PartnerDirectory(
            lambda: self._authorized(self._api.exchange_partners), clock=clock
        )
        self._clock = clock
        self._quiet_until = 0.0

    def create(self, event: LinkCompletedEvent, key_generation: int) -> CreatedExchange:
        self._respect_rate_limit()
        request = build_exchange_request(event, self._partners.href_for(event.partner), key_generation)
        started = time.perf_counter()
        try:
            return self._call(lambda token: self._api.create_exchange(request, token))
        finally:
            record_latency(Metric.DWOLLA_LATENCY, (time.perf_counter() - started) * 1000)

    def exchange_at(self, url: str) -> ExchangeResource:
        return self._call(lambda token: self._api.get_exchange(url, token))

    def exchanges_of(self, customer_id: str | None) -> list[ExchangeResource]:
        return self._call(lambda token: self._api.list_exchanges(customer_id, token))

    def partner_href(self, partner: Partner) -> str:
        return self._partners.href_for(partner)

    def _call(self, call: Callable[[AccessToken], T]) -> T:
        """Any call to Dwolla: none during the pause after a 429, and a 429 starts one."""
        self._respect_rate_limit()
        try:
            return self._authorized(call)
        except DwollaError as error:
            if error.code == "TooManyRequests":
                self._quiet_until = self._clock() + max(error.retry_after or 0.0, COOL_DOWN_SECONDS)
                count(Metric.RATE_LIMIT_COOL_DOWNS)
            raise

    def _respect_rate_limit(self) -> None:
        remaining = self._quiet_until - self._clock()
        if remaining > 0:
            raise DwollaError(
                "TooManyRequests",
                f"not calling Dwolla for another {remaining:.0f} s after a 429",
                permanent=False,
                retry_after=remaining,
            )

    def _authorized(self, call: Callable[[AccessToken], T]) -> T:
        """Call with the current token; if Dwolla refuses it, once with the shared one, then with a new one."""
        token = self._tokens.current()
        for attempt in range(3):
            try:
                return call(token)
            except DwollaError as error:
                if error.code not in TOKEN_REJECTED_CODES or attempt == 2:
                    raise
                count(Metric.TOKEN_REJECTED)
                token = self._tokens.replace(token, issue=attempt == 1)
        raise AssertionError("unreachable")  # pragma: no cover
