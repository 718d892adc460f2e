"""The WSGI application: routing, the rate limit and hangs, the Accept and bearer-token gates, the reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from exchange_linker_tools.emulator import admin_faults, admin_traffic, representations, responses
from exchange_linker_tools.emulator.admin import AdminApp, is_admin_path
from exchange_linker_tools.emulator.exchange_post import create_exchange, is_known_customer
from exchange_linker_tools.emulator.funding_source_post import create_funding_source, get_funding_source
from exchange_linker_tools.emulator.hangs import HangEndpoint
from exchange_linker_tools.emulator.models import CreatedExchange
from exchange_linker_tools.emulator.rate_limit import retry_after_header
from exchange_linker_tools.emulator.state import EmulatorState
from exchange_linker_tools.emulator.token_endpoint import issue_token
from exchange_linker_tools.emulator.tokens import TokenStatus

Handler = Callable[..., Response]

_URLS = Map(
    [
        Rule("/token", methods=["POST"], endpoint="token"),
        Rule("/exchange-partners", methods=["GET"], endpoint="list_partners"),
        Rule("/exchange-partners/<partner_id>", methods=["GET"], endpoint="get_partner"),
        Rule("/customers/<customer_id>/exchanges", methods=["POST"], endpoint="create_customer_exchange"),
        Rule("/customers/<customer_id>/exchanges", methods=["GET"], endpoint="list_customer_exchanges"),
        Rule("/exchanges", methods=["POST"], endpoint="create_account_exchange"),
        Rule("/exchanges", methods=["GET"], endpoint="list_account_exchanges"),
        Rule("/exchanges/<exchange_id>", methods=["GET"], endpoint="get_exchange"),
        Rule("/customers/<customer_id>/funding-sources", methods=["POST"], endpoint="create_customer_funding_source"),
        Rule("/funding-sources", methods=["POST"], endpoint="create_account_funding_source"),
        Rule("/funding-sources/<source_id>", methods=["GET"], endpoint="get_funding_source"),
    ],
    strict_slashes=False,
)

_HANG_TARGETS: dict[str, HangEndpoint] = {
    "token": "token",
    "list_partners": "exchange-partners",
    "get_partner": "exchange-partners",
    "create_customer_exchange": "exchange-post",
    "create_account_exchange": "exchange-post",
    "list_customer_exchanges": "exchange-get",
    "list_account_exchanges": "exchange-get",
    "get_exchange": "exchange-get",
    "create_customer_funding_source": "funding-sources",
    "create_account_funding_source": "funding-sources",
    "get_funding_source": "funding-sources",
}


class EmulatorApp:
    """Answers like api-sandbox.dwolla.com; every response gets a fresh X-Request-ID."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self._admin = AdminApp(state, extra=[admin_faults.routes, admin_traffic.routes])
        self._handlers: dict[str, Handler] = {
            "list_partners": self._list_partners,
            "get_partner": self._get_partner,
            "create_customer_exchange": self._create_customer_exchange,
            "list_customer_exchanges": self._list_customer_exchanges,
            "create_account_exchange": self._create_account_exchange,
            "list_account_exchanges": self._list_account_exchanges,
            "get_exchange": self._get_exchange,
            "create_customer_funding_source": lambda r, customer_id: create_funding_source(state, r, customer_id),
            "create_account_funding_source": lambda r: create_funding_source(state, r, None),
            "get_funding_source": lambda r, source_id: get_funding_source(state, source_id),
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = self._dispatch(Request(environ))
        response.headers["X-Request-ID"] = str(uuid.uuid4())
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        if is_admin_path(request.path):
            return self._admin(request)
        wait = self._state.rate_limit.take()  # the whole API, before anything else, as at Dwolla's edge
        if wait is not None:
            self._state.stats.incr("rate_limited")
            return responses.too_many_requests(retry_after_header(wait))
        try:
            endpoint, args = _URLS.bind_to_environ(request.environ).match()
        except NotFound:
            return responses.not_found()
        except MethodNotAllowed:
            return responses.error(405, "MethodNotAllowed", "The request method is not supported here.")
        except HTTPException as exc:
            return responses.error(exc.code or 400, "BadRequest", exc.description or "Bad request.")
        hang_target = _HANG_TARGETS.get(str(endpoint))
        if hang_target is not None and self._state.hangs.is_hanging(hang_target):
            with self._state.stats.hanging(hang_target):
                if not self._state.hangs.hold(hang_target):
                    return responses.unavailable_html()  # the emulator is stopping: answer, don't process
        if endpoint == "token":
            return issue_token(self._state, request)
        refusal = self._gate(request)
        if refusal is not None:
            return refusal
        return self._handlers[str(endpoint)](request, **args)

    def _gate(self, request: Request) -> Response | None:
        """Dwolla checks the API version (Accept) first, then the bearer token."""
        if not _accepts_hal(request.headers.get("Accept", "")):
            return responses.error(406, "InvalidVersion", "Missing or invalid API version.")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        status = self._state.tokens.check(token.strip() if scheme.lower() == "bearer" else None)
        if status is TokenStatus.VALID:
            return None
        self._state.stats.incr("auth_failures")
        if status is TokenStatus.EXPIRED:
            return responses.error(401, "ExpiredAccessToken", "Expired access token.")
        return responses.error(401, "InvalidAccessToken", "Invalid access token.")

    def _list_partners(self, request: Request) -> Response:
        self._state.stats.incr("partner_lookups")
        return responses.hal(representations.partner_list(self._state.partners, self._state.base_url))

    def _get_partner(self, request: Request, partner_id: str) -> Response:
        self._state.stats.incr("partner_lookups")
        partner = self._state.partner_by_id(partner_id)
        if partner is None:
            return responses.not_found()
        return responses.hal(representations.partner_body(partner, self._state.base_url, single=True))

    def _create_customer_exchange(self, request: Request, customer_id: str) -> Response:
        return create_exchange(self._state, request, customer_id)

    def _create_account_exchange(self, request: Request) -> Response:
        return create_exchange(self._state, request, None)

    def _list_customer_exchanges(self, request: Request, customer_id: str) -> Response:
        self._state.stats.incr("exchange_reads")
        if not is_known_customer(customer_id):
            return responses.error(404, "NotFound", "Customer ID not found. Check Customer ID.")
        return self._exchange_list(request, lambda e: e.customer_id == customer_id)

    def _list_account_exchanges(self, request: Request) -> Response:
        """The account's own exchanges: those created with POST /exchanges."""
        self._state.stats.incr("exchange_reads")
        return self._exchange_list(request, lambda e: e.customer_id is None)

    def _get_exchange(self, request: Request, exchange_id: str) -> Response:
        self._state.stats.incr("exchange_reads")
        exchange = next((e for e in self._state.exchanges() if e.id == exchange_id), None)
        if exchange is None:
            return responses.error(404, "NotFound", "The requested resource was not found. Check Exchange ID.")
        return responses.hal(self._exchange(exchange))

    def _exchange_list(self, request: Request, wanted: Callable[[CreatedExchange], bool]) -> Response:
        newest_first = [self._exchange(e) for e in reversed(self._state.exchanges()) if wanted(e)]
        size = self._state.list_page_size
        if size is None:
            return responses.hal(representations.exchange_list(newest_first, self._state.base_url))
        offset = max(0, request.args.get("offset", 0, type=int) or 0)
        limit = min(size, max(1, request.args.get("limit", size, type=int) or size))
        next_href = None
        if offset + limit < len(newest_first):
            next_href = (
                f"{self._state.public_url or self._state.base_url}{request.path}?limit={limit}&offset={offset + limit}"
            )
        page = newest_first[offset : offset + limit]
        return responses.hal(
            representations.exchange_list(page, self._state.base_url, total=len(newest_first), next_href=next_href)
        )

    def _exchange(self, exchange: CreatedExchange) -> dict[str, Any]:
        partner = next(p for p in self._state.partners if p.name == exchange.partner)
        return representations.exchange_body(exchange, partner, self._state.base_url, self._state.account_id)


def _accepts_hal(accept: str) -> bool:
    """Only the explicit versioned media type counts; ``*/*`` (the requests default) does not."""
    return any(part.split(";")[0].strip().lower() == responses.HAL_JSON for part in accept.split(","))
