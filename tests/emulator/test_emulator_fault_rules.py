"""Operator fault rules: every valid exchange POST for a customer and/or partner answers a Dwolla error."""

from __future__ import annotations

import pytest
from emulator_client import CUSTOMER_ID, Api, admin, embedded_errors, exchange_body

from exchange_linker_tools.emulator import DwollaEmulator

OTHER_CUSTOMER = "0f4bd0a9-3e4c-4b6f-8f8e-6d1b9c5f4a21"


def test_customer_fault_answers_only_that_customers_posts(api: Api, emulator: DwollaEmulator) -> None:
    created = admin(emulator, "POST", "/faults", {"code": "InvalidScope", "customerId": CUSTOMER_ID})

    refused = api.post_exchange(exchange_body(emulator), customer_id=CUSTOMER_ID)
    other = api.post_exchange(exchange_body(emulator), customer_id=OTHER_CUSTOMER)
    account = api.post_exchange(exchange_body(emulator), customer_id=None)

    assert created.status_code == 201
    assert created.json() == {
        "id": "1",
        "code": "InvalidScope",
        "status": 401,
        "customerId": CUSTOMER_ID,
        "partner": None,
        "operation": "exchange",
        "description": f"InvalidScope (401) for customer {CUSTOMER_ID}",
    }
    assert refused.status_code == 401
    assert refused.json() == {
        "code": "InvalidScope",
        "message": "The scopes for creating an exchange resource for a customer is not enabled for this "
        "application. Reach out to Dwolla for more information.",
    }
    assert (other.status_code, account.status_code) == (201, 201)
    assert emulator.stats.fault_rule_hits == {"InvalidScope": 1}
    assert len(emulator.exchanges) == 2


def test_partner_fault_answers_customer_and_account_posts(api: Api, emulator: DwollaEmulator) -> None:
    admin(emulator, "POST", "/faults", {"code": "UpdateCredentials", "partner": "plaid"})

    customer = api.post_exchange(exchange_body(emulator, "plaid"))
    account = api.post_exchange(exchange_body(emulator, "token", partner="Plaid"), customer_id=None)
    mx = api.post_exchange(exchange_body(emulator, "mx"))

    for response in (customer, account):
        assert response.status_code == 400
        assert response.json()["code"] == "UpdateCredentials"
        assert response.json()["_links"]["about"]["href"].startswith(f"{emulator.url}/exchange-sessions/")
    assert mx.status_code == 201
    assert [rule.partner for rule in emulator.fault_rules] == ["Plaid"]


def test_both_targets_must_match(api: Api, emulator: DwollaEmulator) -> None:
    emulator.add_fault_rule("InactiveExchange", customer_id=CUSTOMER_ID.upper(), partner="MX")

    both = api.post_exchange(exchange_body(emulator, "mx"))
    other_partner = api.post_exchange(exchange_body(emulator, "token", partner="Flinks"))
    other_customer = api.post_exchange(exchange_body(emulator, "mx"), customer_id=OTHER_CUSTOMER)

    assert (both.status_code, both.json()["code"]) == (400, "InactiveExchange")
    assert (other_partner.status_code, other_customer.status_code) == (201, 201)


@pytest.mark.parametrize(
    ("code", "status", "expected_status"),
    [
        ("InvalidExchangeToken", None, 400),
        ("InvalidExchangeToken", 401, 401),
        ("InvalidExchange", None, 400),
        ("Forbidden", None, 403),
        ("NotFound", None, 404),
        ("TooManyRequests", None, 429),
        ("ServerError", None, 500),
    ],
)
def test_every_code_answers_with_its_status(
    api: Api, emulator: DwollaEmulator, code: str, status: int | None, expected_status: int
) -> None:
    emulator.add_fault_rule(code, customer_id=CUSTOMER_ID, status=status)

    response = api.post_exchange(exchange_body(emulator))

    assert response.status_code == expected_status
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert emulator.exchanges == []


def test_the_first_matching_rule_answers_and_removal_uncovers_the_next(api: Api, emulator: DwollaEmulator) -> None:
    first = emulator.add_fault_rule("ServerError", customer_id=CUSTOMER_ID)
    emulator.add_fault_rule("InvalidExchange", partner="Plaid")

    before = api.post_exchange(exchange_body(emulator)).json()["code"]
    removed = admin(emulator, "DELETE", f"/faults/{first.id}")
    after = api.post_exchange(exchange_body(emulator)).json()["code"]

    assert (before, after) == ("ServerError", "InvalidExchange")
    assert removed.json() == {"cleared": 1}
    assert admin(emulator, "DELETE", f"/faults/{first.id}").status_code == 404


def test_clear_lifts_every_fault_and_keys_were_not_remembered(api: Api, emulator: DwollaEmulator) -> None:
    admin(emulator, "POST", "/faults", {"code": "InvalidScope", "customerId": CUSTOMER_ID})
    admin(emulator, "POST", "/faults", {"code": "ServerError", "partner": "Plaid"})
    body = exchange_body(emulator)
    refused = api.post_exchange(body, key="k-1")

    listed = admin(emulator, "GET", "/faults").json()
    cleared = admin(emulator, "DELETE", "/faults").json()
    retried = api.post_exchange(body, key="k-1")

    assert refused.status_code == 401
    assert [f["code"] for f in listed["faults"]] == ["InvalidScope", "ServerError"]
    assert cleared == {"cleared": 2}
    assert retried.status_code == 201
    assert emulator.fault_rules == []


def test_a_malformed_body_still_gets_its_validation_error(api: Api, emulator: DwollaEmulator) -> None:
    emulator.add_fault_rule("InvalidScope", customer_id=CUSTOMER_ID)
    body = exchange_body(emulator)
    del body["token"]

    response = api.post_exchange(body)

    assert response.status_code == 400
    assert embedded_errors(response)


def test_python_api_round_trip(emulator: DwollaEmulator) -> None:
    rule = emulator.add_fault_rule("InvalidExchangeToken", partner="FINICITY", status=401)

    assert (rule.code, rule.status, rule.partner, rule.customer_id) == ("InvalidExchangeToken", 401, "Finicity", None)
    assert emulator.remove_fault_rule(rule.id) is True
    assert emulator.remove_fault_rule(rule.id) is False
    emulator.add_fault_rule("ServerError", partner="MX")
    emulator.reset()
    assert emulator.fault_rules == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"code": "Meltdown", "partner": "Plaid"}, "code must be one of"),
        ({"code": "InvalidScope"}, "needs a customerId, a partner, or both"),
        ({"code": "InvalidScope", "customerId": "not-a-uuid"}, "customerId must be a UUID"),
        ({"code": "InvalidScope", "partner": "Visa"}, "partner must be one of"),
        ({"code": "InvalidScope", "partner": "Plaid", "status": 400}, "InvalidScope is answered with status 401"),
        ({"code": "InvalidScope", "partner": 7}, "partner must be a string"),
        ({"partner": "Plaid"}, "code is required"),
    ],
)
def test_fault_input_errors(emulator: DwollaEmulator, body: dict[str, object], fragment: str) -> None:
    response = admin(emulator, "POST", "/faults", body)

    assert response.status_code == 400
    assert fragment in response.json()["message"]
    assert emulator.fault_rules == []
