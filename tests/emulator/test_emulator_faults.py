"""FaultPlan: seeded, reproducible shares of 500 / HTML 503 / 429, latency, and dropped connections."""

from __future__ import annotations

import random
import time
from collections import Counter

import pytest
import requests
from emulator_client import Api, exchange_body

from exchange_linker_tools.emulator import DwollaEmulator, FaultPlan

PLAN = FaultPlan(server_error_rate=0.2, unavailable_rate=0.1, rate_limit_rate=0.1)


def _statuses(seed: int, count: int) -> tuple[list[int], DwollaEmulator]:
    emulator = DwollaEmulator(seed=seed, faults=FaultPlan(**vars(PLAN)))
    with emulator:
        api = Api(emulator)
        body = exchange_body(emulator)
        return [api.post_exchange(body).status_code for _ in range(count)], emulator


def test_fault_shares_follow_the_seeded_plan() -> None:
    statuses, emulator = _statuses(seed=7, count=200)

    rng = random.Random(7)
    draws = [rng.random() for _ in range(200)]  # one draw per POST, against cumulative shares
    expected = [500 if d < 0.2 else 503 if d < 0.3 else 429 if d < 0.4 else 201 for d in draws]
    assert statuses == expected
    counts = Counter(statuses)
    assert 20 <= counts[500] <= 60
    assert 5 <= counts[503] <= 35
    assert 5 <= counts[429] <= 35
    stats = emulator.stats
    assert stats.faults_injected == {"server_error": counts[500], "unavailable": counts[503], "rate_limit": counts[429]}
    assert stats.exchanges_created == counts[201] == len(emulator.exchanges)
    assert stats.exchange_posts == 200


def test_same_seed_same_faults_other_seed_other_faults() -> None:
    first, _ = _statuses(seed=99, count=40)
    again, _ = _statuses(seed=99, count=40)
    other, _ = _statuses(seed=100, count=40)

    assert first == again
    assert first != other


def test_fault_bodies_look_like_dwolla_and_its_edge(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)
    emulator.faults = FaultPlan(unavailable_rate=1.0)
    unavailable = api.post_exchange(body)
    emulator.faults = FaultPlan(rate_limit_rate=1.0)
    limited = api.post_exchange(body)
    emulator.faults = FaultPlan(server_error_rate=1.0)
    failed = api.post_exchange(body)

    assert unavailable.status_code == 503
    assert unavailable.headers["Content-Type"].startswith("text/html")
    assert unavailable.text.lstrip().startswith("<html>")
    assert "X-Request-ID" in unavailable.headers
    assert (limited.status_code, limited.json()["code"]) == (429, "TooManyRequests")
    assert (failed.status_code, failed.json()["code"]) == (500, "ServerError")
    assert failed.json()["message"].startswith("Error ID: ")
    assert emulator.exchanges == []


def test_faults_apply_only_to_exchange_posts(api: Api, emulator: DwollaEmulator) -> None:
    emulator.faults = FaultPlan(server_error_rate=1.0)

    assert api.get("/exchange-partners").status_code == 200
    assert Api(emulator).token


def test_faults_are_applied_after_auth(emulator: DwollaEmulator) -> None:
    emulator.faults = FaultPlan(server_error_rate=1.0)

    response = requests.post(
        f"{emulator.url}/exchanges", json={}, headers={"Accept": "application/vnd.dwolla.v1.hal+json"}, timeout=5
    )

    assert response.status_code == 401
    assert emulator.stats.faults_injected == {}


def test_latency_is_added_to_exchange_posts(api: Api, emulator: DwollaEmulator) -> None:
    emulator.faults.latency = 0.3  # in-place edits take effect at once
    started = time.monotonic()

    response = api.post_exchange(exchange_body(emulator))

    assert response.status_code == 201
    assert time.monotonic() - started >= 0.3


def test_connection_reset_answers_nothing(api: Api, emulator: DwollaEmulator) -> None:
    emulator.faults = FaultPlan(connection_reset_rate=1.0)

    with pytest.raises(requests.ConnectionError):
        api.post_exchange(exchange_body(emulator), key="k", timeout=5)
    emulator.faults = FaultPlan()
    retried = api.post_exchange(exchange_body(emulator), key="k")

    assert emulator.stats.faults_injected == {"connection_reset": 1}
    assert retried.status_code == 201
    assert len(emulator.exchanges) == 1


@pytest.mark.parametrize(
    "kwargs",
    [{"server_error_rate": 1.5}, {"latency": -1.0}, {"server_error_rate": 0.6, "rate_limit_rate": 0.6}],
)
def test_impossible_plans_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="FaultPlan"):
        FaultPlan(**kwargs)


def test_stop_cuts_a_long_delay_short() -> None:
    emulator = DwollaEmulator(faults=FaultPlan(timeout_after_create_rate=1.0, timeout_delay=60.0)).start()
    api = Api(emulator)
    with pytest.raises(requests.ReadTimeout):
        api.post_exchange(exchange_body(emulator), timeout=(2, 0.2))
    started = time.monotonic()

    emulator.stop()

    assert time.monotonic() - started < 5


def test_a_stopped_emulator_can_start_again_with_working_delays() -> None:
    emulator = DwollaEmulator()
    emulator.start()
    emulator.stop()
    emulator.faults = FaultPlan(latency=0.2)

    with emulator:
        api = Api(emulator)
        started = time.monotonic()
        response = api.post_exchange(exchange_body(emulator))

    assert response.status_code == 201
    assert time.monotonic() - started >= 0.2


def test_reset_forgets_exchanges_keys_stats_and_faults(api: Api, emulator: DwollaEmulator) -> None:
    api.post_exchange(exchange_body(emulator), key="k")
    emulator.set_scope_enabled(False)
    emulator.faults = FaultPlan(server_error_rate=1.0)

    emulator.reset()
    response = api.post_exchange(exchange_body(emulator), key="k")

    assert response.status_code == 201
    assert len(emulator.exchanges) == 1
    assert emulator.stats.idempotent_replays == 0
    assert emulator.stats.exchanges_created == 1
