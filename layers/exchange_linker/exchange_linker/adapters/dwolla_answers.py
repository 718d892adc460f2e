"""Reading Dwolla's answers: the error a response means, its JSON body, its request id.

Dwolla's `code` decides first and the HTTP status second (see dwolla/classification.py); nothing here
puts a token, a credential or a request body into a message.
"""

from __future__ import annotations

from typing import Any

import requests

from exchange_linker.dwolla.classification import fallback_code, is_permanent
from exchange_linker.errors import DwollaError


def error_from(response: requests.Response, *, posted: bool = False) -> DwollaError:
    body = json_body(response)
    code = body.get("code") if isinstance(body.get("code"), str) else None
    message = body.get("message") if isinstance(body.get("message"), str) else None
    if code == "ValidationError":
        details = [e.get("message") for e in body.get("_embedded", {}).get("errors", []) if isinstance(e, dict)]
        message = "; ".join([message or "", *[d for d in details if isinstance(d, str)]]).strip("; ")
    status = response.status_code
    return DwollaError(
        code or fallback_code(status),
        message or f"HTTP {status} without a Dwolla error body",
        permanent=is_permanent(status, code),
        status=status,
        request_id=request_id(response),
        retry_after=_retry_after(response),
        # After a POST, a 5xx may come after Dwolla committed; a 409 means a request with this key is still
        # running (or, for a while after a 500, that Dwolla holds its outcome): the exchange may exist.
        exchange_may_exist=posted and (status >= 500 or status == 409),
    )


def json_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def request_id(response: requests.Response) -> str | None:
    value = response.headers.get("X-Request-ID")
    return value[:128] if value else None


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None
