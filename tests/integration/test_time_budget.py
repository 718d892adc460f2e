"""The Lambda time budget: hanging Dwolla endpoints never outlast the invocation, and nothing is lost.

The real consumer against moto server and the Dwolla emulator over loopback HTTP, driven by the
Lambda-faithful poller whose context counts down from the function's Timeout (30 s in the template).
"""

from __future__ import annotations

import time

import pytest

from exchange_linker_tools.emulator import FaultPlan
from tests.conftest import link_event
from tests.integration.helpers import RecordingHandler, attributes, reason

pytestmark = pytest.mark.integration


def publish(stack, count: int) -> list[dict]:
    events = [link_event() for _ in range(count)]
    for event in events:
        stack.publish(event)
    return events


def assert_all_created_once(stack, events: list[dict]) -> None:
    """Every event CREATED with exactly one exchange at Dwolla; the DLQ holds nothing without a reason."""
    rows = stack.results()
    assert {event["eventId"]: rows[event["eventId"]]["status"] for event in events} == {
        event["eventId"]: "CREATED" for event in events
    }
    for event in events:
        assert len(stack.emulator.exchanges_for_credential(event["token"])) == 1
    assert len(stack.emulator.exchanges) == len(events)
    assert all(reason(letter).get("errorCode") for letter in stack.dead_letters())


def queue_counts(stack) -> tuple[int, int]:
    found = stack.sqs.get_queue_attributes(
        QueueUrl=stack.resources.queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(found["ApproximateNumberOfMessages"]), int(found["ApproximateNumberOfMessagesNotVisible"])


@pytest.mark.parametrize("endpoint", ["token", "exchange-partners", "exchange-post"])
def test_a_hanging_endpoint_never_outlasts_the_invocation(stack, endpoint):
    """A batch of 10, 30 s left, one endpoint hanging: the handler answers in time, then all 10 are created."""
    consumer = stack.consumer(DWOLLA_READ_TIMEOUT="5")
    events = publish(stack, 10)
    stack.emulator.hang(endpoint)
    source = stack.event_source(consumer.handle_batch)
    assert stack.resources.function_timeout == 30
    started = time.monotonic()
    report = source.poll_once()
    elapsed = time.monotonic() - started
    assert (report.received, report.timed_out, report.handler_errors) == (10, 0, 0)
    assert elapsed < 30
    if endpoint != "exchange-post":  # a failed dependency is remembered for the rest of the invocation
        assert stack.emulator.stats.hung_requests == {endpoint: 1}
    stack.emulator.heal()
    source.drain()
    assert_all_created_once(stack, events)


def test_a_hanging_exchange_post_is_cut_at_the_deadline(stack):
    """8 s left and a 10 s read timeout: the POSTs give up at the deadline instead of at their timeout."""
    consumer = stack.consumer(DEADLINE_MARGIN_SECONDS="2")
    events = publish(stack, 10)
    stack.emulator.hang("exchange-post")
    source = stack.event_source(consumer.handle_batch, timeout_seconds=8)
    started = time.monotonic()
    report = source.poll_once()
    assert time.monotonic() - started < 8
    assert (report.received, report.timed_out) == (10, 0)
    rows = stack.results()
    # A cold container starts two. A record whose intent was written when the deadline came, before its
    # POST, has that intent withdrawn: a RETRYING row with no error and no exchange that may exist.
    attempted = [event for event in events if rows.get(event["eventId"], {}).get("exchangeMayExist")]
    withdrawn = [rows[e["eventId"]] for e in events if e["eventId"] in rows and e not in attempted]
    assert attempted
    assert {rows[event["eventId"]]["errorCode"] for event in attempted} == {"Timeout"}  # outcome unknown
    assert all(row["status"] == "RETRYING" and "errorCode" not in row for row in withdrawn)
    assert stack.emulator.stats.hung_requests == {"exchange-post": len(attempted)}  # the rest: untouched
    stack.emulator.heal()  # the held POSTs now create their exchanges; the retries must find them
    stack.event_source(consumer.handle_batch).drain()
    assert_all_created_once(stack, events)


def test_records_not_attempted_in_time_go_back_without_counting(stack):
    """One record at a time, each POST taking 0.6 s, 3.5 s of budget: the rest are handed back untouched."""
    consumer = stack.consumer(DWOLLA_MAX_CONCURRENCY="1", DEADLINE_MARGIN_SECONDS="1")
    events = publish(stack, 8)
    stack.emulator.faults = FaultPlan(latency=0.6)
    handler = RecordingHandler(consumer)
    report = stack.event_source(handler, timeout_seconds=4.5, retry_delay=None).poll_once()
    assert report.timed_out == 0
    failed = {item["itemIdentifier"] for item in handler.responses[0]["batchItemFailures"]}
    rows = stack.results()
    created = [event for event in events if rows.get(event["eventId"], {}).get("status") == "CREATED"]
    untouched = [event for event in events if event["eventId"] not in rows]
    assert created
    assert untouched  # no RETRYING row, no attempt recorded, no error counted
    assert len(failed) == len(events) - len(created)
    assert all(rows[e["eventId"]]["errorCode"] == "Timeout" for e in events if e not in created + untouched)
    visible, _in_flight = queue_counts(stack)
    assert visible >= len(untouched)  # offered again at once, not after the visibility timeout
    assert stack.emulator.stats.exchange_posts == len(events) - len(untouched)
    stack.emulator.faults = FaultPlan()
    stack.event_source(consumer.handle_batch).drain()
    assert_all_created_once(stack, events)


def test_a_record_deferred_on_its_last_receive_is_requeued_not_dead_lettered(stack):
    """Out of time on the function's last receive: a fresh copy goes back to the queue, nothing to the DLQ."""
    consumer = stack.consumer(DEADLINE_MARGIN_SECONDS="5")
    event = link_event()
    stack.publish(event, attributes={"traceparent": "00-abc-def-01"})
    for _ in range(stack.resources.max_receive_count - 1):  # earlier receives that ended without an answer
        (message,) = stack.sqs.receive_message(QueueUrl=stack.resources.queue_url, VisibilityTimeout=0)["Messages"]
    source = stack.event_source(consumer.handle_batch, timeout_seconds=4)  # less than the margin: no time at all
    report = source.poll_once()
    assert (report.received, report.timed_out) == (1, 0)
    assert stack.emulator.stats.exchange_posts == 0
    assert stack.dead_letters() == []
    assert stack.result(event["eventId"]) is None
    (copy,) = stack.sqs.receive_message(
        QueueUrl=stack.resources.queue_url, AttributeNames=["All"], MessageAttributeNames=["All"], VisibilityTimeout=0
    )["Messages"]
    assert copy["MessageId"] != message["MessageId"]
    assert copy["Attributes"]["ApproximateReceiveCount"] == "1"  # a fresh count: the deferrals gave it back
    assert attributes(copy) == {"traceparent": "00-abc-def-01"}
    stack.event_source(consumer.handle_batch).drain()
    assert_all_created_once(stack, [event])
