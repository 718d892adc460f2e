"""Funding sources from exchanges: POST /customers/{id}/funding-sources, POST /funding-sources, GET one."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from emulator_client import CUSTOMER_ID, HAL, ZERO_CUSTOMER_ID, Api, admin, embedded_errors, exchange_body
from official_spec import schema_errors

from exchange_linker_tools.emulator import DwollaEmulator

OTHER_CUSTOMER = "0f4bd0a9-3e4c-4b6f-8f8e-6d1b9c5f4a21"
FS_LOCATION = re.compile(r"/funding-sources/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _exchange(api: Api, customer_id: str | None = CUSTOMER_ID, credential: str = "tok") -> str:
    response = api.post_exchange(exchange_body(api.emulator, credential=credential), customer_id=customer_id)
    assert response.status_code == 201
    return response.headers["Location"]


def _body(exchange_href: str, **extra: Any) -> dict[str, Any]:
    return {
        "_links": {"exchange": {"href": exchange_href}},
        "bankAccountType": "checking",
        "name": "Jane's Checking",
    } | extra


def _post(api: Api, body: Any, customer_id: str | None = CUSTOMER_ID, key: str | None = None) -> requests.Response:
    path = "/funding-sources" if customer_id is None else f"/customers/{customer_id}/funding-sources"
    headers = api.headers(**({"Idempotency-Key": key} if key else {}))
    return requests.post(f"{api.emulator.url}{path}", json=body, headers=headers, timeout=5)


def test_customer_funding_source_from_an_exchange(api: Api, emulator: DwollaEmulator) -> None:
    exchange = _exchange(api)
    body = _body(exchange)
    assert schema_errors(body, "CreateCustomerExchangeFundingSource") == []

    created = _post(api, body)
    fetched = api.get(created.headers["Location"])

    assert created.status_code == 201
    assert created.content == b""
    assert created.headers["Location"].startswith(f"{emulator.url}/funding-sources/")
    assert FS_LOCATION.search(created.headers["Location"])
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == HAL
    source = fetched.json()
    assert schema_errors(source, "FundingSource") == []
    assert (source["status"], source["type"], source["removed"]) == ("verified", "bank", False)
    assert (source["name"], source["bankAccountType"]) == ("Jane's Checking", "checking")
    assert source["_links"]["self"] == {
        "href": created.headers["Location"],
        "type": HAL,
        "resource-type": "funding-source",
    }
    assert source["_links"]["exchange"]["href"] == exchange
    assert source["_links"]["customer"]["href"] == f"{emulator.url}/customers/{CUSTOMER_ID}"
    [stored] = emulator.funding_sources
    assert (stored.location, stored.customer_id, stored.exchange_id) == (
        created.headers["Location"],
        CUSTOMER_ID,
        exchange.rsplit("/", 1)[1],
    )
    assert emulator.stats.funding_sources_created == 1


def test_on_demand_authorization_link_is_accepted(api: Api, emulator: DwollaEmulator) -> None:
    body = _body(_exchange(api), bankAccountType="savings")
    body["_links"]["on-demand-authorization"] = {"href": f"{emulator.url}/on-demand-authorizations/30e7c028"}
    assert schema_errors(body, "CreateCustomerExchangeFundingSource") == []

    response = _post(api, body)

    assert response.status_code == 201
    assert emulator.funding_sources[0].on_demand_authorization == f"{emulator.url}/on-demand-authorizations/30e7c028"
    assert emulator.funding_sources[0].bank_account_type == "savings"


def test_account_funding_source_from_an_account_exchange(api: Api, emulator: DwollaEmulator) -> None:
    exchange = _exchange(api, customer_id=None)

    created = _post(api, _body(exchange), customer_id=None)
    source = api.get(created.headers["Location"]).json()

    assert created.status_code == 201
    assert source["_links"]["account"]["href"] == f"{emulator.url}/accounts/{emulator.account_id}"
    assert "customer" not in source["_links"]
    assert emulator.funding_sources[0].customer_id is None


def test_same_key_and_body_replays_the_location(api: Api, emulator: DwollaEmulator) -> None:
    body = _body(_exchange(api))

    first = _post(api, body, key="fs-key")
    second = _post(api, body, key="fs-key")
    other_body = _post(api, {**body, "name": "Renamed"}, key="fs-key")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Location"] == first.headers["Location"]
    assert other_body.status_code == 400
    assert len(emulator.funding_sources) == 1
    assert emulator.stats.idempotent_replays == 1


def test_a_key_from_an_exchange_post_is_a_different_request(api: Api, emulator: DwollaEmulator) -> None:
    response = api.post_exchange(exchange_body(emulator), key="shared-key")

    reused = _post(api, _body(response.headers["Location"]), key="shared-key")

    assert reused.status_code == 400
    assert "different" in embedded_errors(reused)[0]["message"]


def test_second_funding_source_for_an_exchange_is_a_duplicate(api: Api, emulator: DwollaEmulator) -> None:
    exchange = _exchange(api)
    first = _post(api, _body(exchange), key="k-1")

    again = _post(api, _body(exchange, name="Another name"), key="k-2")

    assert again.status_code == 400
    body = again.json()
    existing_id = first.headers["Location"].rsplit("/", 1)[1]
    assert body == {
        "code": "DuplicateResource",
        "message": f"Bank already exists: id={existing_id}",
        "_links": {"about": {"href": first.headers["Location"], "type": HAL, "resource-type": "funding-source"}},
    }
    assert schema_errors(body, "DuplicateResourceSchema") == []
    assert len(emulator.funding_sources) == 1
    assert _post(api, _body(exchange, name="Another name"), key="k-2").status_code == 400, "a refusal is not remembered"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: b.pop("_links"), [("Required", "/_links/exchange/href")]),
        (lambda b: b["_links"]["exchange"].pop("href"), [("Required", "/_links/exchange/href")]),
        (lambda b: b["_links"]["exchange"].update(href=7), [("Invalid", "/_links/exchange/href")]),
        (lambda b: b.update(bankAccountType="loan"), [("Invalid", "/bankAccountType")]),
        (lambda b: b.pop("bankAccountType"), [("Required", "/bankAccountType")]),
        (lambda b: b.pop("name"), [("Required", "/name")]),
        (lambda b: b.update(name="x" * 51), [("Invalid", "/name")]),
        (
            lambda b: b["_links"].update({"on-demand-authorization": {}}),
            [("Invalid", "/_links/on-demand-authorization/href")],
        ),
    ],
    ids=["no-links", "no-href", "href-not-string", "loan", "no-type", "no-name", "long-name", "oda-without-href"],
)
def test_body_checks_are_validation_errors(
    api: Api, emulator: DwollaEmulator, mutate: Any, expected: list[tuple[str, str]]
) -> None:
    body = _body(_exchange(api))
    mutate(body)

    response = _post(api, body)

    assert response.status_code == 400
    assert [(e["code"], e["path"]) for e in embedded_errors(response)] == expected
    assert emulator.funding_sources == []


def test_other_funding_source_kinds_are_refused_plainly(api: Api) -> None:
    body = {"routingNumber": "222222226", "accountNumber": "123456789", "bankAccountType": "checking", "name": "Mine"}

    response = _post(api, body)

    [error] = embedded_errors(response)
    assert "only funding sources from an exchange are emulated" in error["message"]
    assert "routingNumber" in error["message"]


@pytest.mark.parametrize(
    "href",
    [
        "{url}/exchanges/fcd15e5f-8d13-4570-a9b7-7fb49e55941d",
        "https://api-sandbox.dwolla.com/exchanges/{id}",
        "{url}/funding-sources/{id}",
        "http://[broken",
    ],
    ids=["unknown-id", "other-host", "wrong-resource", "unparseable"],
)
def test_exchange_href_must_be_one_of_this_emulators_exchanges(api: Api, emulator: DwollaEmulator, href: str) -> None:
    exchange_id = _exchange(api).rsplit("/", 1)[1]

    response = _post(api, _body(href.format(url=emulator.url, id=exchange_id)))

    assert [(e["code"], e["path"]) for e in embedded_errors(response)] == [("Invalid", "/_links/exchange/href")]


@pytest.mark.parametrize(
    ("exchange_owner", "post_as"),
    [(OTHER_CUSTOMER, CUSTOMER_ID), (CUSTOMER_ID, None), (None, CUSTOMER_ID)],
    ids=["other-customer", "customer-exchange-on-account", "account-exchange-on-customer"],
)
def test_exchange_must_belong_to_the_same_owner(
    api: Api, emulator: DwollaEmulator, exchange_owner: str | None, post_as: str | None
) -> None:
    exchange = _exchange(api, customer_id=exchange_owner)

    response = _post(api, _body(exchange), customer_id=post_as)

    [error] = embedded_errors(response)
    assert error["path"] == "/_links/exchange/href"
    assert "does not belong" in error["message"]


@pytest.mark.parametrize("status", ["removed", "deactivated"])
def test_removed_or_deactivated_exchange_is_inactive(api: Api, emulator: DwollaEmulator, status: str) -> None:
    exchange = _exchange(api)
    emulator.set_exchange_status(exchange, status)  # type: ignore[arg-type]

    response = _post(api, _body(exchange))

    assert response.status_code == 400
    assert response.json() == {"code": "InactiveExchange", "message": "The Exchange was removed or disabled."}
    assert schema_errors(response.json(), "InactiveExchangeError") == []


@pytest.mark.parametrize("customer_id", [ZERO_CUSTOMER_ID, "not-a-uuid"])
def test_unknown_customer_is_not_found(api: Api, customer_id: str) -> None:
    response = _post(api, _body("http://x/exchanges/1"), customer_id=customer_id)

    assert response.status_code == 404
    assert response.json() == {"code": "NotFound", "message": "Customer ID not found. Check Customer ID."}


def test_unknown_funding_source_is_not_found(api: Api) -> None:
    response = api.get("/funding-sources/49dbaa24-1580-4b1c-8b58-24e26656fa31")

    assert (response.status_code, response.json()["code"]) == (404, "NotFound")


def test_funding_sources_need_the_bearer_token(api: Api, emulator: DwollaEmulator) -> None:
    exchange = _exchange(api)

    response = requests.post(
        f"{emulator.url}/customers/{CUSTOMER_ID}/funding-sources",
        json=_body(exchange),
        headers={"Accept": HAL},
        timeout=5,
    )

    assert (response.status_code, response.json()["code"]) == (401, "InvalidAccessToken")
    assert emulator.funding_sources == []


def test_funding_sources_can_hang(api: Api, emulator: DwollaEmulator) -> None:
    exchange = _exchange(api)
    emulator.hang("funding-sources")

    with pytest.raises(requests.ReadTimeout):
        requests.post(
            f"{emulator.url}/customers/{CUSTOMER_ID}/funding-sources",
            json=_body(exchange),
            headers=api.headers(),
            timeout=(2, 0.3),
        )
    assert emulator.funding_sources == []


def test_admin_lists_funding_sources_and_reset_forgets_them(api: Api, emulator: DwollaEmulator) -> None:
    exchange = _exchange(api)
    location = _post(api, _body(exchange), key="k").headers["Location"]

    listing = admin(emulator, "GET", "/funding-sources").json()
    emulator.reset()

    assert listing["total"] == 1
    assert listing["fundingSources"][0]["location"] == location
    assert listing["fundingSources"][0]["exchangeId"] == exchange.rsplit("/", 1)[1]
    assert listing["fundingSources"][0]["idempotencyKey"] == "k"
    assert emulator.funding_sources == []


def test_a_funding_source_fault_rule_refuses_funding_sources_only(api: Api, emulator: DwollaEmulator) -> None:
    """Issue 14: Dwolla refusing funding sources (the consumer's permanent-failure path) while exchanges work."""
    exchange = _exchange(api)
    body = {"code": "Forbidden", "customerId": CUSTOMER_ID, "operation": "funding-source"}
    rule = admin(emulator, "POST", "/faults", body)
    assert (rule.status_code, rule.json()["operation"]) == (201, "funding-source")
    assert rule.json()["description"] == f"Forbidden (403) funding sources for customer {CUSTOMER_ID}"
    refused = _post(api, _body(exchange))
    assert (refused.status_code, refused.json()["code"]) == (403, "Forbidden")
    assert _exchange(api, credential="tok-2")  # the customer's exchanges are not refused
    assert emulator.funding_sources == []
    admin(emulator, "DELETE", "/faults")
    assert _post(api, _body(exchange)).status_code == 201


def test_a_fault_rule_for_an_unknown_operation_is_refused(emulator: DwollaEmulator) -> None:
    body = {"code": "Forbidden", "customerId": CUSTOMER_ID, "operation": "transfers"}
    assert admin(emulator, "POST", "/faults", body).status_code == 400


def test_funding_source_locations_use_the_public_url(api: Api, emulator: DwollaEmulator) -> None:
    """As exchanges' do: a client configured with the public origin finds its funding sources there."""
    exchange = _exchange(api)
    emulator.public_url = "https://api-sandbox.dwolla.example"
    created = _post(api, _body(exchange))
    assert created.headers["Location"].startswith("https://api-sandbox.dwolla.example/funding-sources/")
