"""Deterministic Dwolla errors chosen by the credential's prefix, so tests can ask for any outcome."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from werkzeug.wrappers import Response

from exchange_linker_tools.emulator import responses

_INVALID_CREDENTIAL_MESSAGE = (
    "The exchange token is not valid to perform this operation. Either the token is expired or invalid, "
    "or the products permissions to the token are invalid or expired."
)


def _invalid_exchange_token(base_url: str) -> Response:
    return responses.error(400, "InvalidExchangeToken", _INVALID_CREDENTIAL_MESSAGE)


def _invalid_exchange(base_url: str) -> Response:
    return responses.error(400, "InvalidExchange", "The exchange is no longer active.")


def _update_credentials(base_url: str) -> Response:
    about = {"href": f"{base_url}/exchange-sessions/{uuid.uuid4()}"}
    message = "The user must re-authenticate with the exchange partner before an exchange can be created."
    return responses.error(400, "UpdateCredentials", message, _links={"about": about})


def _inactive_exchange(base_url: str) -> Response:
    return responses.error(400, "InactiveExchange", "Exchange was removed or disabled.")


def _revoked_exchange_token(base_url: str) -> Response:
    # The spec also documents InvalidExchangeToken as a 401; clients must decide by the code, not the status.
    return responses.error(401, "InvalidExchangeToken", _INVALID_CREDENTIAL_MESSAGE)


def _server_error(base_url: str) -> Response:
    return responses.server_error()


def _too_many_requests(base_url: str) -> Response:
    return responses.too_many_requests()


# prefix -> (error code, builder); no prefix is a prefix of another, so order does not matter.
_OUTCOMES: dict[str, tuple[str, Callable[[str], Response]]] = {
    "invalid": ("InvalidExchangeToken", _invalid_exchange_token),
    "inactive": ("InvalidExchange", _invalid_exchange),
    "reauth": ("UpdateCredentials", _update_credentials),
    "deactivated": ("InactiveExchange", _inactive_exchange),
    "revoked": ("InvalidExchangeToken", _revoked_exchange_token),
    "server-error": ("ServerError", _server_error),
    "rate-limited": ("TooManyRequests", _too_many_requests),
}


def scripted_outcome(credential: str, base_url: str) -> tuple[str, Response] | None:
    """The (error code, response) a credential asks for, or None when it should succeed."""
    for prefix, (code, build) in _OUTCOMES.items():
        if credential.startswith(prefix):
            return code, build(base_url)
    return None
