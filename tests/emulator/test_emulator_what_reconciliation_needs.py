"""What the consumer's reconciliation relies on: both list endpoints, keys forgotten after 24 h, 409 after 500."""

from __future__ import annotations

from emulator_client import CUSTOMER_ID, Api, exchange_body

from exchange_linker_tools.emulator import DwollaEmulator, FaultPlan

KEY = "0f4a7bb2-88d3-4a43-b1a6-0f2d1c9e7a11"


def test_account_and_customer_lists_keep_to_their_owner(api: Api, emulator: DwollaEmulator) -> None:
    mine = api.post_exchange(exchange_body(emulator, credential="a"), customer_id=None).headers["Location"]
    theirs = api.post_exchange(exchange_body(emulator, credential="b")).headers["Location"]

    account = api.get("/exchanges").json()
    customer = api.get(f"/customers/{CUSTOMER_ID}/exchanges").json()

    assert [e["_links"]["self"]["href"] for e in account["_embedded"]["exchanges"]] == [mine]
    assert [e["_links"]["self"]["href"] for e in customer["_embedded"]["exchanges"]] == [theirs]
    assert (account["total"], customer["total"]) == (1, 1)


def test_a_forgotten_key_creates_a_second_exchange(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator)
    first = api.post_exchange(body, key=KEY)

    assert emulator.forget_idempotency_keys() == 1
    second = api.post_exchange(body, key=KEY)

    assert second.status_code == 201
    assert second.headers["Location"] != first.headers["Location"]
    assert len(emulator.exchanges) == 2


def test_a_500_after_create_answers_409_on_the_key_then_replays(api: Api, emulator: DwollaEmulator) -> None:
    emulator.faults = FaultPlan(server_error_after_create_rate=1.0, conflicts_after_server_error=2)
    body = exchange_body(emulator)

    answers = [api.post_exchange(body, key=KEY) for _ in range(4)]

    assert [a.status_code for a in answers] == [500, 409, 409, 201]
    assert answers[1].json()["code"] == "Conflict"
    (exchange,) = emulator.exchanges
    assert answers[3].headers["Location"] == exchange.location
