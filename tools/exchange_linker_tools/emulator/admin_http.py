"""Plumbing for the operator endpoints: plain JSON in and out, one error shape, typed field readers.

Operators call these with curl or the CLI, so errors say exactly which field is wrong and why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response


class AdminError(Exception):
    """An operator mistake: answered as ``{"code": ..., "message": ...}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def ok(body: Mapping[str, Any] | list[Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def failure(error: AdminError) -> Response:
    return ok({"code": error.code, "message": error.message}, error.status)


def bad_request(message: str) -> AdminError:
    return AdminError(400, "BadRequest", message)


def json_object(request: Request, *, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object; an empty body counts as ``{}`` when ``optional``."""
    raw = request.get_data(cache=False)
    if not raw.strip() and optional:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request("The body must be a JSON object.") from exc
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object.")
    return body


def field[T](body: Mapping[str, Any], name: str, kind: type[T] | tuple[type, ...], *, required: bool = False) -> Any:
    """``body[name]`` if it has the right JSON type; None when absent (or null) and not required."""
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required.")
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise bad_request(f"{name} must not be a boolean.")
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        raise bad_request(f"{name} must be {' or '.join(_JSON_TYPES.get(k, k.__name__) for k in kinds)}.")
    return value


_JSON_TYPES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    dict: "an object",
    list: "an array",
}
