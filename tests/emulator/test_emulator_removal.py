"""Exchange removal at "Dwolla": the status the official schema allows, seen by GET and both lists."""

from __future__ import annotations

import pytest
from emulator_client import CUSTOMER_ID, Api, admin, exchange_body
from official_spec import schema_errors

from exchange_linker_tools.emulator import DwollaEmulator


def _create(api: Api, customer_id: str | None = CUSTOMER_ID, key: str | None = None) -> str:
    response = api.post_exchange(exchange_body(api.emulator), customer_id=customer_id, key=key)
    assert response.status_code == 201
    return response.headers["Location"]


def test_removed_exchange_reads_as_removed_everywhere(api: Api, emulator: DwollaEmulator) -> None:
    location = _create(api)
    kept = _create(api)

    removed = emulator.remove_exchange(location)
    fetched = api.get(location).json()
    listed = {
        e["id"]: e["status"] for e in api.get(f"/customers/{CUSTOMER_ID}/exchanges").json()["_embedded"]["exchanges"]
    }

    assert removed.status == "removed"
    assert fetched["status"] == "removed"
    assert schema_errors(fetched, "Exchange") == []
    assert listed == {location.rsplit("/", 1)[1]: "removed", kept.rsplit("/", 1)[1]: "active"}
    assert [e.status for e in emulator.exchanges] == ["removed", "active"]


def test_account_exchange_by_id_and_deactivated(api: Api, emulator: DwollaEmulator) -> None:
    location = _create(api, customer_id=None)
    exchange_id = location.rsplit("/", 1)[1]

    emulator.set_exchange_status(exchange_id, "deactivated")

    assert api.get("/exchanges").json()["_embedded"]["exchanges"][0]["status"] == "deactivated"
    emulator.set_exchange_status(exchange_id, "active")
    assert api.get(location).json()["status"] == "active"


def test_replay_of_a_removed_exchange_still_returns_its_location(api: Api, emulator: DwollaEmulator) -> None:
    location = _create(api, key="k-1")
    emulator.remove_exchange(location)

    replay = api.post_exchange(exchange_body(emulator), key="k-1")

    assert replay.headers["Location"] == location
    assert len(emulator.exchanges) == 1


def test_unknown_exchange_or_status_is_refused(api: Api, emulator: DwollaEmulator) -> None:
    location = _create(api)

    with pytest.raises(KeyError):
        emulator.remove_exchange("fcd15e5f-8d13-4570-a9b7-7fb49e55941d")
    with pytest.raises(ValueError, match="status must be one of"):
        emulator.set_exchange_status(location, "deleted")  # type: ignore[arg-type]
    assert emulator.exchanges[0].status == "active"


def test_admin_endpoint_removes_an_exchange(api: Api, emulator: DwollaEmulator) -> None:
    location = _create(api)
    exchange_id = location.rsplit("/", 1)[1]

    response = admin(emulator, "POST", f"/exchanges/{exchange_id}/status", {"status": "removed"})
    listing = admin(emulator, "GET", "/exchanges").json()
    single = admin(emulator, "GET", f"/exchanges/{exchange_id}").json()

    assert response.status_code == 200
    assert response.json()["status"] == "removed"
    assert response.json()["location"] == location
    assert listing["total"] == 1
    assert listing["exchanges"][0] == single == response.json()
    assert single["customerId"] == CUSTOMER_ID
    assert api.get(location).json()["status"] == "removed"


@pytest.mark.parametrize(
    ("exchange_id", "body", "status"),
    [
        ("fcd15e5f-8d13-4570-a9b7-7fb49e55941d", {"status": "removed"}, 404),
        (None, {"status": "gone"}, 400),
        (None, {}, 400),
        (None, {"status": 3}, 400),
    ],
    ids=["unknown", "bad-status", "no-status", "status-not-string"],
)
def test_admin_removal_errors(
    api: Api, emulator: DwollaEmulator, exchange_id: str | None, body: dict[str, object], status: int
) -> None:
    own_id = _create(api).rsplit("/", 1)[1]

    response = admin(emulator, "POST", f"/exchanges/{exchange_id or own_id}/status", body)

    assert response.status_code == status
    assert response.json()["message"]
    assert emulator.exchanges[0].status == "active"


def test_admin_exchange_listing_never_holds_a_credential(api: Api, emulator: DwollaEmulator) -> None:
    api.post_exchange(exchange_body(emulator, credential="very-secret-processor-token"))

    listing = admin(emulator, "GET", "/exchanges")

    assert "very-secret-processor-token" not in listing.text
    assert listing.json()["exchanges"][0]["credentialFingerprint"] == emulator.exchanges[0].credential_fingerprint
