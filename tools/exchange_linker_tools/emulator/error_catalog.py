"""The Dwolla errors an exchange POST can answer, by code: one place for their statuses and bodies.

Used by the scripted credentials (scripted.py) and by the operator's fault rules (fault_rules.py), so
an error looks the same whichever way it was asked for. Statuses: the first is the default; a code
documented with two statuses (InvalidExchangeToken: 400 in the docs, 401 in the spec) allows both.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.wrappers import Response

from exchange_linker_tools.emulator import responses

INVALID_CREDENTIAL_MESSAGE = (
    "The exchange token is not valid to perform this operation. Either the token is expired or invalid, "
    "or the products permissions to the token are invalid or expired."
)
_SCOPE_MESSAGE = (
    "The scopes for creating an exchange resource for {} is not enabled for this application. "
    "Reach out to Dwolla for more information."
)
_REAUTH_MESSAGE = "The user must re-authenticate with the exchange partner before an exchange can be created."


@dataclass(frozen=True)
class ErrorContext:
    base_url: str
    account: bool  # POST /exchanges rather than POST /customers/{id}/exchanges


Builder = Callable[[int, ErrorContext], Response]


@dataclass(frozen=True)
class DwollaError:
    code: str
    statuses: tuple[int, ...]  # the first is the default
    build: Builder


def scope_message(account: bool) -> str:
    return _SCOPE_MESSAGE.format("an account" if account else "a customer")


def _fixed(code: str, message: str) -> Builder:
    return lambda status, context: responses.error(status, code, message)


def _update_credentials(status: int, context: ErrorContext) -> Response:
    about = {"href": f"{context.base_url}/exchange-sessions/{uuid.uuid4()}"}
    return responses.error(status, "UpdateCredentials", _REAUTH_MESSAGE, _links={"about": about})


CATALOG: dict[str, DwollaError] = {
    error.code: error
    for error in (
        DwollaError(
            "InvalidScope", (401,), lambda status, c: responses.error(status, "InvalidScope", scope_message(c.account))
        ),
        DwollaError("InvalidExchangeToken", (400, 401), _fixed("InvalidExchangeToken", INVALID_CREDENTIAL_MESSAGE)),
        DwollaError("InvalidExchange", (400,), _fixed("InvalidExchange", "The exchange is no longer active.")),
        DwollaError("InactiveExchange", (400,), _fixed("InactiveExchange", "Exchange was removed or disabled.")),
        DwollaError("UpdateCredentials", (400,), _update_credentials),
        DwollaError(
            "Forbidden", (403,), _fixed("Forbidden", "The supplied credentials are not authorized for this resource.")
        ),
        DwollaError("NotFound", (404,), _fixed("NotFound", "The requested resource was not found.")),
        DwollaError("TooManyRequests", (429,), lambda status, c: responses.too_many_requests()),
        DwollaError("ServerError", (500,), lambda status, c: responses.server_error()),
    )
}
CODES: tuple[str, ...] = tuple(CATALOG)


def resolve_status(code: str, status: int | None) -> int:
    """The status to answer ``code`` with; ValueError for an unknown code or a status it never has."""
    error = CATALOG.get(code)
    if error is None:
        raise ValueError(f"code must be one of: {', '.join(CODES)}")
    if status is None:
        return error.statuses[0]
    if status not in error.statuses:
        raise ValueError(f"{code} is answered with status {' or '.join(map(str, error.statuses))}, not {status}")
    return status


def build_error(code: str, context: ErrorContext, status: int | None = None) -> Response:
    return CATALOG[code].build(resolve_status(code, status), context)
