"""What a DLQ message carries (issue 11, items 10 and 11), through the real consumer, moto and the replay.

SQS allows 10 message attributes and counts body + attribute names, types and values against the
queue's MaximumMessageSize (the local SQS enforces both, see exchange_linker_tools.moto_quotas). The DLQ
has the same limit as the queue, so whatever the queue accepted must fit the DLQ with its reason: the
upstream's attributes and the body are kept whole; the reason is one attribute, shortened to fit, and
when no room is left at all, it stays findable from the table (or, for a body with no usable eventId,
from the body itself).
"""

from __future__ import annotations

import json

import pytest

from exchange_linker.adapters.sqs_queues import SqsDestinationQueue, SqsSourceQueue
from exchange_linker.replay.filter import ReplayFilter
from exchange_linker.replay.message import describe
from exchange_linker.replay.replayer import Replayer
from exchange_linker_tools.moto_quotas import message_size
from tests.conftest import link_event
from tests.integration.helpers import drain, reason
from tests.replay.conftest import clients, messages_in

pytestmark = pytest.mark.integration

REASON = "exchangeLinker.reason"


def upstream(count: int) -> dict[str, str]:
    return {f"upstream-{index}": f"value {index} ✓" for index in range(count)}


def dlq_limit(stack) -> int:
    attributes = stack.sqs.get_queue_attributes(
        QueueUrl=stack.resources.dead_letter_queue_url, AttributeNames=["MaximumMessageSize"]
    )["Attributes"]
    return int(attributes["MaximumMessageSize"])


def padded(event: dict, size: int) -> str:
    """The event as JSON of exactly `size` UTF-8 bytes (whitespace padding: JSON all the same)."""
    text = json.dumps(event)
    assert len(text.encode()) <= size
    return text + " " * (size - len(text.encode()))


def view(stack, letter):
    from exchange_linker.adapters.dynamodb_results import DynamoDbResults
    from exchange_linker.replay.message import DeadLetterMessage

    message = DeadLetterMessage(
        message_id=letter["MessageId"],
        receipt_handle=letter["ReceiptHandle"],
        body=letter["Body"],
        attributes={name: dict(value) for name, value in letter.get("MessageAttributes", {}).items()},
    )
    return describe(message, DynamoDbResults(clients(), stack.resources.table_name))


def replay_all(stack) -> None:
    replayer = Replayer(
        SqsSourceQueue(clients(), stack.resources.dead_letter_queue_url, wait_seconds=0),
        SqsDestinationQueue(clients(), stack.resources.queue_url),
    )
    assert replayer.run(ReplayFilter(), dry_run=False).moved >= 1


def strings(message) -> dict[str, str]:
    return {name: value["StringValue"] for name, value in message.get("MessageAttributes", {}).items()}


# ---------------------------------------------------------------- item 11: every upstream attribute


def test_nine_upstream_attributes_and_the_reason_in_one_more(stack):
    event = link_event(token="invalid-processor-token")
    stack.publish(event, upstream(9))
    drain(stack)
    (letter,) = stack.dead_letters()
    attributes = strings(letter)
    assert {name: value for name, value in attributes.items() if name != REASON} == upstream(9)
    why = json.loads(attributes[REASON])
    assert (why["errorCode"], why["eventId"], why["attempts"], why["replayCount"]) == (
        "InvalidExchangeToken",
        event["eventId"],
        1,
        0,
    )
    assert why["errorMessage"]
    assert why["failedAt"].endswith("Z")
    assert reason(letter)["errorCode"] == "InvalidExchangeToken"


def test_ten_upstream_attributes_survive_the_dlq_and_the_replay_the_reason_is_in_the_table(stack):
    stack.emulator.set_scope_enabled(False)
    event = link_event()
    stack.publish(event, upstream(10))
    drain(stack)
    (letter,) = stack.dead_letters()
    assert strings(letter) == upstream(10)  # not one dropped; no slot left for the reason
    found = view(stack, letter)
    assert (found.error_code, found.reason_from, found.event_id) == ("InvalidScope", "results", event["eventId"])
    assert stack.result(event["eventId"])["errorCode"] == "InvalidScope"
    replay_all(stack)
    (replayed,) = messages_in(stack, stack.resources.queue_url)
    assert strings(replayed) == upstream(10)  # replayCount gives way: still 10
    stack.emulator.set_scope_enabled(True)
    drain(stack)
    assert stack.result(event["eventId"])["status"] == "CREATED"


def test_the_replay_count_travels_inside_the_reason(stack):
    stack.emulator.set_scope_enabled(False)
    event = link_event()
    stack.publish(event, upstream(3))
    drain(stack)
    for count in (1, 2):
        replay_all(stack)
        (replayed,) = messages_in(stack, stack.resources.queue_url)
        assert strings(replayed) == {**upstream(3), "replayCount": str(count)}
        drain(stack)
        (letter,) = stack.dead_letters()
        assert json.loads(strings(letter)[REASON])["replayCount"] == count
        assert set(strings(letter)) == {*upstream(3), REASON}


# ---------------------------------------------------------------- item 10: a body at the limit


def test_the_queue_and_the_dlq_have_the_same_explicit_limit(stack):
    limits = {
        url: int(
            stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MaximumMessageSize"])["Attributes"][
                "MaximumMessageSize"
            ]
        )
        for url in (stack.resources.queue_url, stack.resources.dead_letter_queue_url)
    }
    assert set(limits.values()) == {262_144}


def test_a_body_at_the_limit_is_dead_lettered_whole_on_its_first_receive(stack):
    limit = dlq_limit(stack)
    event = link_event(token="invalid-processor-token")
    text = padded(event, limit)
    stack.publish(text)
    reports = drain(stack)
    assert sum(report.failed for report in reports) == 0  # not retried: dead-lettered at once
    (letter,) = stack.dead_letters()
    assert letter["Body"] == text
    assert strings(letter) == {}  # not one byte left for a reason
    found = view(stack, letter)
    assert (found.error_code, found.reason_from) == ("InvalidExchangeToken", "results")


def test_a_body_near_the_limit_keeps_a_shortened_reason(stack):
    limit = dlq_limit(stack)
    event = link_event(partner="Yodlee")  # InvalidEvent, with a usable eventId
    room = 150  # for "exchangeLinker.reason" + "String" + a reason JSON without all of its message
    text = padded(event, limit - room - message_size("", {"trace": {"DataType": "String", "StringValue": "t"}}))
    stack.publish(text, {"trace": "t"})
    reports = drain(stack)
    assert sum(report.failed for report in reports) == 0
    (letter,) = stack.dead_letters()
    assert letter["Body"] == text
    assert message_size(letter["Body"], letter["MessageAttributes"]) <= limit
    why = reason(letter)
    assert (why["errorCode"], why["eventId"]) == ("InvalidEvent", event["eventId"])
    full = stack.result(event["eventId"])["errorMessage"]
    assert why.get("errorMessage", "") != full  # shortened (or dropped) to fit; the table has it whole
    assert strings(letter)["trace"] == "t"


def test_an_unreadable_body_at_the_limit_is_dead_lettered_and_explained_by_itself(stack):
    limit = dlq_limit(stack)
    text = "x" * limit
    stack.publish(text)
    reports = drain(stack)
    assert sum(report.failed for report in reports) == 0
    (letter,) = stack.dead_letters()
    assert letter["Body"] == text
    found = view(stack, letter)
    assert (found.error_code, found.reason_from) == ("InvalidEvent", "body")


# ---------------------------------------------------------------- messages an older consumer dead-lettered


def test_messages_with_the_old_five_attributes_are_still_read_filtered_and_replayed(stack):
    event = link_event()
    old = {
        "errorCode": "InvalidScope",
        "errorMessage": "not enabled",
        "eventId": event["eventId"],
        "failedAt": "2026-11-20T18:04:05.000Z",
        "attempts": "1",
        "replayCount": "2",
        **upstream(3),
    }
    stack.sqs.send_message(
        QueueUrl=stack.resources.dead_letter_queue_url,
        MessageBody=json.dumps(event),
        MessageAttributes={name: {"DataType": "String", "StringValue": value} for name, value in old.items()},
    )
    (letter,) = stack.dead_letters()
    found = view(stack, letter)
    assert (found.error_code, found.reason_from, found.replay_count) == ("InvalidScope", "attributes", 2)
    assert reason(letter)["errorMessage"] == "not enabled"
    replayer = Replayer(
        SqsSourceQueue(clients(), stack.resources.dead_letter_queue_url, wait_seconds=0),
        SqsDestinationQueue(clients(), stack.resources.queue_url),
    )
    assert replayer.run(ReplayFilter(error_codes=frozenset({"InvalidScope"})), dry_run=False).moved == 1
    (replayed,) = messages_in(stack, stack.resources.queue_url)
    assert strings(replayed) == {**upstream(3), "replayCount": "3"}
    drain(stack)
    assert stack.result(event["eventId"])["status"] == "CREATED"
