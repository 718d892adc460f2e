"""POST /token: OAuth client credentials, from Basic auth (the seed spec) or form fields (dwollav2)."""

from __future__ import annotations

import hmac

from werkzeug.wrappers import Request, Response

from exchange_linker_tools.emulator import responses
from exchange_linker_tools.emulator.state import EmulatorState


def issue_token(state: EmulatorState, request: Request) -> Response:
    state.stats.incr("token_requests")
    key, secret = _client_credentials(request)
    expected = state.credentials
    if not (_same(key, expected.key) and _same(secret, expected.secret)):
        return responses.oauth({"error": "invalid_client"}, 401)
    grant_type = request.form.get("grant_type")
    if grant_type is None:
        return responses.oauth({"error": "invalid_request"}, 400)
    if grant_type != "client_credentials":
        return responses.oauth({"error": "unsupported_grant_type"}, 400)
    state.stats.incr("tokens_issued")
    token = state.tokens.issue()
    return responses.oauth({"access_token": token, "token_type": "Bearer", "expires_in": state.tokens.lifetime})


def _client_credentials(request: Request) -> tuple[str | None, str | None]:
    """Basic auth wins when present; otherwise the client_id/client_secret form fields."""
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        return auth.username, auth.password
    return request.form.get("client_id"), request.form.get("client_secret")


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
