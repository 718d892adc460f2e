import json

from exchange_linker.contracts.link_completed import parse_link_completed
from exchange_linker.dwolla.exchange_request import build_exchange_request, exchange_path, idempotency_key
from tests.conftest import CUSTOMER_ID, body

HREF = "https://api-sandbox.dwolla.com/exchange-partners/f53ffb32-c84f-496a-9d9d-acd100d396ef"


def test_customer_and_account_paths():
    assert exchange_path(CUSTOMER_ID) == f"/customers/{CUSTOMER_ID}/exchanges"
    assert exchange_path(None) == "/exchanges"


def test_idempotency_key_is_stable_per_event_and_generation():
    assert idempotency_key("evt-1", 0) == idempotency_key("evt-1", 0)
    assert idempotency_key("evt-1", 0) != idempotency_key("evt-1", 1)
    assert idempotency_key("evt-1", 0) != idempotency_key("evt-2", 0)


def test_body_is_deterministic_and_matches_the_seed_shape():
    event = parse_link_completed(body(eventId="e", token="tok-1", metadata={"b": "2", "a": "1"}))
    first = build_exchange_request(event, HREF, 0)
    again = build_exchange_request(parse_link_completed(body(eventId="e", token="tok-1")), HREF, 0)
    assert first.body == again.body
    assert json.loads(first.body) == {"_links": {"exchange-partner": {"href": HREF}}, "token": "tok-1"}
    assert first.body == b'{"_links":{"exchange-partner":{"href":"' + HREF.encode() + b'"}},"token":"tok-1"}'


def test_open_banking_body():
    event = parse_link_completed(body(token=None, plaid={"publicToken": "public-sandbox-1"}))
    assert json.loads(build_exchange_request(event, HREF, 0).body)["plaid"] == {"publicToken": "public-sandbox-1"}


def test_repr_never_shows_the_body():
    event = parse_link_completed(body(token="tok-hidden"))
    assert "tok-hidden" not in repr(build_exchange_request(event, HREF, 0))
