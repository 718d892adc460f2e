"""The Replayer and its parts with in-memory ports: selection, never-lose, limit, rate, deadline."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from exchange_linker.contracts.dead_letter import REASON_ATTRIBUTE
from exchange_linker.contracts.results import ExchangeResult, Status
from exchange_linker.replay.filter import ReplayFilter
from exchange_linker.replay.message import DeadLetterMessage, describe, replay_attributes
from exchange_linker.replay.pacing import Deadline, RateLimiter
from exchange_linker.replay.replayer import Action, Replayer, ReplayRefusedError, StopReason, check_route
from exchange_linker_tools.fakes import FakeClock, MemoryQueue, MemoryResults
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


# ---------------------------------------------------------------- the replayer


def scope_queue(matching: int, other: int) -> MemoryQueue:
    queue = MemoryQueue()
    for i in range(matching):
        queue.put(body(eventId=f"evt-m{i}"), reason("InvalidScope", f"evt-m{i}"))
    for i in range(other):
        queue.put(body(eventId=f"evt-o{i}"), reason("NotFound", f"evt-o{i}"))
    return queue


SCOPE = ReplayFilter(error_codes=frozenset({"InvalidScope"}))


def test_moves_what_matches_and_gives_the_rest_back():
    dlq, destination = scope_queue(3, 12), MemoryQueue()
    summary = Replayer(dlq, destination).run(SCOPE, dry_run=False)
    assert (summary.scanned, summary.matched, summary.moved, summary.stopped_by) == (15, 3, 3, StopReason.EMPTY)
    assert sorted(json.loads(b)["eventId"] for b, _ in destination.sent) == ["evt-m0", "evt-m1", "evt-m2"]
    assert len(dlq.messages) == 12
    assert len(dlq.visible_ids()) == 12  # released, not left invisible
    assert all(stored.receipts == 1 for stored in dlq.messages.values())  # each seen once
    assert dict(summary.by_error_code) == {"InvalidScope": 3}
    assert {row.action for row in summary.rows} == {Action.MOVED}


def test_dry_run_moves_nothing_and_releases_everything():
    dlq, destination = scope_queue(3, 2), MemoryQueue()
    summary = Replayer(dlq, destination).run(SCOPE, dry_run=True)
    assert (summary.matched, summary.moved, destination.sent) == (3, 0, [])
    assert len(dlq.visible_ids()) == 5
    assert {row.action for row in summary.rows} == {Action.WOULD_MOVE}


def test_a_failed_send_stops_the_run_and_the_message_stays_visible():
    dlq, destination = scope_queue(3, 0), MemoryQueue(fail_sends=True)
    summary = Replayer(dlq, destination).run(SCOPE, dry_run=False)
    assert (summary.failed_sends, summary.moved, summary.stopped_by) == (1, 0, StopReason.SEND_FAILED)
    assert len(dlq.visible_ids()) == 3


def test_a_failed_delete_duplicates_never_drops():
    dlq, destination = scope_queue(1, 0), MemoryQueue()
    dlq.fail_deletes = True
    summary = Replayer(dlq, destination).run(SCOPE, dry_run=False)
    assert (summary.moved, summary.not_deleted) == (1, 1)
    assert len(destination.sent) == 1
    assert len(dlq.visible_ids()) == 1  # in both queues: the consumer skips the duplicate


class SimulatedCrashError(Exception):
    pass


def test_a_crash_between_send_and_delete_leaves_the_message_in_both_queues():
    dlq, destination = scope_queue(2, 1), MemoryQueue()

    def crash(receipt_handle: str) -> None:
        raise SimulatedCrashError

    dlq.delete = crash  # type: ignore[method-assign]
    with pytest.raises(SimulatedCrashError):
        Replayer(dlq, destination).run(SCOPE, dry_run=False)
    assert len(destination.sent) == 1
    assert len(dlq.messages) == 3
    assert len(dlq.visible_ids()) == 3  # released on the way out


def test_limit_moves_exactly_n():
    dlq, destination = scope_queue(25, 5), MemoryQueue()
    summary = Replayer(dlq, destination).run(SCOPE, dry_run=False, limit=12)
    assert (summary.moved, summary.stopped_by) == (12, StopReason.LIMIT)
    assert len(destination.sent) == 12
    assert len(dlq.visible_ids()) == 18


def test_rate_spaces_the_sends_evenly():
    clock = FakeClock()
    dlq, destination = scope_queue(5, 0), MemoryQueue()
    Replayer(dlq, destination, rate=RateLimiter(4, clock=clock, sleep=clock.sleep)).run(SCOPE, dry_run=False)
    assert clock.sleeps == [0.25, 0.25, 0.25, 0.25]
    assert len(destination.sent) == 5


def test_rate_limiter_counts_time_already_spent():
    clock = FakeClock()
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep)
    assert limiter.wait() == 0
    clock.now += 0.2  # work between two sends
    assert limiter.wait() == pytest.approx(0.3)
    clock.now += 5  # idle: no burst allowance builds up
    assert [limiter.wait(), limiter.wait()] == [0, 0.5]


@pytest.mark.parametrize("rate", [0, -1.5])
def test_rate_must_be_positive(rate):
    with pytest.raises(ValueError):
        RateLimiter(rate)


def test_the_deadline_stops_cleanly_and_reports_truncated():
    clock = FakeClock()
    dlq, destination = scope_queue(10, 0), MemoryQueue(clock=clock)
    dlq.clock = clock
    deadline = Deadline.in_seconds(3.2, clock=clock)
    limiter = RateLimiter(1, clock=clock, sleep=clock.sleep)
    summary = Replayer(dlq, destination, rate=limiter, deadline=deadline).run(SCOPE, dry_run=False)
    assert summary.truncated
    assert summary.moved == 4  # at 0, 1, 2 and 3 s; the fifth would start after the deadline
    assert len(dlq.visible_ids()) == 6


def test_the_hold_covers_the_rest_of_a_lambda_run():
    dlq = scope_queue(1, 0)
    Replayer(dlq, deadline=Deadline(lambda: 400.0, margin=30)).run(SCOPE)
    assert set(dlq.holds) == {370 + 60}


def test_a_message_whose_hold_ran_out_is_not_counted_twice():
    """A slow run (1 message per 100 s) outlives the 900 s hold: messages come back but count once."""
    clock = FakeClock()
    dlq, destination = MemoryQueue(clock=clock), MemoryQueue()
    for code, count in [("NotFound", 5), ("InvalidScope", 12), ("NotFound", 25)]:
        for _ in range(count):
            dlq.put(body(), reason(code))
    limiter = RateLimiter(0.01, clock=clock, sleep=clock.sleep)
    summary = Replayer(dlq, destination, rate=limiter).run(SCOPE, dry_run=False)
    assert clock.now - 1000 > 900
    assert max(stored.receipts for stored in dlq.messages.values()) > 1  # they did come back
    assert (summary.scanned, summary.moved) == (42, 12)
    assert len(destination.sent) == 12
    assert len(dlq.visible_ids()) == 30


class DeadLettersAgain(MemoryQueue):
    """The consumer, cause not fixed: every replayed message is back in the DLQ moments later."""

    def __init__(self, dlq: MemoryQueue) -> None:
        super().__init__(clock=dlq.clock)
        self.dlq = dlq

    def send(self, body, attributes):
        if len(self.sent) > 50:
            raise AssertionError("the run keeps replaying its own output")
        super().send(body, attributes)
        self.clock.now += 0.5
        self.dlq.put(body, {name: value["StringValue"] for name, value in attributes.items()})


def test_a_run_does_not_feed_on_its_own_output():
    clock = FakeClock()
    dlq = MemoryQueue(clock=clock)
    for i in range(15):
        dlq.put(body(eventId=f"evt-{i}"), reason("InvalidScope", f"evt-{i}"))
    consumer = DeadLettersAgain(dlq)
    summary = Replayer(dlq, consumer, now=clock.datetime).run(ReplayFilter(), dry_run=False)
    assert (summary.moved, summary.arrived_during_run, summary.stopped_by) == (15, 15, StopReason.EMPTY)
    assert len(consumer.sent) == 15
    assert len(dlq.visible_ids()) == 15  # the second failures wait, visible, for the next run


def test_a_move_needs_a_destination():
    with pytest.raises(ValueError):
        Replayer(MemoryQueue()).run(SCOPE, dry_run=False)


def test_refuses_to_replay_into_the_dlq_itself():
    arn = "arn:aws:sqs:us-east-1:123456789012:dlq"
    with pytest.raises(ReplayRefusedError):
        check_route("https://sqs/q/dlq", arn, "https://sqs/q/dlq/", "arn:other")
    with pytest.raises(ReplayRefusedError):
        check_route("https://sqs/q/dlq", arn, "https://sqs.us-east-1.amazonaws.com/123456789012/dlq", arn)
    check_route("https://sqs/q/dlq", arn, "https://sqs/q/main", "arn:aws:sqs:us-east-1:123456789012:main")
