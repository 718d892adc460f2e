"""Operator endpoints under ``/_emulator/``: control a running emulator from another process.

No bearer token and no versioned Accept header: these are not Dwolla's API. They are exempt from
the rate limit and the hangs, and answer only callers on loopback (the server binds nowhere else).
Each group of endpoints lives in its own module and contributes ``(rule, handler)`` pairs here.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from exchange_linker_tools.emulator.admin_http import AdminError, bad_request, failure, field, json_object, ok
from exchange_linker_tools.emulator.models import CreatedExchange
from exchange_linker_tools.emulator.state import EmulatorState

ADMIN_PREFIX = "/_emulator"

Handler = Callable[..., Response]
Route = tuple[Rule, Handler]


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def exchange_json(exchange: CreatedExchange) -> dict[str, Any]:
    """Everything the emulator remembers about an exchange (a credential fingerprint, never the credential)."""
    return {
        "id": exchange.id,
        "location": exchange.location,
        "status": exchange.status,
        "customerId": exchange.customer_id,
        "partner": exchange.partner,
        "kind": exchange.kind,
        "credentialFingerprint": exchange.credential_fingerprint,
        "idempotencyKey": exchange.idempotency_key,
        "created": exchange.created,
    }


def _core_routes(state: EmulatorState) -> list[Route]:
    def list_exchanges(request: Request) -> Response:
        exchanges = [exchange_json(e) for e in state.exchanges()]
        return ok({"exchanges": exchanges, "total": len(exchanges)})

    def get_exchange(request: Request, exchange_id: str) -> Response:
        found = next((e for e in state.exchanges() if e.id == exchange_id), None)
        if found is None:
            raise AdminError(404, "NotFound", f"No exchange {exchange_id}.")
        return ok(exchange_json(found))

    def set_status(request: Request, exchange_id: str) -> Response:
        """``{"status": "removed"}`` (or ``deactivated``, ``active``)."""
        status = field(json_object(request), "status", str, required=True)
        try:
            return ok(exchange_json(state.set_exchange_status(exchange_id, status)))
        except KeyError as exc:
            raise AdminError(404, "NotFound", f"No exchange {exchange_id}.") from exc
        except ValueError as exc:
            raise bad_request(str(exc)) from exc

    def list_funding_sources(request: Request) -> Response:
        sources = [
            {
                "id": s.id,
                "location": s.location,
                "customerId": s.customer_id,
                "exchangeId": s.exchange_id,
                "name": s.name,
                "bankAccountType": s.bank_account_type,
                "idempotencyKey": s.idempotency_key,
                "created": s.created,
            }
            for s in state.funding_sources.all()
        ]
        return ok({"fundingSources": sources, "total": len(sources)})

    def forget_keys(request: Request, key: str | None = None) -> Response:
        return ok({"forgotten": state.idempotency.forget(key)})

    def stats(request: Request) -> Response:
        return ok(dataclasses.asdict(state.stats.snapshot()))

    def reset(request: Request) -> Response:
        state.reset()
        return ok({"reset": True})

    p = ADMIN_PREFIX
    return [
        (Rule(f"{p}/exchanges", methods=["GET"]), list_exchanges),
        (Rule(f"{p}/exchanges/<exchange_id>", methods=["GET"]), get_exchange),
        (Rule(f"{p}/exchanges/<exchange_id>/status", methods=["POST", "PUT"]), set_status),
        (Rule(f"{p}/funding-sources", methods=["GET"]), list_funding_sources),
        (Rule(f"{p}/idempotency-keys", methods=["DELETE"]), forget_keys),
        (Rule(f"{p}/idempotency-keys/<path:key>", methods=["DELETE"]), forget_keys),
        (Rule(f"{p}/stats", methods=["GET"]), stats),
        (Rule(f"{p}/reset", methods=["POST"]), reset),
    ]


class AdminApp:
    """Routes ``/_emulator/...`` requests; every answer is plain JSON."""

    def __init__(self, state: EmulatorState, extra: Iterable[Callable[[EmulatorState], list[Route]]] = ()) -> None:
        routes = _core_routes(state)
        for contribute in extra:
            routes.extend(contribute(state))
        self._handlers: dict[str, Handler] = {}
        rules = []
        for index, (rule, handler) in enumerate(routes):
            rule.endpoint = str(index)
            self._handlers[str(index)] = handler
            rules.append(rule)
        self._urls = Map(rules, strict_slashes=False)

    def __call__(self, request: Request) -> Response:
        if not _from_loopback(request.remote_addr):
            return failure(AdminError(403, "Forbidden", "The emulator's controls answer loopback callers only."))
        try:
            endpoint, args = self._urls.bind_to_environ(request.environ).match()
        except NotFound:
            return failure(AdminError(404, "NotFound", f"No emulator control at {request.path}."))
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or []))
            return failure(AdminError(405, "MethodNotAllowed", f"{request.method} not allowed; use {allowed}."))
        except HTTPException as exc:
            return failure(AdminError(exc.code or 400, "BadRequest", exc.description or "Bad request."))
        try:
            return self._handlers[str(endpoint)](request, **args)
        except AdminError as error:
            return failure(error)


def _from_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False
