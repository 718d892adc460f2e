"""Dwolla over HTTPS with one pooled requests.Session, explicit timeouts and no redirects.

Every failure becomes a DwollaError whose code comes from Dwolla's body when there is one; nothing
here ever puts a token, a credential or a request body into a message. Every call's timeouts are cut to
the invocation's deadline, and a call is not started at all when too little time is left.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from exchange_linker.adapters.dwolla_answers import error_from, json_body, request_id
from exchange_linker.adapters.dwolla_funding_sources import funding_source_from
from exchange_linker.adapters.dwolla_reads import ExchangeReads
from exchange_linker.adapters.secrets_manager import ClientCredentials
from exchange_linker.dwolla.exchange_request import HAL_JSON
from exchange_linker.dwolla.exchange_resource import ExchangeResource
from exchange_linker.dwolla.exchanges import CreatedExchange, ExchangeRequestLike
from exchange_linker.dwolla.funding_sources import CreatedFundingSource
from exchange_linker.dwolla.tokens import AccessToken
from exchange_linker.errors import ConfigurationError, DwollaError
from exchange_linker.invocation import Invocation
from exchange_linker.observability import Metric, count
from exchange_linker.settings import validate_base_url

USER_AGENT = "exchange-linker/0.1"
# scheme://host[:port]/exchanges/{id}: a DNS name, IPv4 or bracketed IPv6 host; no user info, escapes or dots
# at the end of the host, so the normalised origin is the whole of what Dwolla sent before the path.
_LOCATION = re.compile(
    r"(?P<origin>[A-Za-z][A-Za-z0-9+.-]*://(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?)"
    r"/exchanges/(?P<id>[A-Za-z0-9-]{1,64})"
)
_FUNDING_SOURCE_LOCATION = re.compile(_LOCATION.pattern.replace("/exchanges/", "/funding-sources/"))


def pooled_session(pool_size: int) -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


class DwollaHttpApi:
    """The DwollaApi port over HTTPS; the exchange reads (GET /exchanges/…) are in dwolla_reads.py."""

    def __init__(
        self,
        base_url: str,
        credentials: Callable[..., ClientCredentials],
        *,
        session: requests.Session,
        timeout: tuple[float, float] = (3.05, 10.0),
        clock: Callable[[], float] = time.time,
        invocation: Invocation | None = None,
        pace: Callable[[], object] | None = None,
    ) -> None:
        """`pace` is called before every request (a fixed request rate, for the reconciliation's reads)."""
        self._base_url = validate_base_url(base_url)  # one canonical spelling, checked again here
        self._credentials = credentials
        self._session = session
        self._timeout = timeout
        self._clock = clock
        self._reads = ExchangeReads(self._base_url, self._send, self._exchange_id)
        self._invocation = invocation or Invocation(margin=0.0)
        self._refused = False  # Dwolla refused the last credentials: read them afresh next time
        self._pace = pace

    def issue_token(self) -> AccessToken:
        credentials = self._credentials(fresh=True) if self._refused else self._credentials()
        response = self._send(
            "POST",
            "/token",
            data={"grant_type": "client_credentials"},
            auth=(credentials.key, credentials.secret),
            headers={"Accept": "application/json"},
        )
        count(Metric.TOKENS_ISSUED)
        self._refused = response.status_code == 401 and json_body(response).get("error") == "invalid_client"
        if self._refused:
            raise DwollaError(
                "InvalidClientCredentials",
                "Dwolla refused the client key/secret in the credentials secret",
                permanent=False,
                status=401,
                request_id=request_id(response),
            )
        if response.status_code != 200:
            raise error_from(response)
        body = json_body(response)
        value, lifetime = body.get("access_token"), body.get("expires_in")
        token_type = str(body.get("token_type", "bearer"))
        if not (isinstance(value, str) and value and isinstance(lifetime, int) and token_type.lower() == "bearer"):
            message = "POST /token answered without a usable bearer token"
            raise DwollaError("UnexpectedResponse", message, permanent=False)
        return AccessToken(value=value, expires_at=self._clock() + lifetime)

    def exchange_partners(self, token: AccessToken) -> Mapping[str, str]:
        response = self._send("GET", "/exchange-partners", headers=self._headers(token))
        count(Metric.PARTNER_LOOKUPS)
        if response.status_code != 200:
            raise error_from(response)
        listed = json_body(response).get("_embedded", {}).get("exchange-partners", [])
        hrefs: dict[str, str] = {}
        for partner in listed if isinstance(listed, list) else []:
            name = partner.get("name") if isinstance(partner, dict) else None
            href = partner.get("_links", {}).get("self", {}).get("href") if isinstance(partner, dict) else None
            if isinstance(name, str) and isinstance(href, str):
                hrefs[name] = href
        return hrefs

    def create_exchange(self, request: ExchangeRequestLike, token: AccessToken) -> CreatedExchange:
        headers = self._headers(token) | {"Content-Type": HAL_JSON, "Idempotency-Key": request.idempotency_key}
        response = self._send("POST", request.path, data=request.body, headers=headers)
        if response.status_code != 201:
            raise error_from(response, posted=True)
        location = response.headers.get("Location", "")
        exchange_id = self._exchange_id(location)
        if exchange_id is None:
            # Created or not, we cannot trust the answer: retry with the same key and let Dwolla de-duplicate.
            raise DwollaError(
                "UnexpectedLocation",
                "Dwolla answered 201 without an exchange Location on the configured host",
                permanent=False,
                status=201,
                request_id=request_id(response),
                exchange_may_exist=True,
            )
        url = f"{self._base_url}/exchanges/{exchange_id}"  # stored in the canonical spelling
        return CreatedExchange(url=url, exchange_id=exchange_id, request_id=request_id(response))

    def create_funding_source(self, request: ExchangeRequestLike, token: AccessToken) -> CreatedFundingSource:
        """201 with a Location, or 400 DuplicateResource whose `_links.about` names the existing one: both success."""
        headers = self._headers(token) | {"Content-Type": HAL_JSON, "Idempotency-Key": request.idempotency_key}
        response = self._send("POST", request.path, data=request.body, headers=headers)
        source_id = functools.partial(self._resource_id, pattern=_FUNDING_SOURCE_LOCATION)
        return funding_source_from(response, source_id, self._base_url)

    def get_exchange(self, url: str, token: AccessToken) -> ExchangeResource:
        return self._reads.exchange(url, self._headers(token))

    def list_exchanges(self, customer_id: str | None, token: AccessToken) -> list[ExchangeResource]:
        return self._reads.exchanges(customer_id, self._headers(token))

    def _exchange_id(self, location: str) -> str | None:
        """The id when `location` is exactly {our base}/exchanges/{id}, the base in any equivalent spelling.

        The origin is normalised the way DWOLLA_API_URL was (scheme and host case, default port); the
        strict pattern keeps every character a URL parser could drop or reinterpret out.
        """
        return self._resource_id(location, _LOCATION)

    def _resource_id(self, location: str, pattern: re.Pattern[str]) -> str | None:
        match = pattern.fullmatch(location)
        if match is None:
            return None
        try:
            origin = validate_base_url(match.group("origin"))
        except ConfigurationError:
            return None
        return match.group("id") if origin == self._base_url else None

    def _headers(self, token: AccessToken) -> dict[str, str]:
        return {"Accept": HAL_JSON, "Authorization": f"Bearer {token.value}"}

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Unanswered, only an exchange POST may have created something (a read or /token cannot)."""
        creating = method == "POST" and path.endswith("/exchanges")  # a funding source is unique per exchange
        if self._pace is not None:
            self._pace()
        timeout = self._invocation.timeouts(*self._timeout)  # NotAttemptedError: not started, out of time
        try:
            return self._session.request(
                method, self._base_url + path, timeout=timeout, allow_redirects=False, **kwargs
            )
        except requests.ConnectTimeout:
            message = f"{method} {path}: could not connect in time"
            raise DwollaError("ConnectTimeout", message, permanent=False) from None
        except requests.Timeout:
            message = f"{method} {path}: no answer in time"
            raise DwollaError("Timeout", message, permanent=False, exchange_may_exist=creating) from None
        except requests.ConnectionError:
            message = f"{method} {path}: connection failed"
            raise DwollaError("ConnectionError", message, permanent=False, exchange_may_exist=creating) from None
        except requests.RequestException as error:
            raise DwollaError("HttpError", f"{method} {path}: {type(error).__name__}", permanent=False) from None
