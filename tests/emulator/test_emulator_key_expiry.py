"""Idempotency-Key expiry on demand: after "24 h", the same key and body create a new exchange."""

from __future__ import annotations

from emulator_client import Api, admin, exchange_body, post_in_flight

from exchange_linker_tools.emulator import DwollaEmulator
from exchange_linker_tools.fakes import FakeClock

KEY = "2f0e7b1c-5a3d-4c1e-9d7a-8b6f4e2a1c3d"
OTHER_KEY = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def test_forgotten_key_creates_a_new_exchange(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)
    first = api.post_exchange(body, key=KEY)

    forgotten = emulator.forget_idempotency_keys()
    second = api.post_exchange(body, key=KEY)
    third = api.post_exchange(body, key=KEY)

    assert forgotten == 1
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Location"] != first.headers["Location"]
    assert third.headers["Location"] == second.headers["Location"], "the new exchange is remembered under the key"
    assert [e.location for e in emulator.exchanges_for_key(KEY)] == [
        first.headers["Location"],
        second.headers["Location"],
    ]


def test_forgetting_one_key_keeps_the_others(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)
    api.post_exchange(body, key=KEY)
    kept = api.post_exchange(body, key=OTHER_KEY)

    assert emulator.forget_idempotency_keys(KEY) == 1
    replay = api.post_exchange(body, key=OTHER_KEY)

    assert replay.headers["Location"] == kept.headers["Location"]
    assert emulator.forget_idempotency_keys("never-used") == 0


def test_admin_endpoint_forgets_every_key(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)
    first = api.post_exchange(body, key=KEY)
    api.post_exchange(body, key=OTHER_KEY)

    response = admin(emulator, "DELETE", "/idempotency-keys")
    again = api.post_exchange(body, key=KEY)

    assert response.status_code == 200
    assert response.json() == {"forgotten": 2}
    assert again.headers["Location"] != first.headers["Location"]
    assert len(emulator.exchanges) == 3


def test_admin_endpoint_forgets_one_key(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)
    api.post_exchange(body, key=KEY)
    kept = api.post_exchange(body, key=OTHER_KEY)

    response = admin(emulator, "DELETE", f"/idempotency-keys/{KEY}")

    assert response.json() == {"forgotten": 1}
    assert api.post_exchange(body, key=OTHER_KEY).headers["Location"] == kept.headers["Location"]
    assert len(emulator.exchanges_for_key(KEY)) == 1
    assert api.post_exchange(body, key=KEY).status_code == 201
    assert len(emulator.exchanges_for_key(KEY)) == 2


def test_a_request_in_flight_keeps_its_claim(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)
    with post_in_flight(api, emulator, body, KEY) as first:
        forgotten = emulator.forget_idempotency_keys()
        duplicate = api.post_exchange(body, key=KEY)

    assert forgotten == 0
    assert duplicate.status_code == 409
    assert first[0].status_code == 201
    assert len(emulator.exchanges) == 1


def test_a_day_passing_moves_created_forward_with_the_client(api: Api, emulator: DwollaEmulator) -> None:
    """A consumer whose clock moved a day reads Dwolla's `created` on the same scale (the chaos run's key expiry)."""
    from datetime import UTC, datetime, timedelta

    body = exchange_body(emulator)
    before = api.post_exchange(body, key=KEY)
    emulator.advance_wall_clock(86_400)
    after = api.post_exchange(body, key=OTHER_KEY)

    created = {e.location: datetime.fromisoformat(e.created.replace("Z", "+00:00")) for e in emulator.exchanges}
    now = datetime.now(UTC)
    assert created[before.headers["Location"]] <= now
    assert created[after.headers["Location"]] - now > timedelta(hours=23, minutes=59)


def test_a_key_completed_after_the_cutoff_is_kept(api: Api, emulator: DwollaEmulator, clock: FakeClock) -> None:
    """A day passing forgets the keys of the old day, not one used a moment after the clocks moved."""
    body = exchange_body(emulator)
    api.post_exchange(body, key=KEY)
    clock.advance(1)
    moved = clock()  # the emulator's clock
    kept = api.post_exchange(body, key=OTHER_KEY)

    assert emulator.forget_idempotency_keys(completed_before=moved) == 1
    assert api.post_exchange(body, key=OTHER_KEY).headers["Location"] == kept.headers["Location"]
