"""POST /customers/{id}/exchanges and POST /exchanges: success, validation, scripted errors, reads."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from emulator_client import CUSTOMER_ID, ZERO_CUSTOMER_ID, Api, embedded_errors, exchange_body

from exchange_linker_tools.emulator import DwollaEmulator
from tests.conftest import FINICITY_RECEIPT

LOCATION = re.compile(r"/exchanges/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.mark.parametrize("kind", ["token", "plaid", "mx", "finicity"])
def test_customer_exchange_created_with_location(api: Api, emulator: DwollaEmulator, kind: str) -> None:
    response = api.post_exchange(exchange_body(emulator, kind, credential="secret-credential-1"))

    assert response.status_code == 201
    assert response.content == b""
    location = response.headers["Location"]
    assert location.startswith(f"{emulator.url}/exchanges/")
    assert LOCATION.search(location)
    [created] = emulator.exchanges
    assert (created.location, created.customer_id, created.kind) == (location, CUSTOMER_ID, kind)
    assert created.idempotency_key is None
    assert emulator.exchanges_for_credential("secret-credential-1") == [created]
    assert "secret-credential-1" not in repr(created)
    assert emulator.stats.exchanges_created == 1


@pytest.mark.parametrize("partner", ["Plaid", "MX", "Flinks", "Checkout.com"])
def test_token_body_works_for_every_token_partner(api: Api, emulator: DwollaEmulator, partner: str) -> None:
    response = api.post_exchange(exchange_body(emulator, "token", partner=partner))

    assert response.status_code == 201
    assert emulator.exchanges[0].partner == partner


@pytest.mark.parametrize("kind", ["token", "finicity"])
def test_account_exchange_created(api: Api, emulator: DwollaEmulator, kind: str) -> None:
    response = api.post_exchange(exchange_body(emulator, kind), customer_id=None)

    assert response.status_code == 201
    [created] = emulator.exchanges
    assert created.customer_id is None
    assert created.location == response.headers["Location"]


def test_account_exchange_accepts_the_seed_finicity_example_verbatim(api: Api, emulator: DwollaEmulator) -> None:
    body = {"_links": {"exchange-partner": {"href": emulator.partner_href("Finicity")}}, "finicity": FINICITY_RECEIPT}

    assert api.post_exchange(body, customer_id=None).status_code == 201


@pytest.mark.parametrize("kind", ["plaid", "mx"])
def test_account_endpoint_rejects_open_banking_bodies(api: Api, emulator: DwollaEmulator, kind: str) -> None:
    response = api.post_exchange(exchange_body(emulator, kind), customer_id=None)

    assert response.status_code == 400
    assert [e["path"] for e in embedded_errors(response)] == [f"/{kind}"]
    assert emulator.exchanges == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: b.pop("token"), [("Required", "/token")]),
        (lambda b: b.update(token=42), [("Invalid", "/token")]),
        (lambda b: b.pop("_links"), [("Required", "/_links")]),
        (lambda b: b["_links"].pop("exchange-partner"), [("Required", "/_links/exchange-partner")]),
        (lambda b: b.update(plaid={"publicToken": "p"}), [("Invalid", "/token"), ("Invalid", "/plaid")]),
    ],
    ids=["no-token", "token-not-string", "no-links", "no-partner-link", "two-variants"],
)
def test_schema_violations_are_validation_errors(
    api: Api, emulator: DwollaEmulator, mutate: Any, expected: list[tuple[str, str]]
) -> None:
    body = exchange_body(emulator, "token")
    mutate(body)

    response = api.post_exchange(body)

    assert response.status_code == 400
    body_json = response.json()
    assert body_json["message"] == "Validation error(s) present. See embedded errors list for more details."
    assert [(e["code"], e["path"]) for e in embedded_errors(response)] == expected
    assert emulator.exchanges == []
    assert emulator.stats.validation_errors == 1


def test_open_banking_variant_errors_point_inside_the_variant(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator, "mx")
    del body["mx"]["availableConnectionToken"]

    response = api.post_exchange(body)

    assert [(e["code"], e["path"]) for e in embedded_errors(response)] == [("Required", "/mx/availableConnectionToken")]


def test_validation_messages_do_not_echo_credentials(api: Api, emulator: DwollaEmulator) -> None:
    body = exchange_body(emulator, "plaid")
    body["plaid"]["publicToken"] = ["very-secret-value"]

    response = api.post_exchange(body)

    assert response.status_code == 400
    assert "very-secret-value" not in response.text


def test_body_that_is_not_json_is_bad_request(api: Api, emulator: DwollaEmulator) -> None:
    response = requests.post(
        f"{emulator.url}/customers/{CUSTOMER_ID}/exchanges", data=b"{not json", headers=api.headers(), timeout=5
    )

    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"


@pytest.mark.parametrize(
    "href",
    [
        "https://api-sandbox.dwolla.com/exchange-partners/{plaid_id}",
        "{url}/exchange-partners/f53ffb32-c84f-496a-9d9d-acd100d396ef",
        "{url}/customers/{plaid_id}",
        "not a url",
        "http://[broken",
    ],
    ids=["sandbox-host", "unknown-id", "wrong-resource", "garbage", "unparseable"],
)
def test_partner_href_must_be_one_of_this_emulators_partners(api: Api, emulator: DwollaEmulator, href: str) -> None:
    plaid_id = emulator.partner_href("Plaid").rsplit("/", 1)[1]
    body = exchange_body(emulator, "token")
    body["_links"]["exchange-partner"]["href"] = href.format(url=emulator.url, plaid_id=plaid_id)

    response = api.post_exchange(body)

    assert response.status_code == 400
    assert [(e["code"], e["path"]) for e in embedded_errors(response)] == [("Invalid", "/_links/exchange-partner/href")]


def test_partner_href_through_localhost_is_accepted(api: Api, emulator: DwollaEmulator) -> None:
    localhost_url = emulator.url.replace("127.0.0.1", "localhost")
    body = exchange_body(emulator, "token")
    body["_links"]["exchange-partner"]["href"] = emulator.partner_href("Plaid").replace(emulator.url, localhost_url)

    response = requests.post(
        f"{localhost_url}/customers/{CUSTOMER_ID}/exchanges", json=body, headers=api.headers(), timeout=5
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("kind", "partner"),
    [("plaid", "MX"), ("mx", "Plaid"), ("finicity", "Plaid"), ("token", "Finicity")],
)
def test_partner_must_match_body_variant(api: Api, emulator: DwollaEmulator, kind: str, partner: str) -> None:
    response = api.post_exchange(exchange_body(emulator, kind, partner=partner))

    assert response.status_code == 400
    [error] = embedded_errors(response)
    assert error["path"] == "/_links/exchange-partner/href"
    assert partner in error["message"]


@pytest.mark.parametrize("customer_id", [ZERO_CUSTOMER_ID, "not-a-uuid", "74A207B2B7B74EFA8BF8582148E7B980"])
def test_unknown_customer_is_not_found(api: Api, emulator: DwollaEmulator, customer_id: str) -> None:
    response = api.post_exchange(exchange_body(emulator), customer_id=customer_id)

    assert response.status_code == 404
    assert response.json() == {"code": "NotFound", "message": "The requested resource was not found."}


@pytest.mark.parametrize(("customer_id", "target"), [(CUSTOMER_ID, "a customer"), (None, "an account")])
def test_scope_switch_gives_invalid_scope(
    api: Api, emulator: DwollaEmulator, customer_id: str | None, target: str
) -> None:
    emulator.set_scope_enabled(False)
    refused = api.post_exchange(exchange_body(emulator), customer_id=customer_id)
    emulator.set_scope_enabled(True)
    allowed = api.post_exchange(exchange_body(emulator), customer_id=customer_id)

    assert refused.status_code == 401
    assert refused.json() == {
        "code": "InvalidScope",
        "message": f"The scopes for creating an exchange resource for {target} is not enabled for this "
        "application. Reach out to Dwolla for more information.",
    }
    assert allowed.status_code == 201
    assert len(emulator.exchanges) == 1


@pytest.mark.parametrize(
    ("credential", "status", "code"),
    [
        ("invalid-abc", 400, "InvalidExchangeToken"),
        ("inactive-abc", 400, "InvalidExchange"),
        ("reauth-abc", 400, "UpdateCredentials"),
        ("server-error-abc", 500, "ServerError"),
        ("rate-limited-abc", 429, "TooManyRequests"),
    ],
)
@pytest.mark.parametrize("kind", ["token", "plaid", "mx", "finicity"])
def test_scripted_outcomes_by_credential_prefix(
    api: Api, emulator: DwollaEmulator, kind: str, credential: str, status: int, code: str
) -> None:
    response = api.post_exchange(exchange_body(emulator, kind, credential=credential))

    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert emulator.exchanges == []
    assert emulator.stats.scripted_errors == {code: 1}


def test_reauth_links_to_an_exchange_session(api: Api, emulator: DwollaEmulator) -> None:
    response = api.post_exchange(exchange_body(emulator, credential="reauth-1"))

    assert response.json()["_links"]["about"]["href"].startswith(f"{emulator.url}/exchange-sessions/")


def test_server_error_message_carries_an_error_id(api: Api, emulator: DwollaEmulator) -> None:
    response = api.post_exchange(exchange_body(emulator, credential="server-error-1"))

    assert re.fullmatch(r"Error ID: [0-9a-f-]{36}", response.json()["message"])


def test_get_exchange_by_location(api: Api, emulator: DwollaEmulator) -> None:
    location = api.post_exchange(exchange_body(emulator)).headers["Location"]

    response = api.get(location)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == location.rsplit("/", 1)[1]
    assert body["status"] == "active"
    assert body["created"].endswith("Z")
    assert body["_links"]["self"]["href"] == location
    assert body["_links"]["exchange-partner"]["href"] == emulator.partner_href("Plaid")


def test_get_unknown_exchange_is_not_found(api: Api) -> None:
    assert api.get("/exchanges/fcd15e5f-8d13-4570-a9b7-7fb49e55941d").status_code == 404


def test_list_exchanges_by_customer(api: Api, emulator: DwollaEmulator) -> None:
    other_customer = "0f4bd0a9-3e4c-4b6f-8f8e-6d1b9c5f4a21"
    mine = {api.post_exchange(exchange_body(emulator, credential=f"t{i}")).headers["Location"] for i in range(2)}
    api.post_exchange(exchange_body(emulator), customer_id=other_customer)
    api.post_exchange(exchange_body(emulator), customer_id=None)

    response = api.get(f"/customers/{CUSTOMER_ID}/exchanges")

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    assert {e["_links"]["self"]["href"] for e in body["_embedded"]["exchanges"]} == mine
    assert len(emulator.exchanges_for_customer(other_customer)) == 1
    assert api.get(f"/customers/{ZERO_CUSTOMER_ID}/exchanges").status_code == 404
