"""A reason is never lost: 10 upstream attributes (no slot for the reason) and a table refusing writes.

The chaos run found one reasonless DLQ message: an event refused for good on its last receive, whose
FAILED item the table refused and whose DLQ message had no slot left for `exchangeLinker.reason`. Such a
message now goes back to the queue as a fresh copy (body and all 10 attributes) and waits there until
the table takes its FAILED item; only then is it dead-lettered.
"""

from __future__ import annotations

import json

import pytest

from exchange_linker_tools.chaos.proxy import DYNAMODB_ACCESS_DENIED, AwsFaultProxy
from tests.conftest import link_event
from tests.integration.helpers import attributes, drain, log_lines

pytestmark = pytest.mark.integration

UPDATE_ITEM = "DynamoDB_20120810.UpdateItem"


def upstream(count: int) -> dict[str, str]:
    return {f"upstream-{index}": f"value {index} ✓" for index in range(count)}


@pytest.fixture
def refusing_table(stack, aws_endpoint, monkeypatch):
    with AwsFaultProxy(aws_endpoint, seed=1) as proxy:
        assert stack.dynamodb  # the test's own client keeps talking to moto directly
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.url)  # consumers built from now on go through it
        proxy.refuse(UPDATE_ITEM, DYNAMODB_ACCESS_DENIED)
        yield proxy


def test_no_slot_for_the_reason_and_no_table_the_message_waits_in_the_queue(
    stack, refusing_table, monkeypatch, captured_logs
):
    monkeypatch.setattr("exchange_linker.ingest.backoff.FIRST_RETRY", 0.0)  # the copy comes back at once
    event = link_event(token="invalid-processor-token")  # Dwolla refuses it for good
    stack.publish(event, upstream(10))
    report = stack.event_source(stack.consumer(MAX_RECEIVE_COUNT="1").handle_batch).poll_once()  # its last receive
    assert (report.received, report.succeeded) == (1, 1)  # handled: the original is deleted ...
    assert stack.dead_letters() == []  # ... and not dead-lettered without its reason
    assert any(line.get("errorCode") == "AccessDeniedException" for line in log_lines(captured_logs, "ERROR"))
    (copy,) = stack.sqs.receive_message(
        QueueUrl=stack.resources.queue_url,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
        VisibilityTimeout=0,
    )["Messages"]
    assert attributes(copy) == upstream(10)
    assert json.loads(copy["Body"]) == event

    refusing_table.refuse(UPDATE_ITEM, None)  # the table heals: the next processing records the reason
    drain(stack, stack.consumer(MAX_RECEIVE_COUNT="1"))
    row = stack.result(event["eventId"])
    (letter,) = stack.dead_letters()
    assert attributes(letter) == upstream(10)  # still no slot: the reason is in the table
    assert row["status"] == "FAILED"
    assert row["errorCode"] not in (None, "", "AccessDeniedException")
