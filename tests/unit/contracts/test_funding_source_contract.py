"""Issue 14: the optional `fundingSource` object of the v1 event, and what it adds to the request and fingerprint."""

import json

import pytest

from exchange_linker.contracts.link_completed import parse_link_completed
from exchange_linker.dwolla.fingerprint import Fingerprinter, differing_parts
from exchange_linker.dwolla.funding_sources import build_funding_source_request, funding_source_key
from exchange_linker.errors import InvalidEventError
from tests.conftest import link_event

FUNDING = {"name": "Jane Doe's Checking", "bankAccountType": "checking"}
ODA = "https://api-sandbox.dwolla.com/on-demand-authorizations/30e7c028-0bdf-e511-80de-0aa34a9b2388"
EXCHANGE_URL = "https://api-sandbox.dwolla.com/exchanges/6bc9109a-04fd-49b6-ace6-ca06fd282d65"


def parse(**fields):
    return parse_link_completed(json.dumps(link_event(**fields)))


def invalid(**fields) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as caught:
        parse(**fields)
    return caught.value


@pytest.mark.parametrize("account_type", ["checking", "savings"])
def test_a_funding_source_is_accepted_with_a_name_and_an_account_type(account_type):
    event = parse(fundingSource={"name": "x" * 50, "bankAccountType": account_type})
    assert event.funding_source is not None
    assert (event.funding_source.name, event.funding_source.bank_account_type) == ("x" * 50, account_type)
    assert event.funding_source.on_demand_authorization is None


def test_an_on_demand_authorization_href_is_carried():
    event = parse(fundingSource={**FUNDING, "onDemandAuthorization": ODA})
    assert event.funding_source is not None
    assert event.funding_source.on_demand_authorization == ODA


@pytest.mark.parametrize(
    "funding",
    [
        {"name": "x" * 51, "bankAccountType": "checking"},
        {"name": "", "bankAccountType": "checking"},
        {"name": "   ", "bankAccountType": "checking"},
        {"name": "line\nbreak", "bankAccountType": "checking"},
        {"name": "Checking", "bankAccountType": "loan"},
        {"name": "Checking", "bankAccountType": "Checking"},
        {"name": "Checking"},
        {"bankAccountType": "checking"},
        {**FUNDING, "routingNumber": "222222226"},
        {**FUNDING, "onDemandAuthorization": "not a url"},
        {**FUNDING, "onDemandAuthorization": "https://api.dwolla.com/exchanges/30e7c028"},
        "Checking",
    ],
)
def test_a_funding_source_outside_the_official_schema_is_an_invalid_event(funding):
    error = invalid(fundingSource=funding)
    assert error.field.startswith("fundingSource")


def test_a_funding_source_on_a_checkout_com_event_is_invalid():
    """Dwolla's document has no funding source made from a debit-card exchange."""
    error = invalid(partner="Checkout.com", token="pay_abc", fundingSource=FUNDING)
    assert "Checkout.com" in str(error)
    assert parse(partner="Checkout.com", token="pay_abc").funding_source is None


def test_without_the_field_the_event_is_exactly_v1():
    plain = parse(eventId="evt-1", token="processor-sandbox-1")
    assert plain.funding_source is None
    fingerprints = Fingerprinter(lambda: b"k" * 32)
    assert set(fingerprints.of(plain)) == {"request", "customerId", "partner", "credential", "fundingSource"}
    asked = parse(eventId="evt-1", token="processor-sandbox-1", fundingSource=FUNDING)
    # the exchange request itself (what the exchange POST sends) is the same with or without it
    assert fingerprints.of(asked)["request"] == fingerprints.of(plain)["request"]


def test_the_funding_source_request_is_the_official_exchange_variant():
    event = parse(fundingSource={**FUNDING, "onDemandAuthorization": ODA})
    request = build_funding_source_request(event, EXCHANGE_URL, 0)
    assert request.path == f"/customers/{event.customer_id}/funding-sources"
    assert json.loads(request.body) == {
        "_links": {"exchange": {"href": EXCHANGE_URL}, "on-demand-authorization": {"href": ODA}},
        "bankAccountType": "checking",
        "name": "Jane Doe's Checking",
    }
    account = parse(customerId=None, fundingSource=FUNDING)
    assert build_funding_source_request(account, EXCHANGE_URL, 0).path == "/funding-sources"


def test_the_funding_source_key_is_stable_and_its_own():
    event = parse(fundingSource=FUNDING)
    key = build_funding_source_request(event, EXCHANGE_URL, 0).idempotency_key
    assert key == funding_source_key(event.event_id, 0)
    assert key != funding_source_key(event.event_id, 1)
    from exchange_linker.dwolla.exchange_request import idempotency_key

    assert key not in {idempotency_key(event.event_id, generation) for generation in range(3)}


def test_another_funding_source_under_the_same_event_id_conflicts_naming_it():
    fingerprints = Fingerprinter(lambda: b"k" * 32)
    first = fingerprints.of(parse(eventId="evt-2", token="t-1234", fundingSource=FUNDING))
    other = fingerprints.of(parse(eventId="evt-2", token="t-1234", fundingSource={**FUNDING, "name": "Savings"}))
    none = fingerprints.of(parse(eventId="evt-2", token="t-1234"))
    assert differing_parts(first, other) == ["fundingSource"]
    assert differing_parts(first, none) == ["fundingSource"]
    assert differing_parts(none, first) == ["fundingSource"]
    assert differing_parts(first, first) == []


def test_a_row_created_before_funding_sources_existed_does_not_conflict():
    fingerprints = Fingerprinter(lambda: b"k" * 32)
    asked = fingerprints.of(parse(eventId="evt-3", token="t-1234", fundingSource=FUNDING))
    before = {part: digest for part, digest in asked.items() if part != "fundingSource"}
    assert differing_parts(before, asked) == []
    changed = fingerprints.of(parse(eventId="evt-3", token="t-5678", fundingSource=FUNDING))
    assert differing_parts(before, changed) == ["credential"]
