"""The rate limit: a token bucket over the whole API, 429 TooManyRequests with Retry-After beyond it."""

from __future__ import annotations

import pytest
import requests
from emulator_client import HAL, Api, admin, exchange_body, fetch_token

from exchange_linker_tools.emulator import DwollaEmulator
from exchange_linker_tools.fakes import FakeClock


def _partners(api: Api) -> int:
    return api.get("/exchange-partners").status_code


def test_beyond_the_rate_is_429_with_retry_after(api: Api, emulator: DwollaEmulator, clock: FakeClock) -> None:
    emulator.set_rate_limit(2)

    allowed = [_partners(api), _partners(api)]
    refused = api.get("/exchange-partners")
    clock.advance(0.5)
    after_half_second = _partners(api)
    again = _partners(api)

    assert allowed == [200, 200]
    assert refused.status_code == 429
    assert refused.json() == {
        "code": "TooManyRequests",
        "message": "Too many requests. Please slow down and retry with backoff.",
    }
    assert refused.headers["Content-Type"] == HAL
    assert refused.headers["Retry-After"] == "1"
    assert "X-Request-ID" in refused.headers
    assert (after_half_second, again) == (200, 429)
    assert emulator.stats.rate_limited == 2


def test_burst_sets_the_bucket_size(api: Api, emulator: DwollaEmulator) -> None:
    limit = emulator.set_rate_limit(1, burst=3)

    statuses = [_partners(api) for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert emulator.rate_limit == limit
    assert limit is not None
    assert (limit.requests_per_second, limit.burst) == (1.0, 3.0)


def test_retry_after_is_the_wait_for_the_next_token(api: Api, emulator: DwollaEmulator, clock: FakeClock) -> None:
    emulator.set_rate_limit(0.1)
    _partners(api)

    first = api.get("/exchange-partners").headers["Retry-After"]
    clock.advance(4)
    later = api.get("/exchange-partners").headers["Retry-After"]
    clock.advance(6)

    assert (first, later) == ("10", "6")
    assert _partners(api) == 200


def test_the_limit_covers_token_and_exchange_posts(api: Api, emulator: DwollaEmulator) -> None:
    emulator.set_rate_limit(1)
    _partners(api)

    token = requests.post(
        f"{emulator.url}/token",
        data={"grant_type": "client_credentials"},
        auth=("local-key", "local-secret"),
        timeout=5,
    )
    post = api.post_exchange(exchange_body(emulator))

    assert (token.status_code, post.status_code) == (429, 429)
    assert token.json()["code"] == "TooManyRequests"
    assert emulator.exchanges == []
    assert (emulator.stats.exchange_posts, emulator.stats.token_requests) == (0, 1)  # only the fixture's token
    assert emulator.stats.rate_limited == 2


def test_operator_controls_are_exempt(api: Api, emulator: DwollaEmulator) -> None:
    emulator.set_rate_limit(1)
    _partners(api)

    assert [admin(emulator, "GET", "/stats").status_code for _ in range(5)] == [200] * 5
    assert _partners(api) == 429


def test_limit_from_the_constructor(clock: FakeClock) -> None:
    with DwollaEmulator(clock=clock, rate_limit=1) as emulator:
        token = fetch_token(emulator)
        refused = requests.get(
            f"{emulator.url}/exchange-partners", headers={"Accept": HAL, "Authorization": f"Bearer {token}"}, timeout=5
        )

    assert refused.status_code == 429


def test_off_by_default_and_when_turned_off(api: Api, emulator: DwollaEmulator) -> None:
    assert [_partners(api) for _ in range(30)] == [200] * 30
    emulator.set_rate_limit(1)
    emulator.set_rate_limit(None)

    assert [_partners(api) for _ in range(30)] == [200] * 30
    assert emulator.rate_limit is None


def test_reset_refills_the_bucket_and_keeps_the_limit(api: Api, emulator: DwollaEmulator) -> None:
    emulator.set_rate_limit(1)
    _partners(api)

    emulator.reset()

    assert (_partners(api), _partners(api)) == (200, 429)


@pytest.mark.parametrize(("rate", "burst"), [(0, None), (-1, None), (float("inf"), None), (1, 0.5)])
def test_impossible_limits_are_refused(emulator: DwollaEmulator, rate: float, burst: float | None) -> None:
    with pytest.raises(ValueError, match="must be"):
        emulator.set_rate_limit(rate, burst)
    assert emulator.rate_limit is None


def test_admin_sets_reads_and_clears_the_limit(api: Api, emulator: DwollaEmulator) -> None:
    put = admin(emulator, "PUT", "/rate-limit", {"requestsPerSecond": 1, "burst": 2})
    statuses = [_partners(api) for _ in range(3)]
    read = admin(emulator, "GET", "/rate-limit")
    cleared = admin(emulator, "DELETE", "/rate-limit")

    assert put.status_code == 200
    assert put.json() == read.json() == {"requestsPerSecond": 1.0, "burst": 2.0}
    assert statuses == [200, 200, 429]
    assert cleared.json() == {"requestsPerSecond": None, "burst": None}
    assert _partners(api) == 200


def test_admin_null_rate_turns_the_limit_off(api: Api, emulator: DwollaEmulator) -> None:
    emulator.set_rate_limit(1)

    response = admin(emulator, "PUT", "/rate-limit", {"requestsPerSecond": None})

    assert response.json()["requestsPerSecond"] is None
    assert emulator.rate_limit is None


@pytest.mark.parametrize(
    "body",
    [{}, {"requestsPerSecond": "fast"}, {"requestsPerSecond": 0}, {"requestsPerSecond": 1, "burst": 0}, [1]],
    ids=["missing", "string", "zero", "tiny-burst", "not-object"],
)
def test_admin_rate_limit_input_errors(emulator: DwollaEmulator, body: object) -> None:
    response = admin(emulator, "PUT", "/rate-limit", body)

    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"
    assert emulator.rate_limit is None
