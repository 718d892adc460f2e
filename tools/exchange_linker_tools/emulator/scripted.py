"""Deterministic Dwolla errors chosen by the credential's prefix, so tests can ask for any outcome."""

from __future__ import annotations

from werkzeug.wrappers import Response

from exchange_linker_tools.emulator.error_catalog import ErrorContext, build_error

# prefix -> (error code, status); no prefix is a prefix of another, so order does not matter.
# "revoked" is InvalidExchangeToken as a 401: the spec documents it so too, clients must decide by code.
_OUTCOMES: dict[str, tuple[str, int]] = {
    "invalid": ("InvalidExchangeToken", 400),
    "inactive": ("InvalidExchange", 400),
    "reauth": ("UpdateCredentials", 400),
    "deactivated": ("InactiveExchange", 400),
    "revoked": ("InvalidExchangeToken", 401),
    "server-error": ("ServerError", 500),
    "rate-limited": ("TooManyRequests", 429),
}


def scripted_outcome(credential: str, base_url: str, *, account: bool = False) -> tuple[str, Response] | None:
    """The (error code, response) a credential asks for, or None when it should succeed."""
    for prefix, (code, status) in _OUTCOMES.items():
        if credential.startswith(prefix):
            return code, build_error(code, ErrorContext(base_url, account), status)
    return None
