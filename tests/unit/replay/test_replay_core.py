"""The replay's parts with in-memory ports: reading a message, selecting it, and the attributes it goes back with."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from exchange_linker.contracts.dead_letter import REASON_ATTRIBUTE
from exchange_linker.contracts.results import ExchangeResult, Status
from exchange_linker.replay.filter import ReplayFilter
from exchange_linker.replay.message import DeadLetterMessage, describe, replay_attributes
from exchange_linker_tools.fakes import MemoryResults
from tests.conftest import CUSTOMER_ID, body

FAILED_AT = "2026-11-20T18:04:05.123Z"


def reason(code: str, event_id: str | None = None, failed_at: str = FAILED_AT, **extra: str) -> dict[str, str]:
    attributes = {"errorCode": code, "errorMessage": "why", "failedAt": failed_at, "attempts": "1", **extra}
    if event_id:
        attributes["eventId"] = event_id
    return attributes


def dead_letter(payload: str, **attributes: str) -> DeadLetterMessage:
    wire = {name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()}
    return DeadLetterMessage(message_id="m1", receipt_handle="r1", body=payload, attributes=wire)


# ---------------------------------------------------------------- reading a message


def test_reason_and_event_come_from_the_attributes_first():
    view = describe(dead_letter(body(eventId="evt-1", partner="MX"), **reason("InvalidScope", "evt-1")))
    assert (view.event_id, view.partner, view.customer_id) == ("evt-1", "MX", CUSTOMER_ID)
    assert (view.error_code, view.reason_from) == ("InvalidScope", "attributes")
    assert view.failed_at == datetime(2026, 11, 20, 18, 4, 5, 123000, tzinfo=UTC)


def test_a_message_without_attributes_is_explained_by_its_result():
    results = MemoryResults(
        {
            "evt-2": ExchangeResult(
                "evt-2", Status.RETRYING, 3, "2026-11-21T10:00:00.000Z", partner="Plaid", error_code="ServerError"
            )
        }
    )
    view = describe(dead_letter(body(eventId="evt-2")), results)
    assert (view.error_code, view.reason_from) == ("ServerError", "results")
    assert view.failed_at == datetime(2026, 11, 21, 10, tzinfo=UTC)
    assert results.lookups == ["evt-2"]


def test_the_table_is_not_read_when_the_attributes_tell():
    results = MemoryResults()
    describe(dead_letter(body(eventId="evt-3"), **reason("NotFound", "evt-3")), results)
    assert results.lookups == []


@pytest.mark.parametrize(
    "wrap",
    [
        lambda event: {"Type": "Notification", "TopicArn": "arn:t", "Message": json.dumps(event)},
        lambda event: {"detail-type": "Link Completed", "source": "s", "detail": event},
    ],
    ids=["sns", "eventbridge"],
)
def test_envelopes_are_unwrapped(wrap):
    event = json.loads(body(eventId="evt-4", partner="Flinks"))
    view = describe(dead_letter(json.dumps(wrap(event))))
    assert (view.event_id, view.partner) == ("evt-4", "Flinks")


def test_an_invalid_event_is_still_read_leniently():
    view = describe(dead_letter(json.dumps({"eventId": "evt-5", "partner": "Yodlee", "customerId": 7})))
    assert (view.event_id, view.partner, view.customer_id) == ("evt-5", "Yodlee", None)
    assert describe(dead_letter("not json")).event_id is None
    broken_sns = json.dumps({"Type": "Notification", "TopicArn": "arn:t", "Message": "{nope"})
    assert describe(dead_letter(broken_sns)).event_id is None


# ---------------------------------------------------------------- selection


def view_of(**attributes: str):
    fields = {key: attributes.pop(key) for key in ("eventId", "partner", "customerId") if key in attributes}
    return describe(dead_letter(body(**fields), **attributes))


def test_an_empty_filter_selects_everything_even_the_unknown():
    assert ReplayFilter().selects_everything
    assert ReplayFilter().matches(describe(dead_letter("garbage")))


def test_or_within_a_kind_and_across_kinds():
    scope_plaid = view_of(partner="Plaid", **reason("InvalidScope"))
    scope_mx = view_of(partner="MX", **reason("InvalidScope"))
    not_found_plaid = view_of(partner="Plaid", **reason("NotFound"))
    either = ReplayFilter(error_codes=frozenset({"InvalidScope", "NotFound"}))
    assert all(either.matches(v) for v in (scope_plaid, scope_mx, not_found_plaid))
    both = ReplayFilter(error_codes=frozenset({"InvalidScope"}), partners=frozenset({"plaid"}))
    assert [both.matches(v) for v in (scope_plaid, scope_mx, not_found_plaid)] == [True, False, False]


def test_partner_is_case_insensitive_and_customer_ids_are_compared_lower_case():
    view = view_of(partner="Checkout.com", customerId=CUSTOMER_ID, **reason("X"))
    assert ReplayFilter(partners=frozenset({"CHECKOUT.COM"})).matches(view)
    assert ReplayFilter(customer_ids=frozenset({CUSTOMER_ID.upper()})).matches(view)
    assert not ReplayFilter(customer_ids=frozenset({"00000000-0000-0000-0000-000000000001"})).matches(view)


def test_event_ids():
    view = view_of(eventId="evt-a", **reason("X"))
    assert ReplayFilter(event_ids=frozenset({"evt-b", "evt-a"})).matches(view)
    assert not ReplayFilter(event_ids=frozenset({"evt-b"})).matches(view)


def test_time_window_is_after_inclusive_before_exclusive():
    view = view_of(**reason("X", failed_at="2026-11-20T12:00:00.000Z"))
    noon = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert ReplayFilter(failed_after=noon).matches(view)
    assert not ReplayFilter(failed_before=noon).matches(view)
    assert ReplayFilter(failed_after=datetime(2026, 11, 20, 11, 59)).matches(view)  # naive is UTC
    assert not ReplayFilter(failed_after=datetime(2026, 11, 20, 12, 0, 1, tzinfo=UTC)).matches(view)
    unknown = describe(dead_letter(body()))
    assert not ReplayFilter(failed_after=noon).matches(unknown)


def test_a_filter_refuses_an_empty_window_and_blank_values():
    with pytest.raises(ValueError, match="earlier"):
        ReplayFilter(failed_after=datetime(2026, 1, 2, tzinfo=UTC), failed_before=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="empty"):
        ReplayFilter(error_codes=frozenset({" "}))


# ---------------------------------------------------------------- attributes of a replayed message


def test_replayed_attributes_drop_the_reason_keep_the_rest_and_count_replays():
    upstream = {"traceparent": {"DataType": "String", "StringValue": "00-abc-01"}}
    binary = {"blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}
    ours = {name: {"DataType": "String", "StringValue": value} for name, value in reason("X", "evt-1").items()}
    first = replay_attributes({**ours, **upstream, **binary})  # the five attributes of an older consumer
    assert first == {**upstream, **binary, "replayCount": {"DataType": "String", "StringValue": "1"}}
    again = replay_attributes({**first, **ours})
    assert again["replayCount"]["StringValue"] == "2"
    compact = {REASON_ATTRIBUTE: {"DataType": "String", "StringValue": '{"errorCode":"X","replayCount":4}'}}
    assert replay_attributes({**upstream, **compact}) == {
        **upstream,
        "replayCount": {"DataType": "String", "StringValue": "5"},
    }


def test_replayed_attributes_never_exceed_ten_and_the_upstreams_come_first():
    upstream = {f"a{i}": {"DataType": "String", "StringValue": str(i)} for i in range(9)}
    eventid = {"eventId": {"DataType": "String", "StringValue": "e"}}  # the sender's, not a reason: kept
    assert replay_attributes({**upstream, **eventid}) == {**upstream, **eventid}
    assert replay_attributes(upstream)["replayCount"]["StringValue"] == "1"


def test_replayed_attributes_never_exceed_the_size_limit():
    upstream = {"a": {"DataType": "String", "StringValue": "v"}}
    body = "x" * (1000 - 8)  # "a" + "String" + "v" = 8 bytes: the message is at the limit already
    assert replay_attributes(upstream, body, max_size=1000) == upstream
    assert "replayCount" in replay_attributes(upstream, body[:-30], max_size=1000)
