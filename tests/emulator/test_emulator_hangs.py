"""Hangs per endpoint: /token, /exchange-partners, the exchange POST (and GETs) each hang on their own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import requests
from emulator_client import Api, admin, exchange_body, fetch_token

from exchange_linker_tools.emulator import DwollaEmulator

SHORT = (2, 0.3)  # connect, read: the client gives up quickly on a hung endpoint


def _token_request(emulator: DwollaEmulator, timeout: float | tuple[float, float] = 5) -> requests.Response:
    return requests.post(
        f"{emulator.url}/token",
        data={"grant_type": "client_credentials"},
        auth=(emulator.client_key, emulator.client_secret),
        timeout=timeout,
    )


def _in_background(call: Callable[[], requests.Response]) -> tuple[threading.Thread, list[requests.Response]]:
    results: list[requests.Response] = []
    worker = threading.Thread(target=lambda: results.append(call()))
    worker.start()
    return worker, results


def test_token_hangs_until_healed_while_the_rest_answers(api: Api, emulator: DwollaEmulator) -> None:
    emulator.hang("token")

    with pytest.raises(requests.ReadTimeout):
        _token_request(emulator, timeout=SHORT)
    partners = api.get("/exchange-partners")
    post = api.post_exchange(exchange_body(emulator))
    healed = emulator.heal("token")
    started = time.monotonic()
    after = _token_request(emulator)

    assert (partners.status_code, post.status_code) == (200, 201)
    assert healed == ["token"]
    assert after.status_code == 200
    assert time.monotonic() - started < 1
    assert emulator.stats.hung_requests == {"token": 1}


def test_partners_hang_for_the_given_seconds_then_answer(api: Api, emulator: DwollaEmulator) -> None:
    emulator.hang("exchange-partners", seconds=0.5)
    started = time.monotonic()

    listing = api.get("/exchange-partners")
    waited = time.monotonic() - started
    token_started = time.monotonic()
    token = _token_request(emulator)

    assert listing.status_code == 200
    assert waited >= 0.5
    assert token.status_code == 200
    assert time.monotonic() - token_started < 0.5
    assert emulator.hangs["exchange-partners"].seconds == 0.5


def test_exchange_post_hangs_before_anything_is_created(api: Api, emulator: DwollaEmulator) -> None:
    emulator.hang("exchange-post")
    body = exchange_body(emulator)

    with pytest.raises(requests.ReadTimeout):
        api.post_exchange(body, key="hung-key", timeout=SHORT)
    held = emulator.wait_for_stats(lambda s: s.hanging == 1)
    partners = api.get("/exchange-partners")

    assert (held.exchange_posts, held.exchanges_created) == (0, 0)
    assert partners.status_code == 200
    emulator.heal()
    emulator.wait_for_stats(lambda s: s.exchanges_created == 1 and s.hanging == 0)  # the held POST resumes
    retry = api.post_exchange(body, key="hung-key")
    assert retry.status_code == 201
    assert retry.headers["Location"] == emulator.exchanges[0].location
    assert len(emulator.exchanges) == 1


def test_exchange_reads_hang_separately(api: Api, emulator: DwollaEmulator) -> None:
    location = api.post_exchange(exchange_body(emulator)).headers["Location"]
    emulator.hang("exchange-get")

    with pytest.raises(requests.ReadTimeout):
        requests.get(location, headers=api.headers(), timeout=SHORT)
    assert api.post_exchange(exchange_body(emulator, credential="second")).status_code == 201

    emulator.heal("exchange-get")
    assert api.get(location).status_code == 200


def test_heal_everything_at_once(emulator: DwollaEmulator) -> None:
    emulator.hang("token")
    emulator.hang("exchange-post", seconds=30)

    assert sorted(emulator.heal()) == ["exchange-post", "token"]
    assert emulator.hangs == {}
    assert emulator.heal() == []


@pytest.mark.parametrize(("endpoint", "seconds"), [("tokens", None), ("token", 0), ("token", -1)])
def test_impossible_hangs_are_refused(emulator: DwollaEmulator, endpoint: str, seconds: float | None) -> None:
    with pytest.raises(ValueError, match="must be"):
        emulator.hang(endpoint, seconds)  # type: ignore[arg-type]
    assert emulator.hangs == {}


def test_admin_hangs_and_heals_a_held_request(emulator: DwollaEmulator) -> None:
    created = admin(emulator, "POST", "/hangs", {"endpoint": "token"})
    worker, results = _in_background(lambda: _token_request(emulator, timeout=30))
    emulator.wait_for_stats(lambda s: s.hanging == 1)
    listed = admin(emulator, "GET", "/hangs")

    healed = admin(emulator, "DELETE", "/hangs/token")
    worker.join(timeout=10)

    assert created.status_code == 201
    assert created.json() == {"endpoint": "token", "seconds": None}
    assert listed.json() == {"hangs": [{"endpoint": "token", "seconds": None}]}
    assert healed.json() == {"healed": ["token"]}
    assert not worker.is_alive()
    assert results[0].status_code == 200


def test_admin_timed_hang_and_heal_all(emulator: DwollaEmulator) -> None:
    admin(emulator, "POST", "/hangs", {"endpoint": "exchange-partners", "seconds": 2.5})
    admin(emulator, "POST", "/hangs", {"endpoint": "exchange-post"})

    listed = admin(emulator, "GET", "/hangs").json()["hangs"]
    healed = admin(emulator, "DELETE", "/hangs").json()

    assert {"endpoint": "exchange-partners", "seconds": 2.5} in listed
    assert sorted(healed["healed"]) == ["exchange-partners", "exchange-post"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/hangs", {"endpoint": "exchanges"}),
        ("POST", "/hangs", {"endpoint": "token", "seconds": -2}),
        ("POST", "/hangs", {"endpoint": "token", "seconds": "10"}),
        ("POST", "/hangs", {"seconds": 1}),
        ("DELETE", "/hangs/nowhere", None),
    ],
    ids=["unknown-endpoint", "negative", "string-seconds", "no-endpoint", "heal-unknown"],
)
def test_admin_hang_input_errors(emulator: DwollaEmulator, method: str, path: str, body: object) -> None:
    response = admin(emulator, method, path, body)

    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"
    assert emulator.hangs == {}


def test_operator_controls_never_hang(emulator: DwollaEmulator) -> None:
    for endpoint in ("token", "exchange-partners", "exchange-post", "exchange-get", "funding-sources"):
        emulator.hang(endpoint)  # type: ignore[arg-type]

    assert admin(emulator, "GET", "/stats").status_code == 200


def test_stop_releases_held_requests_promptly() -> None:
    emulator = DwollaEmulator().start()
    token = fetch_token(emulator)
    emulator.hang("exchange-partners")
    worker, results = _in_background(
        lambda: requests.get(
            f"{emulator.url}/exchange-partners",
            headers={"Accept": "application/vnd.dwolla.v1.hal+json", "Authorization": f"Bearer {token}"},
            timeout=30,
        )
    )
    emulator.wait_for_stats(lambda s: s.hanging == 1)
    started = time.monotonic()

    emulator.stop()
    worker.join(timeout=10)

    assert time.monotonic() - started < 5
    assert results[0].status_code == 503


def test_reset_heals(emulator: DwollaEmulator) -> None:
    emulator.hang("token")

    emulator.reset()

    assert _token_request(emulator, timeout=SHORT).status_code == 200
