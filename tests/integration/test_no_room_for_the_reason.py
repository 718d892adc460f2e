"""A reason is never lost: 10 upstream attributes (no slot for the reason) and a table refusing writes.

The chaos run found one reasonless DLQ message: an event refused for good on its last receive, whose
FAILED item the table refused and whose DLQ message had no slot left for `exchangeLinker.reason`. Such a
message now goes back to the queue as a fresh copy (body and all 10 attributes) and waits there until
the table takes its FAILED item; only then is it dead-lettered.

The third 10,000-event run found two more, both `ResultNotRecorded`: Dwolla made the exchange (or the
funding source) and the table refused its record up to the last receive, so neither the reason nor the
exchange URL had a slot. The same rule applies: a reason no item holds waits in the queue with its
message, which records the exchange (same Idempotency-Key, same exchange) once the table takes writes.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from exchange_linker_tools.chaos.proxy import DYNAMODB_ACCESS_DENIED
from exchange_linker_tools.emulator.hangs import HangEndpoint
from tests.conftest import link_event
from tests.integration.helpers import attributes, drain, log_lines, reason

pytestmark = pytest.mark.integration

UPDATE_ITEM = "DynamoDB_20120810.UpdateItem"


def upstream(count: int) -> dict[str, str]:
    return {f"upstream-{index}": f"value {index} ✓" for index in range(count)}


def last_receive(stack, table_proxy, *, after_the_post: bool, post: HangEndpoint = "exchange-post"):
    """One poll, the event's last receive; the table refuses every write from the start, or only once
    the `post` is at Dwolla (what was written before it went through; what it tells cannot be recorded)."""
    source = stack.event_source(stack.consumer(MAX_RECEIVE_COUNT="1").handle_batch)
    if not after_the_post:
        table_proxy.refuse(UPDATE_ITEM, DYNAMODB_ACCESS_DENIED)
        return source.poll_once()
    stack.emulator.hang(post)
    with ThreadPoolExecutor(max_workers=1) as pool:
        polling = pool.submit(source.poll_once)
        stack.emulator.wait_for_stats(lambda stats: stats.hanging == 1)
        table_proxy.refuse(UPDATE_ITEM, DYNAMODB_ACCESS_DENIED)
        stack.emulator.heal()
        return polling.result(timeout=120)


def the_waiting_copy(stack) -> dict:
    (copy,) = stack.sqs.receive_message(
        QueueUrl=stack.resources.queue_url,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
        VisibilityTimeout=0,
    )["Messages"]
    return copy


@pytest.mark.parametrize("after_the_post", [False, True], ids=["intent-refused", "failed-refused"])
def test_no_slot_for_the_reason_and_no_table_the_message_waits_in_the_queue(
    stack, table_proxy, monkeypatch, captured_logs, after_the_post
):
    monkeypatch.setattr("exchange_linker.ingest.backoff.FIRST_RETRY", 0.0)  # the copy comes back at once
    event = link_event(token="invalid-processor-token")  # Dwolla refuses it for good
    stack.publish(event, upstream(10))
    report = last_receive(stack, table_proxy, after_the_post=after_the_post)
    assert (report.received, report.succeeded) == (1, 1)  # handled: the original is deleted ...
    assert stack.dead_letters() == []  # ... and not dead-lettered without its reason
    assert any(line.get("errorCode") == "AccessDeniedException" for line in log_lines(captured_logs, "ERROR"))
    copy = the_waiting_copy(stack)
    assert attributes(copy) == upstream(10)
    assert json.loads(copy["Body"]) == event

    table_proxy.refuse(UPDATE_ITEM, None)  # the table heals: the next processing records the reason
    drain(stack, stack.consumer(MAX_RECEIVE_COUNT="1"))
    row = stack.result(event["eventId"])
    (letter,) = stack.dead_letters()
    assert attributes(letter) == upstream(10)  # still no slot: the reason is in the table
    assert row["status"] == "FAILED"
    assert row["errorCode"] not in (None, "", "AccessDeniedException")
    assert stack.emulator.stats.exchange_posts == (2 if after_the_post else 1)  # each refused, nothing made
    assert stack.emulator.exchanges == []


@pytest.mark.parametrize("made", ["exchange", "funding source"])
def test_no_slot_for_a_result_the_table_would_not_record_the_message_waits_and_records_it(
    stack, table_proxy, monkeypatch, captured_logs, made
):
    """Chaos run 3 (chaos-000553, chaos-006534): Dwolla's 201 in hand, the table refusing its record on
    the last receive, 10 upstream attributes: the message was dead-lettered with neither reason nor URL."""
    monkeypatch.setattr("exchange_linker.ingest.backoff.FIRST_RETRY", 0.0)
    funding = {"fundingSource": {"name": "Checking", "bankAccountType": "checking"}} if made != "exchange" else {}
    event = link_event(**funding)
    stack.publish(event, upstream(10))
    post: HangEndpoint = "exchange-post" if made == "exchange" else "funding-sources"
    report = last_receive(stack, table_proxy, after_the_post=True, post=post)
    assert (report.received, report.succeeded) == (1, 1)
    assert stack.dead_letters() == []  # not dead-lettered without its reason and URL ...
    copy = the_waiting_copy(stack)  # ... but waiting in the queue, whole
    assert (attributes(copy), json.loads(copy["Body"])) == (upstream(10), event)
    (exchange,) = stack.emulator.exchanges
    logged = [line for line in log_lines(captured_logs, "ERROR") if line.get("eventId") == event["eventId"]]
    assert any(line.get("errorCode") == "AccessDeniedException" for line in logged)
    url = "exchangeUrl" if made == "exchange" else "fundingSourceUrl"  # what Dwolla made, in the ERROR log
    assert any(line.get(url, "").startswith(stack.emulator.url) for line in logged)

    table_proxy.refuse(UPDATE_ITEM, None)  # the table heals: the same Idempotency-Key finds what Dwolla made
    drain(stack, stack.consumer(MAX_RECEIVE_COUNT="1"))
    row = stack.result(event["eventId"])
    assert (row["status"], row["exchangeId"]) == ("CREATED", exchange.id)
    assert len(stack.emulator.exchanges) == 1
    if made != "exchange":
        (source,) = stack.emulator.funding_sources
        assert (row["fundingSourceStatus"], row["fundingSourceId"]) == ("CREATED", source.id)
    assert stack.dead_letters() == []


def test_with_a_slot_for_the_reason_it_is_dead_lettered_at_once(stack, table_proxy):
    """Nine upstream attributes: the DLQ message carries the reason, so the table is not waited for."""
    event = link_event(token="invalid-processor-token")
    stack.publish(event, upstream(9))
    report = last_receive(stack, table_proxy, after_the_post=True)
    assert (report.received, report.succeeded) == (1, 1)
    (letter,) = stack.dead_letters()
    assert reason(letter)["eventId"] == event["eventId"]
    assert set(attributes(letter)) == {*upstream(9), "exchangeLinker.reason"}
    assert stack.sqs.receive_message(QueueUrl=stack.resources.queue_url).get("Messages", []) == []
