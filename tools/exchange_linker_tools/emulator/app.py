"""The WSGI application: routing, the Accept and bearer-token gates, and the read-only endpoints."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from exchange_linker_tools.emulator import responses
from exchange_linker_tools.emulator.exchange_post import create_exchange, is_known_customer
from exchange_linker_tools.emulator.hangs import hangable
from exchange_linker_tools.emulator.models import CreatedExchange, Partner
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
        Rule("/exchanges/<exchange_id>", methods=["GET"], endpoint="get_exchange"),
    ],
    strict_slashes=False,
)


class EmulatorApp:
    """Answers like api-sandbox.dwolla.com; every response gets a fresh X-Request-ID."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self._handlers: dict[str, Handler] = {
            "list_partners": self._list_partners,
            "get_partner": self._get_partner,
            "create_customer_exchange": self._create_customer_exchange,
            "list_customer_exchanges": self._list_customer_exchanges,
            "create_account_exchange": self._create_account_exchange,
            "get_exchange": self._get_exchange,
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = self._dispatch(Request(environ))
        response.headers["X-Request-ID"] = str(uuid.uuid4())
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        try:
            endpoint, args = _URLS.bind_to_environ(request.environ).match()
        except NotFound:
            return responses.not_found()
        except MethodNotAllowed:
            return responses.error(405, "MethodNotAllowed", "The request method is not supported here.")
        except HTTPException as exc:
            return responses.error(exc.code or 400, "BadRequest", exc.description or "Bad request.")
        self._state.hangs.hold(hangable(str(endpoint)))
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
        base = self._state.base_url
        return responses.hal(
            {
                "_links": {"self": {"href": f"{base}/exchange-partners"}},
                "_embedded": {"exchange-partners": [self._partner(p) for p in self._state.partners]},
                "total": len(self._state.partners),
            }
        )

    def _get_partner(self, request: Request, partner_id: str) -> Response:
        self._state.stats.incr("partner_lookups")
        partner = self._state.partner_by_id(partner_id)
        return responses.not_found() if partner is None else responses.hal(self._partner(partner))

    def _create_customer_exchange(self, request: Request, customer_id: str) -> Response:
        return create_exchange(self._state, request, customer_id)

    def _create_account_exchange(self, request: Request) -> Response:
        return create_exchange(self._state, request, None)

    def _list_customer_exchanges(self, request: Request, customer_id: str) -> Response:
        if not is_known_customer(customer_id):
            return responses.not_found()
        base = self._state.base_url
        found = [self._exchange(e) for e in self._state.exchanges() if e.customer_id == customer_id]
        return responses.hal(
            {
                "_links": {"self": {"href": f"{base}/customers/{customer_id}/exchanges"}},
                "_embedded": {"exchanges": found},
                "total": len(found),
            }
        )

    def _get_exchange(self, request: Request, exchange_id: str) -> Response:
        exchange = next((e for e in self._state.exchanges() if e.id == exchange_id), None)
        return responses.not_found() if exchange is None else responses.hal(self._exchange(exchange))

    def _partner(self, partner: Partner) -> dict[str, Any]:
        return {
            "_links": {"self": {"href": partner.href(self._state.base_url)}},
            "id": partner.id,
            "name": partner.name,
            "status": "active",
            "created": partner.created,
        }

    def _exchange(self, exchange: CreatedExchange) -> dict[str, Any]:
        base = self._state.base_url
        partner = next(p for p in self._state.partners if p.name == exchange.partner)
        links: dict[str, Any] = {
            "self": {"href": exchange.location},
            "exchange-partner": {"href": partner.href(base)},
        }
        if exchange.customer_id is not None:
            links["customer"] = {"href": f"{base}/customers/{exchange.customer_id}"}
        return {"_links": links, "id": exchange.id, "status": "active", "created": exchange.created}


def _accepts_hal(accept: str) -> bool:
    """Only the explicit versioned media type counts; ``*/*`` (the requests default) does not."""
    return any(part.split(";")[0].strip().lower() == responses.HAL_JSON for part in accept.split(","))
