"""GET /exchanges, GET /customers/{id}/exchanges, GET /exchanges/{id}: the official shapes, newest first."""

from __future__ import annotations

import pytest
import requests
from emulator_client import CUSTOMER_ID, HAL, Api, exchange_body
from official_spec import schema_errors

from exchange_linker_tools.emulator import DwollaEmulator

OTHER_CUSTOMER = "0f4bd0a9-3e4c-4b6f-8f8e-6d1b9c5f4a21"


def _create(api: Api, credential: str, customer_id: str | None = CUSTOMER_ID) -> str:
    response = api.post_exchange(exchange_body(api.emulator, credential=credential), customer_id=customer_id)
    assert response.status_code == 201
    return response.headers["Location"]


def test_account_list_has_only_account_exchanges_newest_first(api: Api, emulator: DwollaEmulator) -> None:
    first = _create(api, "a1", customer_id=None)
    _create(api, "c1")
    second = _create(api, "a2", customer_id=None)

    response = api.get("/exchanges")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == HAL
    body = response.json()
    assert schema_errors(body, "Exchanges") == []
    assert body["total"] == 2
    assert [e["_links"]["self"]["href"] for e in body["_embedded"]["exchanges"]] == [second, first]
    assert body["_links"]["self"] == {"href": f"{emulator.url}/exchanges", "type": HAL, "resource-type": "exchange"}
    for item in body["_embedded"]["exchanges"]:
        assert schema_errors(item, "Exchange") == []
        assert item["_links"]["account"]["href"] == f"{emulator.url}/accounts/{emulator.account_id}"
        assert "customer" not in item["_links"]


def test_account_list_is_empty_but_well_formed_without_account_exchanges(api: Api) -> None:
    _create(api, "c1")

    body = api.get("/exchanges").json()

    assert body["_embedded"] == {"exchanges": []}
    assert body["total"] == 0
    assert schema_errors(body, "Exchanges") == []


def test_customer_list_newest_first_with_customer_and_partner_links(api: Api, emulator: DwollaEmulator) -> None:
    older = _create(api, "c1")
    _create(api, "o1", customer_id=OTHER_CUSTOMER)
    _create(api, "a1", customer_id=None)
    newer = _create(api, "c2")

    body = api.get(f"/customers/{CUSTOMER_ID}/exchanges").json()

    assert schema_errors(body, "Exchanges") == []
    assert [e["_links"]["self"]["href"] for e in body["_embedded"]["exchanges"]] == [newer, older]
    item = body["_embedded"]["exchanges"][0]
    assert item["_links"]["customer"] == {
        "href": f"{emulator.url}/customers/{CUSTOMER_ID}",
        "type": HAL,
        "resource-type": "customer",
    }
    assert item["_links"]["exchange-partner"]["href"] == emulator.partner_href("Plaid")
    assert item["_links"]["exchange-partner"]["resource-type"] == "exchange-partner"
    assert item["_links"]["funding-sources"]["resource-type"] == "funding-source"
    assert (item["status"], item["id"]) == ("active", newer.rsplit("/", 1)[1])


def test_unknown_customer_list_is_the_documented_not_found(api: Api) -> None:
    response = api.get("/customers/00000000-0000-0000-0000-000000000000/exchanges")

    assert response.status_code == 404
    assert response.json() == {"code": "NotFound", "message": "Customer ID not found. Check Customer ID."}


@pytest.mark.parametrize("customer_id", [CUSTOMER_ID, None], ids=["customer", "account"])
def test_get_exchange_matches_the_official_schema(api: Api, emulator: DwollaEmulator, customer_id: str | None) -> None:
    location = _create(api, "x1", customer_id=customer_id)

    body = api.get(location).json()

    assert schema_errors(body, "Exchange") == []
    assert body["_links"]["self"] == {"href": location, "type": HAL, "resource-type": "exchange"}
    owner = "customer" if customer_id else "account"
    assert set(body["_links"]) >= {"self", "exchange-partner", owner}


def test_unknown_exchange_is_the_documented_not_found(api: Api) -> None:
    response = api.get("/exchanges/fcd15e5f-8d13-4570-a9b7-7fb49e55941d")

    assert response.status_code == 404
    assert response.json()["code"] == "NotFound"


def test_partner_bodies_match_the_official_schema(api: Api, emulator: DwollaEmulator) -> None:
    listing = api.get("/exchange-partners").json()
    single = api.get(emulator.partner_href("MX")).json()

    assert listing["_links"]["self"]["resource-type"] == "exchange-partner"
    assert single["_links"]["self"]["href"] == emulator.partner_href("MX")
    assert single["_links"]["funding-source"]["resource-type"] == "funding-source"
    # The official enum predates Checkout.com, which the newer seed documents: check the other four only.
    for partner in [p for p in listing["_embedded"]["exchange-partners"] if p["name"] != "Checkout.com"]:
        assert schema_errors(partner, "ExchangePartner") == []


def test_list_endpoints_need_the_bearer_token(emulator: DwollaEmulator) -> None:
    response = requests.get(f"{emulator.url}/exchanges", headers={"Accept": HAL}, timeout=5)

    assert (response.status_code, response.json()["code"]) == (401, "InvalidAccessToken")


def test_paged_lists_link_each_next_page_and_keep_the_total(api: Api, emulator: DwollaEmulator) -> None:
    created = [_create(api, f"p{n}") for n in range(3)]
    emulator.page_exchange_lists(2)

    first = api.get(f"/customers/{CUSTOMER_ID}/exchanges").json()
    path = first["_links"]["next"]["href"].removeprefix(emulator.url)
    last = api.get(path).json()

    assert schema_errors(first, "Exchanges") == []
    assert (first["total"], last["total"]) == (3, 3)
    assert path == f"/customers/{CUSTOMER_ID}/exchanges?limit=2&offset=2"
    assert "next" not in last["_links"]
    pages = first["_embedded"]["exchanges"] + last["_embedded"]["exchanges"]
    assert [e["_links"]["self"]["href"] for e in pages] == created[::-1]  # newest first, each once


def test_a_page_size_below_one_is_refused(emulator: DwollaEmulator) -> None:
    with pytest.raises(ValueError, match="at least one"):
        emulator.page_exchange_lists(0)
