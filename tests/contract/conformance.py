"""Validation of recorded HTTP exchanges against the official document, one readable line per breach."""

from __future__ import annotations

import warnings
from collections.abc import Iterable

from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

from tests.contract.official_spec import official_api
from tests.contract.recorder import Exchange


def _explain(error: Exception) -> str:
    causes = [repr(error)]
    cause = error.__cause__
    while cause is not None:
        causes.append(repr(cause)[:400])
        cause = cause.__cause__
    return " <- ".join(causes)


def breaches(exchanges: Iterable[Exchange], base_url: str) -> list[str]:
    """Every request and every response that the official document (as prepared) refuses."""
    api = official_api(base_url)
    found: list[str] = []
    for exchange in exchanges:
        request = WerkzeugOpenAPIRequest(exchange.request)
        with warnings.catch_warnings():
            # openapi-core cannot check an oauth2 scheme and says so; test_authorization checks the headers.
            warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
            try:
                api.validate_request(request)
            except Exception as error:  # each breach is reported, not raised
                found.append(f"request  {exchange.line}: {_explain(error)}")
        try:
            api.validate_response(request, WerkzeugOpenAPIResponse(exchange.response))
        except Exception as error:
            found.append(f"response {exchange.line}: {_explain(error)}")
    return found
