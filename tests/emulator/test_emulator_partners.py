"""GET /exchange-partners: the five partners, with ids that differ per instance as between environments."""

from __future__ import annotations

from emulator_client import HAL, Api

from exchange_linker_tools.emulator import DwollaEmulator


def test_lists_the_five_partners_as_hal(api: Api, emulator: DwollaEmulator) -> None:
    response = api.get("/exchange-partners")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == HAL
    body = response.json()
    partners = body["_embedded"]["exchange-partners"]
    assert body["total"] == 5
    assert body["_links"]["self"]["href"] == f"{emulator.url}/exchange-partners"
    assert [p["name"] for p in partners] == ["Plaid", "MX", "Flinks", "Finicity", "Checkout.com"]
    for partner in partners:
        assert partner["status"] == "active"
        assert partner["created"].endswith("Z")
        assert partner["_links"]["self"]["href"] == f"{emulator.url}/exchange-partners/{partner['id']}"
        assert emulator.partner_href(partner["name"].upper()) == partner["_links"]["self"]["href"]


def test_partner_ids_are_fresh_per_instance(api: Api) -> None:
    first_ids = {p["id"] for p in api.get("/exchange-partners").json()["_embedded"]["exchange-partners"]}
    with DwollaEmulator() as other:
        second_ids = {p["id"] for p in Api(other).get("/exchange-partners").json()["_embedded"]["exchange-partners"]}

    assert len(first_ids) == 5
    assert first_ids.isdisjoint(second_ids)


def test_get_single_partner_and_unknown_partner(api: Api, emulator: DwollaEmulator) -> None:
    found = api.get(emulator.partner_href("Finicity"))
    missing = api.get("/exchange-partners/5b7e7a2c-5a07-4c5a-8a52-000000000000")

    assert found.status_code == 200
    assert found.json()["name"] == "Finicity"
    assert missing.status_code == 404
    assert missing.json()["code"] == "NotFound"
    assert emulator.stats.partner_lookups == 2
