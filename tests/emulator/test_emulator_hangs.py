"""Hung endpoints: no answer at all until healed; the held request then carries on as usual."""

from __future__ import annotations

import threading

import pytest
import requests
from emulator_client import Api, exchange_body

from exchange_linker_tools.emulator import DwollaEmulator


@pytest.mark.parametrize("endpoint", ["token", "exchange-partners", "exchanges"])
def test_a_hung_endpoint_answers_nothing_until_its_client_gives_up(api: Api, emulator: DwollaEmulator, endpoint):
    emulator.hang(endpoint)
    calls = {
        "token": lambda: requests.post(
            f"{emulator.url}/token",
            data={"grant_type": "client_credentials"},
            auth=(emulator.client_key, emulator.client_secret),
            timeout=(1, 0.2),
        ),
        "exchange-partners": lambda: requests.get(
            f"{emulator.url}/exchange-partners", headers=api.headers(), timeout=(1, 0.2)
        ),
        "exchanges": lambda: api.post_exchange(exchange_body(emulator), timeout=(1, 0.2)),
    }
    with pytest.raises(requests.ReadTimeout):
        calls[endpoint]()
    assert emulator.hung_requests(endpoint) == 1
    others = {"token", "exchange-partners", "exchanges"} - {endpoint}
    assert all(emulator.hung_requests(other) == 0 for other in others)
    emulator.heal(endpoint)
    assert calls[endpoint]().status_code in {200, 201}


def test_healing_releases_a_held_exchange_post_which_then_creates_its_exchange(api: Api, emulator: DwollaEmulator):
    emulator.hang("exchanges")
    answers: list[int] = []
    body = exchange_body(emulator)
    client = threading.Thread(target=lambda: answers.append(api.post_exchange(body, key="k-1", timeout=10).status_code))
    client.start()
    for _ in range(500):  # until the POST is held (5 s at most)
        if emulator.hung_requests("exchanges"):
            break
        threading.Event().wait(0.01)
    assert emulator.exchanges == []
    emulator.heal()
    client.join(5)
    assert answers == [201]
    assert len(emulator.exchanges) == 1


def test_hang_rejects_unknown_endpoints_and_reset_heals(emulator: DwollaEmulator):
    with pytest.raises(ValueError, match="endpoint"):
        emulator.hang("customers")
    emulator.hang("token")
    emulator.reset()
    assert fetch_ok(emulator)


def fetch_ok(emulator: DwollaEmulator) -> bool:
    response = requests.post(
        f"{emulator.url}/token",
        data={"grant_type": "client_credentials"},
        auth=(emulator.client_key, emulator.client_secret),
        timeout=(1, 1),
    )
    return response.status_code == 200
