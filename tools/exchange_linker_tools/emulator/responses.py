"""Response builders in Dwolla's shapes: HAL JSON, code/message errors, OAuth errors, edge HTML."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

HAL_JSON = "application/vnd.dwolla.v1.hal+json"

VALIDATION_MESSAGE = "Validation error(s) present. See embedded errors list for more details."

_UNAVAILABLE_HTML = (
    "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
    "<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n"
)


def hal(body: Mapping[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type=HAL_JSON)


def error(status: int, code: str, message: str, **extra: Any) -> Response:
    return hal({"code": code, "message": message, **extra}, status)


def embedded_error(code: str, message: str, path: str) -> dict[str, Any]:
    """One entry of a ValidationError's ``_embedded.errors``."""
    return {"code": code, "message": message, "path": path, "_links": {}}


def validation_error(errors: Sequence[Mapping[str, Any]]) -> Response:
    return error(400, "ValidationError", VALIDATION_MESSAGE, _embedded={"errors": list(errors)})


def not_found() -> Response:
    return error(404, "NotFound", "The requested resource was not found.")


def server_error() -> Response:
    return error(500, "ServerError", f"Error ID: {uuid.uuid4()}")


def too_many_requests(retry_after: str | None = None) -> Response:
    """Dwolla documents no Retry-After; the emulator's rate limit sends one, injected 429s do not."""
    response = error(429, "TooManyRequests", "Too many requests. Please slow down and retry with backoff.")
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def unavailable_html() -> Response:
    """What the edge answers during an outage: not JSON, so clients must not assume a body shape."""
    return Response(_UNAVAILABLE_HTML, status=503, content_type="text/html")


def oauth(body: Mapping[str, Any], status: int = 200) -> Response:
    """/token answers plain JSON in OAuth style, not HAL."""
    response = Response(json.dumps(body), status=status, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


class _VerbatimLocation(Response):
    """werkzeug passes Location through iri_to_uri, which lower-cases the scheme and host; Dwolla's edge
    sends it as it is, so a client must cope with whatever spelling arrives."""

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        headers = super().get_wsgi_headers(environ)
        headers["Location"] = self.headers["Location"]
        return headers


def created(location: str) -> Response:
    response = _VerbatimLocation(status=201)
    del response.headers["Content-Type"]  # 201 has no body
    response.headers["Location"] = location
    return response
