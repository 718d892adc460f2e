import pytest

from exchange_linker.dwolla.classification import fallback_code, is_permanent


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (400, "InvalidExchangeToken", True),
        (401, "InvalidExchangeToken", True),  # the spec also documents it as 401
        (400, "InvalidExchange", True),
        (400, "InactiveExchange", True),
        (400, "UpdateCredentials", True),
        (400, "ValidationError", True),
        (401, "InvalidScope", True),
        (403, "Forbidden", True),
        (404, "NotFound", True),
        (401, "InvalidCredentials", True),  # unknown 4xx codes: retrying will not help
        (429, "TooManyRequests", False),
        (500, "ServerError", False),
        (500, "RequestTimeout", False),
        (409, "Conflict", False),
        (401, "ExpiredAccessToken", False),
        (503, None, False),  # HTML from the edge
        (400, None, False),  # non-JSON error: transient
        (409, "SomethingNew", False),
        (502, "SomethingNew", False),
        (200, "NotFound", True),  # the code decides before the status
    ],
)
def test_code_first_status_second(status, code, permanent):
    assert is_permanent(status, code) is permanent


def test_fallback_codes():
    assert fallback_code(429) == "TooManyRequests"
    assert fallback_code(503) == "ServerError"
    assert fallback_code(418) == "Http418"
