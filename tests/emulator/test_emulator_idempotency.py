"""Idempotency-Key: replay within 24 h, 409 while in flight, 400 on a different body, failures forgotten."""

from __future__ import annotations

import pytest
import requests
from emulator_client import Api, embedded_errors, exchange_body, post_in_flight

from exchange_linker_tools.emulator import DwollaEmulator, FaultPlan
from exchange_linker_tools.fakes import FakeClock

KEY = "6c0b2ad6-2f4e-4c47-a3f4-0fd9d2f7c8a1"


def test_same_key_and_body_replays_the_original_location(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)

    first = api.post_exchange(body, key=KEY)
    second = api.post_exchange(body, key=KEY)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Location"] == first.headers["Location"]
    assert len(emulator.exchanges) == 1
    assert emulator.exchanges_for_key(KEY)[0].location == first.headers["Location"]
    assert emulator.stats.idempotent_replays == 1


def test_body_key_order_does_not_matter(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)
    reordered = dict(reversed(list(body.items())))

    first = api.post_exchange(body, key=KEY)
    second = api.post_exchange(reordered, key=KEY)

    assert second.headers["Location"] == first.headers["Location"]


def test_different_keys_create_different_exchanges(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)

    first = api.post_exchange(body, key="key-1")
    second = api.post_exchange(body, key="key-2")

    assert first.headers["Location"] != second.headers["Location"]
    assert len(emulator.exchanges) == 2


def test_same_key_different_body_is_a_validation_error(api: Api, emulator: DwollaEmulator) -> None:
    api.post_exchange(exchange_body(emulator, credential="a"), key=KEY)

    response = api.post_exchange(exchange_body(emulator, credential="b"), key=KEY)

    assert response.status_code == 400
    [error] = embedded_errors(response)
    assert "different" in error["message"]
    assert len(emulator.exchanges) == 1


def test_same_key_on_another_customer_is_a_different_request(api: Api, emulator: DwollaEmulator) -> None:
    api.post_exchange(exchange_body(emulator), key=KEY)

    response = api.post_exchange(exchange_body(emulator), key=KEY, customer_id=None)

    assert response.status_code == 400


def test_same_key_while_in_flight_is_409(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)
    with post_in_flight(api, emulator, body, KEY) as first:
        duplicate = api.post_exchange(body, key=KEY)

    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "Conflict"
    assert first[0].status_code == 201
    assert len(emulator.exchanges) == 1
    assert emulator.stats.conflicts == 1


def test_errors_are_not_remembered(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)
    emulator.faults = FaultPlan(server_error_rate=1.0)
    failed = api.post_exchange(body, key=KEY)
    emulator.faults = FaultPlan(rate_limit_rate=1.0)
    limited = api.post_exchange(body, key=KEY)
    emulator.faults = FaultPlan()

    retried = api.post_exchange(body, key=KEY)

    assert (failed.status_code, limited.status_code, retried.status_code) == (500, 429, 201)
    assert emulator.stats.idempotent_replays == 0
    assert len(emulator.exchanges) == 1


def test_replay_window_is_24_hours(api: Api, emulator: DwollaEmulator, clock: FakeClock) -> None:
    body = exchange_body(emulator)
    first = api.post_exchange(body, key=KEY)

    clock.advance(24 * 3600 - 1)
    api.token = Api(emulator).token  # the first token expired meanwhile
    within = api.post_exchange(body, key=KEY)
    clock.advance(2)
    api.token = Api(emulator).token
    after = api.post_exchange(body, key=KEY)

    assert within.headers["Location"] == first.headers["Location"]
    assert after.status_code == 201
    assert after.headers["Location"] != first.headers["Location"]
    assert len(emulator.exchanges) == 2


def test_timeout_after_create_then_retry_returns_the_same_exchange(api: Api, emulator: DwollaEmulator) -> None:
    emulator.faults = FaultPlan(timeout_after_create_rate=1.0, timeout_delay=30.0)
    body = exchange_body(emulator)

    with pytest.raises(requests.ReadTimeout):
        api.post_exchange(body, key=KEY, timeout=(2, 0.3))
    during = emulator.wait_for_stats(lambda s: s.exchanges_created == 1)
    retry = api.post_exchange(body, key=KEY)  # the plan still times out creations: a replay is not one

    assert during.in_flight == 1, "the retry must be answered while the first request still withholds its 201"

    [created] = emulator.exchanges
    assert retry.status_code == 201
    assert retry.headers["Location"] == created.location
    assert emulator.stats.faults_injected == {"timeout_after_create": 1}
    assert emulator.stats.idempotent_replays == 1


def test_timeout_after_create_without_a_key_duplicates(api: Api, emulator: DwollaEmulator) -> None:
    """The failure mode the key exists for: a blind retry creates a second exchange."""
    emulator.faults = FaultPlan(timeout_after_create_rate=1.0, timeout_delay=3.0)
    body = exchange_body(emulator)

    with pytest.raises(requests.ReadTimeout):
        api.post_exchange(body, timeout=(2, 0.3))
    emulator.faults = FaultPlan()
    api.post_exchange(body)

    assert len(emulator.exchanges) == 2
