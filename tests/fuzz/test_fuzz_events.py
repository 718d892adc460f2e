"""Property-based tests of the v1 parser and the request builder against hostile SQS bodies.

The guarantees: the parser raises nothing but InvalidEventError, whatever the body; an event that
parses always yields a request confined to `/customers/{uuid}/exchanges` or `/exchanges` with a
deterministic body; refusals never echo a credential.
"""

from __future__ import annotations

import json
import posixpath
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from exchange_linker.contracts.link_completed import LinkCompletedEvent, parse_link_completed
from exchange_linker.dwolla.exchange_request import build_exchange_request, idempotency_key
from exchange_linker.errors import InvalidEventError
from tests.fuzz.strategies import (
    MARKER,
    SAFE_TEXT,
    SQS_MAX_BODY,
    envelope,
    event_dicts,
    fuzz_settings,
    json_values,
    nested,
)

CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BASES = ["https://api.dwolla.com", "https://api-sandbox.dwolla.com:8443", "http://127.0.0.1:8089"]
HREF = "https://api-sandbox.dwolla.com/exchange-partners/5b1c2e8e-4f7a-4a5d-8b8e-2c3f4d5e6f70"
VALID = {
    "eventId": "evt-1",
    "eventType": "link.completed",
    "customerId": "74a207b2-b7b7-4efa-8bf8-582148e7b980",
    "partner": "Plaid",
    "token": f"processor-sandbox-{MARKER}",
}


def parse_or_refuse(body: str) -> LinkCompletedEvent | InvalidEventError:
    """Any exception other than InvalidEventError escapes and fails the test."""
    try:
        return parse_link_completed(body)
    except InvalidEventError as refused:
        return refused


def assert_confined_request(event: LinkCompletedEvent, href: str, generation: int = 0) -> None:
    """The request a parsed event produces: fixed path shapes, deterministic body, the href given."""
    request = build_exchange_request(event, href, generation)
    if event.customer_id is None:
        assert request.path == "/exchanges"
    else:
        assert CANONICAL_UUID.fullmatch(event.customer_id), event.customer_id
        assert request.path == f"/customers/{event.customer_id}/exchanges"
    assert posixpath.normpath(request.path) == request.path
    for base in BASES:
        target = urlsplit(base + request.path)
        assert (target.scheme, target.netloc, target.path) == (
            urlsplit(base).scheme,
            urlsplit(base).netloc,
            request.path,
        )
        assert not target.query
        assert not target.fragment
    body = json.loads(request.body)
    assert body["_links"] == {"exchange-partner": {"href": href}}
    assert {key for key in body if key != "_links"} == {event.credential_kind.value}
    assert request.body == build_exchange_request(event, href, generation).body  # deterministic
    assert request.body == json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert request.idempotency_key == idempotency_key(event.event_id, generation)
    assert uuid.UUID(request.idempotency_key).version == 5


# ---------------------------------------------------------------------------------------------- totality


@fuzz_settings(400)
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=200))
@example("")
@example("{")
@example("\ud800")
@example('"\\ud800"')
@example("1e999999")
@example("NaN")
@example('{"eventId": NaN}')
def test_arbitrary_text_is_parsed_or_refused(body: str) -> None:
    outcome = parse_or_refuse(body)
    assert isinstance(outcome, LinkCompletedEvent | InvalidEventError)


@fuzz_settings(300)
@given(json_values(), st.integers(0, 4))
def test_arbitrary_json_in_any_envelope_is_parsed_or_refused(value: Any, kind: int) -> None:
    outcome = parse_or_refuse(json.dumps(envelope(value, kind)))
    assert isinstance(outcome, InvalidEventError)  # random JSON is never a valid event
    assert outcome.field
    assert outcome.reason


@pytest.mark.parametrize("depth", [10, 300, 600, 5_000, 100_000])
@pytest.mark.parametrize(
    "wrap",
    ["bare", "object", "sns", "eventbridge", "token", "metadata", "finicity"],
)
def test_deep_nesting_never_crashes_the_parser(depth: int, wrap: str) -> None:
    deep = nested(depth, "{" if wrap == "object" else "[")
    bodies = {
        "bare": deep,
        "object": deep,
        "sns": json.dumps(envelope({}, 1)).replace('"{}"', json.dumps(deep)),
        "eventbridge": json.dumps(envelope({}, 2)).replace('"detail": {}', f'"detail": {deep}'),
        "token": json.dumps(VALID).replace(json.dumps(VALID["token"]), deep),
        "metadata": json.dumps({**VALID, "metadata": {}}).replace('"metadata": {}', f'"metadata": {{"k": {deep}}}'),
        "finicity": json.dumps({**VALID, "partner": "Finicity", "token": None, "finicity": {}}).replace(
            '"finicity": {}', f'"finicity": {{"receiptId": "cr_{MARKER}", "products": {deep}}}'
        ),
    }
    body = bodies[wrap].replace('"token": null, ', "")
    outcome = parse_or_refuse(body)
    if wrap == "finicity" and isinstance(outcome, LinkCompletedEvent):
        assert outcome.credential_kind.value == "finicity"  # deep but legal JSON inside a receipt
    else:
        assert isinstance(outcome, InvalidEventError), wrap


# ------------------------------------------------------------------------------------------ hostile events


@fuzz_settings(400)
@given(event_dicts(), st.integers(0, 4), st.sampled_from([HREF, "https://h/exchange-partners/x?y=1#z", "", "é/../"]))
@example(({**VALID, "customerId": "../../accounts/x"}, [VALID["token"]]), 0, HREF)
@example(({**VALID, "customerId": "%2e%2e"}, [VALID["token"]]), 1, HREF)
@example(({**VALID, "customerId": VALID["customerId"].upper()}, [VALID["token"]]), 2, HREF)
@example(({**VALID, "customerId": VALID["customerId"] + "\n"}, [VALID["token"]]), 0, HREF)
@example(({**VALID, "customerId": "https://evil.example/x"}, [VALID["token"]]), 0, HREF)
@example(({k: v for k, v in VALID.items() if k != "customerId"}, [VALID["token"]]), 0, HREF)
def test_hostile_events_are_refused_cleanly_or_build_a_confined_request(
    case: tuple[dict[str, Any], list[str]], kind: int, href: str
) -> None:
    event_dict, secrets = case
    outcome = parse_or_refuse(json.dumps(envelope(event_dict, kind)))
    if isinstance(outcome, InvalidEventError):
        for secret in secrets:
            assert secret not in str(outcome)
            assert secret not in outcome.field
            assert secret not in (outcome.event_id or "")
        assert len(str(outcome)) <= 1024  # it becomes a DLQ attribute and a table attribute
        return
    assert kind in {0, 1, 2}  # a double SNS envelope or a non-string Message never yields an event
    assert_confined_request(outcome, href)
    for secret in secrets:
        assert secret not in repr(outcome)
    # What error scrubbing relies on: the event knows every credential string it carries.
    assert set(secrets) <= set(outcome.secret_values())


@fuzz_settings(150)
@given(st.permutations(list(VALID)), st.integers(0, 5))
def test_the_body_does_not_depend_on_field_order_or_envelope(order: list[str], generation: int) -> None:
    reordered = {name: VALID[name] for name in order}
    first = parse_link_completed(json.dumps(VALID))
    again = parse_link_completed(json.dumps(envelope(reordered, 1)))
    one = build_exchange_request(first, HREF, generation)
    other = build_exchange_request(again, HREF, generation)
    assert (one.path, one.idempotency_key, one.body) == (other.path, other.idempotency_key, other.body)


@fuzz_settings(60)
@given(st.integers(1, SQS_MAX_BODY // 64), SAFE_TEXT)
def test_large_valid_events_up_to_the_sqs_limit_build_a_request(products: int, filler: str) -> None:
    receipt = {
        "receiptId": f"cr_{MARKER}",
        "products": [{"accountId": f"{i}", "note": filler} for i in range(products)],
    }
    body = json.dumps({**VALID, "partner": "Finicity", "finicity": receipt, "token": None})  # null: absent
    if len(body.encode()) > SQS_MAX_BODY:
        return  # SQS would have refused it; nothing to parse
    event = parse_link_completed(body)
    assert_confined_request(event, HREF)
    assert json.loads(build_exchange_request(event, HREF, 0).body)["finicity"] == receipt


@pytest.mark.parametrize(
    ("fields", "secret"),
    [
        ({"token": "A" * 9000 + MARKER}, MARKER),
        ({"token": {"value": MARKER + "-in-a-dict"}}, MARKER),
        ({"token": [MARKER + "-in-a-list"]}, MARKER),
        ({"plaid": {"publicToken": MARKER + "-two-credentials"}}, MARKER),
        ({"token": None, "plaid": {"publicToken": MARKER + "-x", MARKER + "-as-key": 1}}, MARKER),
        ({"partner": "Finicity", "token": MARKER + "-wrong-partner"}, MARKER),
        ({"customerId": None, "token": None, "mx": {"availableConnectionToken": MARKER + "-account"}}, MARKER),
        ({"eventType": MARKER + "-not-a-type"}, MARKER),
        ({"customerId": MARKER + "-not-a-uuid"}, MARKER),
        ({"partner": MARKER + "-not-a-partner"}, MARKER),
    ],
)
def test_refusals_name_the_field_not_the_value(fields: dict[str, Any], secret: str) -> None:
    event = {key: value for key, value in {**VALID, **fields}.items() if value is not None}
    outcome = parse_or_refuse(json.dumps(event))
    assert isinstance(outcome, InvalidEventError)
    assert outcome.field
    # Values are never echoed. One exception is by design: a field *name* (here the unknown key under
    # `plaid`) is named, and that is not a credential value.
    if MARKER + "-as-key" not in json.dumps(event):
        assert secret not in str(outcome)


# ----------------------------------------------- regressions: bugs these tests found (fixed in ca8d9f9)


@pytest.mark.parametrize(
    "fields",
    [
        {"token": "processor-\\ud800-x"},
        {"partner": "Finicity", "token": None, "finicity": {"receiptId": "cr_\\udfff"}},
        {"token": None, "plaid": {"publicToken": "public-\\ud83d"}},
    ],
)
def test_lone_surrogates_are_refused_as_invalid_events(fields: dict[str, Any]) -> None:
    """They used to parse, then break the request builder's UTF-8 encode: 5 receives as InternalError."""
    event = {key: value for key, value in {**VALID, **fields}.items() if value is not None}
    body = json.dumps(event).replace("\\\\u", "\\u")  # the SQS body carries the JSON escape itself
    outcome = parse_or_refuse(body)
    assert isinstance(outcome, InvalidEventError)


@pytest.mark.parametrize("depth", [3, 14, 15, 16, 40, 600])
def test_deep_finicity_receipts_are_refused_or_scrubbable(depth: int) -> None:
    """They used to parse, then break secret scrubbing (RecursionError): never dead-lettered with a reason."""
    receipt = {"receiptId": f"cr_{MARKER}", "products": json.loads(nested(depth, "{"))}
    outcome = parse_or_refuse(json.dumps({**VALID, "partner": "Finicity", "finicity": receipt, "token": None}))
    if isinstance(outcome, LinkCompletedEvent):
        assert f"cr_{MARKER}" in outcome.secret_values()
        assert_confined_request(outcome, HREF)


@pytest.mark.parametrize("where", ["top-level", "metadata"])
def test_refusal_messages_stay_short_whatever_the_field_names(where: str) -> None:
    """A sender-chosen key used to be copied whole into the message, hence into the DLQ attributes."""
    key = "K" * 130_000
    event = {**VALID, key: 1} if where == "top-level" else {**VALID, "metadata": {key: "v"}}
    outcome = parse_or_refuse(json.dumps(event))
    assert isinstance(outcome, InvalidEventError)
    assert len(str(outcome)) <= 1024
