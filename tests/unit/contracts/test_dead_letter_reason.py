"""The DLQ reason as one attribute, fitted into what SQS leaves (issue 11, items 10 and 11)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from exchange_linker.contracts.dead_letter import (
    MAX_MESSAGE_ATTRIBUTES,
    REASON_ATTRIBUTE,
    DeadLetter,
    DeadLetterReason,
    message_size,
    read_reason,
    upstream_attributes,
)
from exchange_linker_tools.moto_quotas import message_size as sqs_size
from tests.fuzz.strategies import fuzz_settings

LIMIT = 2048
FULL = DeadLetterReason(
    error_code="ResultNotRecorded",
    error_message="DynamoDB refused the write " * 6,
    event_id="evt-1",
    failed_at="2026-11-21T00:00:00.000Z",
    attempts=5,
    replay_count=2,
    exchange_url="https://api.dwolla.com/exchanges/fcd15e5f-0f4a-4e7b-9b4c-9a3f0b1c2d3e",
)


def letter(body: str = "{}", attributes=None, **reason) -> DeadLetter:
    fields = {"error_code": "InvalidEvent", "error_message": "partner: unknown", "failed_at": "t", "attempts": 1}
    return DeadLetter(body, **{**fields, **reason}, original_attributes=attributes or {})


def test_the_whole_reason_when_it_fits():
    assert json.loads(FULL.fitted_json(10_000)) == FULL.as_dict()


def test_the_message_is_shortened_before_anything_is_dropped():
    room = len(FULL.to_json().encode()) - 40
    shortened = json.loads(FULL.fitted_json(room))
    assert shortened["errorMessage"].endswith("…")
    assert {name: value for name, value in shortened.items() if name != "errorMessage"} == {
        name: value for name, value in FULL.as_dict().items() if name != "errorMessage"
    }
    assert len(FULL.fitted_json(room).encode()) <= room


def test_then_fields_go_least_useful_first_and_the_exchange_url_stays_longest():
    minimal = json.loads(FULL.fitted_json(len('{"errorCode":"ResultNotRecorded","exchangeUrl":""}') + 70))
    assert set(minimal) == {"errorCode", "exchangeUrl"}
    assert FULL.fitted_json(len('{"errorCode":"ResultNotRecorded"}')) == '{"errorCode":"ResultNotRecorded"}'
    assert FULL.fitted_json(10) is None


def test_non_ascii_is_counted_in_bytes():
    reason = DeadLetterReason(error_code="X", error_message="é" * 100)
    text = reason.fitted_json(60)
    assert text is not None
    assert len(text.encode()) <= 60


def test_an_older_consumers_five_attributes_are_read_and_are_ours():
    legacy = {
        "errorCode": "ServerError",
        "errorMessage": "boom",
        "eventId": "evt-1",
        "failedAt": "2026-11-21T00:00:00.000Z",
        "attempts": "5",
        "replayCount": "3",
        "traceparent": "00-abc",
    }
    wire = {name: {"DataType": "String", "StringValue": value} for name, value in legacy.items()}
    reason = read_reason(wire)
    assert reason is not None
    assert (reason.error_code, reason.event_id, reason.attempts, reason.replay_count) == ("ServerError", "evt-1", 5, 3)
    assert upstream_attributes(wire) == {"traceparent": wire["traceparent"]}


def test_an_upstream_attribute_named_like_an_old_one_is_not_taken_for_a_reason():
    wire = {"errorCode": {"DataType": "String", "StringValue": "the sender's"}}
    assert read_reason(wire) is None
    assert upstream_attributes(wire) == wire


def test_a_garbled_reason_reads_as_none():
    assert read_reason({REASON_ATTRIBUTE: {"DataType": "String", "StringValue": "{not json"}}) is None


def test_the_layers_size_rule_is_sqs_size_rule():
    attributes = {"a": {"DataType": "String", "StringValue": "é"}, "b": {"DataType": "Binary", "BinaryValue": b"12"}}
    assert message_size("ü", attributes) == sqs_size("ü", attributes) == 2 + 1 + 6 + 2 + 1 + 6 + 2


names = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,20}", fullmatch=True)
values = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60)


@fuzz_settings(300)
@given(
    upstream=st.dictionaries(names, values, max_size=MAX_MESSAGE_ATTRIBUTES),
    body_size=st.integers(0, LIMIT),
    message=st.text(max_size=300),
    url=st.one_of(st.none(), st.just(FULL.exchange_url)),
)
def test_whatever_the_queue_accepted_fits_the_dlq_with_every_upstream_attribute(upstream, body_size, message, url):
    attributes = {name: {"DataType": "String", "StringValue": value} for name, value in upstream.items()}
    body = "x" * body_size
    if sqs_size(body, attributes) > LIMIT:
        return  # the queue would have refused it
    sent = letter(body, attributes, error_message=message, exchange_url=url).message_attributes(LIMIT)
    assert sqs_size(body, sent) <= LIMIT
    assert len(sent) <= MAX_MESSAGE_ATTRIBUTES
    assert {name: value for name, value in sent.items() if name != REASON_ATTRIBUTE} == attributes
    room = LIMIT - sqs_size(body, attributes) - len(REASON_ATTRIBUTE) - len("String")
    if len(attributes) < MAX_MESSAGE_ATTRIBUTES and room >= len('{"errorCode":"InvalidEvent"}'):
        reason = read_reason(sent)
        assert reason is not None
        assert reason.error_code == "InvalidEvent"
    else:
        assert REASON_ATTRIBUTE not in sent


def test_the_reason_holds_only_characters_sqs_allows():
    """A sender's field name can hold U+FFFE or a control character; SQS refuses both in an attribute."""
    text = DeadLetterReason(error_code="InvalidEvent", error_message="\ufffe\x00\x1f: Extra inputs").to_json()
    assert text.isascii()
    assert all(" " <= char <= "~" for char in text)


def test_carries_reason_says_whether_the_message_holds_its_reason():
    """No slot or no byte left: the reason is not on the message (the table must hold it)."""
    some = {f"a{index}": {"DataType": "String", "StringValue": "v"} for index in range(MAX_MESSAGE_ATTRIBUTES - 1)}
    full = {**some, "last": {"DataType": "String", "StringValue": "v"}}
    assert letter(attributes=some).carries_reason()
    assert not letter(attributes=full).carries_reason()
    assert not letter(body="x" * LIMIT, attributes={}).carries_reason(max_size=LIMIT)
