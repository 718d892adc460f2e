"""Creating an exchange at Dwolla: the API port, and the service that adds tokens, partners and pacing to it."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from exchange_linker.contracts.link_completed import LinkCompletedEvent, Partner
from exchange_linker.dwolla.classification import TOKEN_REJECTED_CODES
from exchange_linker.dwolla.exchange_request import ExchangeRequest, build_exchange_request
from exchange_linker.dwolla.exchange_resource import ExchangeResource
from exchange_linker.dwolla.funding_sources import (
    CreatedFundingSource,
    as_funding_source_error,
    build_funding_source_request,
)
from exchange_linker.dwolla.limiter import AdaptiveLimiter
from exchange_linker.dwolla.partners import PartnerDirectory
from exchange_linker.dwolla.tokens import AccessToken, TokenProvider
from exchange_linker.errors import DependencyError, DwollaError, NotAttemptedError
from exchange_linker.invocation import DEADLINE_EXCEEDED, Invocation
from exchange_linker.observability import Metric, count, record_latency

T = TypeVar("T")
TOO_MANY_REQUESTS = "TooManyRequests"
# Calls answered 429 are retried at once through the limiter (Dwolla did not look at them, so the same
# key and body are safe); after this many the record goes back to the queue, never to the DLQ.
RATE_LIMITED_ATTEMPTS = 3
PREREQUISITES = "token and exchange partners"


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

    def create_funding_source(self, request: ExchangeRequestLike, token: AccessToken) -> CreatedFundingSource:
        """A 201, or Dwolla's DuplicateResource naming the exchange's existing funding source."""
        ...

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
    """Creates and looks up exchanges within the invocation's time, at the pace Dwolla accepts.

    A failed prerequisite (token, partner lookup, Secrets Manager) is remembered for the rest of the
    invocation. A call Dwolla never looked at (429s, or no time left) raises NotAttemptedError.
    """

    def __init__(
        self,
        api: DwollaApi,
        tokens: TokenProvider,
        partners: PartnerDirectory | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        limiter: AdaptiveLimiter | None = None,
        invocation: Invocation | None = None,
    ) -> None:
        self._api = api
        self._tokens = tokens
        self._partners = partners or PartnerDirectory(
            lambda: self._authorized(self._api.exchange_partners), clock=clock
        )
        self._limiter = limiter or AdaptiveLimiter(10)
        self._invocation = invocation or Invocation(margin=0.0)

    def create(self, event: LinkCompletedEvent, key_generation: int) -> CreatedExchange:
        return self.send(self.prepare(event, key_generation))

    def prepare(self, event: LinkCompletedEvent, key_generation: int) -> ExchangeRequest:
        """The request, byte for byte, once the token and the partner are in hand."""
        return build_exchange_request(event, self.partner_href(event.partner), key_generation)

    def send(self, request: ExchangeRequest, before_sending: Callable[[], None] | None = None) -> CreatedExchange:
        """POST it. `before_sending` runs once, when Dwolla's pace lets the POST go and before it goes (the
        caller's write-ahead intent): a record deferred for time or pace never ran it; its error stops the POST."""
        pending = [before_sending] if before_sending is not None else []

        def post(token: AccessToken) -> CreatedExchange:
            while pending:
                pending.pop()()
            return self._api.create_exchange(request, token)

        started = time.perf_counter()
        try:
            return self._paced(post)
        finally:
            record_latency(Metric.DWOLLA_LATENCY, (time.perf_counter() - started) * 1000)

    def create_funding_source(
        self, event: LinkCompletedEvent, exchange_url: str, key_generation: int
    ) -> CreatedFundingSource:
        """The funding source from the recorded exchange; failures under FundingSource… codes (see classification)."""
        request = build_funding_source_request(event, exchange_url, key_generation)
        self._ready()  # a token's failure is the token's, not the funding source's
        try:
            return self._paced(lambda token: self._api.create_funding_source(request, token))
        except DependencyError as error:
            raise as_funding_source_error(error) from None

    def exchange_at(self, url: str) -> ExchangeResource:
        self._ready()
        return self._paced(lambda token: self._api.get_exchange(url, token))

    def exchanges_of(self, customer_id: str | None) -> list[ExchangeResource]:
        self._ready()
        return self._paced(lambda token: self._api.list_exchanges(customer_id, token))

    def partner_href(self, partner: Partner) -> str:
        href = self._ready(partner)
        assert href is not None
        return href

    def _ready(self, partner: Partner | None = None) -> str | None:
        """Time left, a token and the partner's href, or the failure remembered for this invocation."""
        self._invocation.check()
        remembered = self._invocation.recall(PREREQUISITES)
        if remembered is not None:
            raise _not_attempted_if_rate_limited(remembered)
        try:
            href = self._partners.href_for(partner) if partner is not None else None
            self._tokens.current()  # so that a token failure is remembered too, before any call
        except DependencyError as error:
            self._invocation.remember(PREREQUISITES, error)
            raise _not_attempted_if_rate_limited(error) from None
        return href

    def _paced(self, call: Callable[[AccessToken], T]) -> T:
        """A call through the limiter; a 429 is retried at once through it, RATE_LIMITED_ATTEMPTS times."""
        limited: DwollaError | None = None
        for _ in range(RATE_LIMITED_ATTEMPTS):
            permit = self._limiter.acquire(self._invocation.deadline())
            if permit is None:
                break
            refused: DwollaError | None = None
            try:
                return self._authorized(call)
            except DwollaError as error:
                if error.code != TOO_MANY_REQUESTS:
                    raise
                refused = limited = error
            finally:  # whatever happened, including errors that are not Dwolla's
                retry_after = refused.retry_after if refused is not None else None
                self._limiter.release(permit, rate_limited=refused is not None, retry_after=retry_after)
        if limited is None:
            raise NotAttemptedError(DEADLINE_EXCEEDED, "not started: no time left to wait for Dwolla's pace")
        raise _not_attempted_if_rate_limited(limited)

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


def _not_attempted_if_rate_limited(error: DependencyError) -> DependencyError:
    """A 429 anywhere (an exchange call, /token, /exchange-partners) means Dwolla did not look: no attempt."""
    if error.code != TOO_MANY_REQUESTS or isinstance(error, NotAttemptedError):
        return error
    return NotAttemptedError(TOO_MANY_REQUESTS, error.message, retry_after=error.retry_after)
