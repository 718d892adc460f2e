"""Which Dwolla failures are permanent (dead-letter now) and which are worth a retry.

Dwolla's docs and spec disagree on which HTTP status goes with which code, so the code decides first
and the status only when the code is unknown or missing.
"""

from __future__ import annotations

PERMANENT_CODES = frozenset(
    {
        "InvalidExchangeToken",
        "InvalidExchange",
        "InactiveExchange",
        "UpdateCredentials",
        "ValidationError",
        "InvalidScope",
        "Forbidden",
        "NotFound",
    }
)
TOKEN_REJECTED_CODES = frozenset({"ExpiredAccessToken", "InvalidAccessToken"})
TRANSIENT_CODES = frozenset({"TooManyRequests", "ServerError", "RequestTimeout", "Conflict"} | TOKEN_REJECTED_CODES)


def is_permanent(status: int, code: str | None) -> bool:
    if code in PERMANENT_CODES:
        return True
    if code is None or code in TRANSIENT_CODES:
        return False  # no parsable code means an edge/HTML answer: transient
    return 400 <= status < 500 and status not in {408, 409, 429}


def fallback_code(status: int) -> str:
    """A code for answers that carry none (HTML error pages, empty bodies)."""
    if status == 429:
        return "TooManyRequests"
    if status >= 500:
        return "ServerError"
    return f"Http{status}"
