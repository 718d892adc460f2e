"""409 after 500: the exchange is created, the answer is a 500, the key then says 409 N times, then replays."""

from __future__ import annotations

import random

import pytest
from emulator_client import Api, admin, exchange_body

from exchange_linker_tools.emulator import DwollaEmulator, FaultKind, FaultPlan

KEY = "5d1c0b9a-8e7f-4d6c-b5a4-3f2e1d0c9b8a"


def test_created_then_500_then_409s_then_the_201(api: Api, emulator: DwollaEmulator) -> None:
    emulator.faults = FaultPlan(server_error_after_create_rate=1.0, conflicts_after_server_error=2)
    body = exchange_body(emulator)

    statuses = [api.post_exchange(body, key=KEY) for _ in range(4)]  # the plan still fails every new creation

    assert [r.status_code for r in statuses] == [500, 409, 409, 201]
    assert statuses[0].json()["code"] == "ServerError"
    assert [r.json()["code"] for r in statuses[1:3]] == ["Conflict", "Conflict"]
    [created] = emulator.exchanges
    assert statuses[3].headers["Location"] == created.location
    stats = emulator.stats
    assert stats.faults_injected == {"server_error_after_create": 1}
    assert (stats.conflicts, stats.idempotent_replays, stats.exchanges_created) == (2, 1, 1)


def test_the_lock_answers_409_whatever_the_body(api: Api, emulator: DwollaEmulator) -> None:
    emulator.queue_faults(FaultKind.SERVER_ERROR_AFTER_CREATE)
    api.post_exchange(exchange_body(emulator, credential="a"), key=KEY)

    other_body = api.post_exchange(exchange_body(emulator, credential="b"), key=KEY)

    assert other_body.status_code == 409


def test_zero_conflicts_replays_at_once(api: Api, emulator: DwollaEmulator) -> None:
    emulator.faults = FaultPlan(server_error_after_create_rate=1.0, conflicts_after_server_error=0)
    body = exchange_body(emulator)

    first, retry = api.post_exchange(body, key=KEY), api.post_exchange(body, key=KEY)

    assert (first.status_code, retry.status_code) == (500, 201)
    assert retry.headers["Location"] == emulator.exchanges[0].location


def test_without_a_key_a_retry_duplicates(api: Api, emulator: DwollaEmulator) -> None:
    emulator.queue_faults(FaultKind.SERVER_ERROR_AFTER_CREATE)
    body = exchange_body(emulator)

    first, retry = api.post_exchange(body), api.post_exchange(body)

    assert (first.status_code, retry.status_code) == (500, 201)
    assert len(emulator.exchanges) == 2


def test_a_new_key_during_the_lock_creates_a_second_exchange(api: Api, emulator: DwollaEmulator) -> None:
    """Dwolla's advice after 500 then 409 is a new key: only a check of the first exchange avoids a duplicate."""
    emulator.queue_faults(FaultKind.SERVER_ERROR_AFTER_CREATE)
    body = exchange_body(emulator)
    api.post_exchange(body, key=KEY)

    fresh = api.post_exchange(body, key="another-key")

    assert fresh.status_code == 201
    assert len(emulator.exchanges) == 2


def test_forgetting_the_key_ends_the_lock(api: Api, emulator: DwollaEmulator) -> None:
    emulator.queue_faults(FaultKind.SERVER_ERROR_AFTER_CREATE)
    body = exchange_body(emulator)
    api.post_exchange(body, key=KEY)

    emulator.forget_idempotency_keys()

    assert api.post_exchange(body, key=KEY).status_code == 201
    assert len(emulator.exchanges) == 2


def test_queued_faults_hit_exactly_the_next_posts(api: Api, emulator: DwollaEmulator) -> None:
    queue = emulator.queue_faults("server_error_after_create", count=2)
    body = exchange_body(emulator)

    statuses = [api.post_exchange(body, key=f"k{i}").status_code for i in range(3)]

    assert queue == [FaultKind.SERVER_ERROR_AFTER_CREATE] * 2
    assert statuses == [500, 500, 201]
    assert len(emulator.exchanges) == 3
    assert emulator.queued_faults == []


def test_seeded_plans_draw_the_new_kind_last() -> None:
    """One draw per POST against cumulative shares: the new kind's band sits after every older kind."""
    plan = FaultPlan(server_error_rate=0.3, server_error_after_create_rate=0.2)
    draws, picks = random.Random(3), random.Random(3)

    for _ in range(200):
        draw = draws.random()
        expected = FaultKind.SERVER_ERROR if draw < 0.3 else FaultKind.SERVER_ERROR_AFTER_CREATE if draw < 0.5 else None
        assert plan.pick(picks) is expected


@pytest.mark.parametrize("value", [-1, 1.5])
def test_conflict_count_must_be_a_whole_non_negative_number(value: float) -> None:
    with pytest.raises(ValueError, match="conflicts_after_server_error"):
        FaultPlan(conflicts_after_server_error=value)


def test_admin_can_queue_the_fault_and_set_the_plan(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)

    queued = admin(emulator, "POST", "/next-faults", {"kind": "server_error_after_create", "count": 1})
    planned = admin(emulator, "PUT", "/fault-plan", {"conflicts_after_server_error": 1})
    statuses = [api.post_exchange(body, key=KEY).status_code for _ in range(3)]

    assert queued.json() == {"queued": ["server_error_after_create"]}
    assert planned.json()["conflicts_after_server_error"] == 1
    assert planned.json()["server_error_rate"] == 0
    assert statuses == [500, 409, 201]
    assert admin(emulator, "GET", "/next-faults").json() == {"queued": []}
    assert admin(emulator, "GET", "/fault-plan").json() == planned.json()


@pytest.mark.parametrize(
    ("path", "method", "body", "fragment"),
    [
        ("/next-faults", "POST", {"kind": "meltdown"}, "kind must be one of"),
        ("/next-faults", "POST", {"kind": "server_error", "count": -1}, "count"),
        ("/next-faults", "POST", {"kind": "server_error", "count": "2"}, "count must be an integer"),
        ("/fault-plan", "PUT", {"server_eror_rate": 1}, "Unknown FaultPlan field"),
        ("/fault-plan", "PUT", {"server_error_rate": 2}, "rates must each be <= 1"),
        ("/fault-plan", "PUT", ["not", "an", "object"], "JSON object"),
    ],
)
def test_admin_fault_input_errors_are_400(
    emulator: DwollaEmulator, path: str, method: str, body: object, fragment: str
) -> None:
    response = admin(emulator, method, path, body)

    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"
    assert fragment in response.json()["message"]
    assert emulator.faults == FaultPlan()
    assert emulator.queued_faults == []
