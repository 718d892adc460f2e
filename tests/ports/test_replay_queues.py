"""The replayer's SourceQueue and DestinationQueue contracts (replay/replayer.py), held against MemoryQueue
and the SQS adapters.

What the replayer relies on: a received message stays hidden for its hold; release shows it again with a
new receipt handle; delete with the latest handle removes it; a receive never returns more than asked; what
is sent to the destination arrives whole, and a send that fails raises AwsError.
"""

from __future__ import annotations

import pytest

from exchange_linker.errors import AwsError
from tests.ports.queues import ReplaySide

REASON = {"exchangeLinker.reason": '{"errorCode":"ServerError"}'}


def test_a_received_message_carries_its_body_and_attributes(replay_queues: ReplaySide) -> None:
    replay_queues.dlq.put('{"eventId":"e1"}', REASON)
    (message,) = replay_queues.source.receive(10, 30)
    assert message.body == '{"eventId":"e1"}'
    assert message.attributes == {
        "exchangeLinker.reason": {"DataType": "String", "StringValue": REASON["exchangeLinker.reason"]}
    }
    assert message.message_id
    assert message.sent_at is not None


def test_a_received_message_is_hidden_for_its_hold(replay_queues: ReplaySide) -> None:
    replay_queues.dlq.put("one", {})
    assert len(replay_queues.source.receive(10, 30)) == 1
    assert replay_queues.source.receive(10, 30) == []


def test_release_shows_a_message_again_with_a_new_receipt(replay_queues: ReplaySide) -> None:
    replay_queues.dlq.put("one", {})
    (first,) = replay_queues.source.receive(10, 30)
    replay_queues.source.release([first.receipt_handle])
    (again,) = replay_queues.source.receive(10, 30)
    assert (again.message_id, again.body) == (first.message_id, "one")
    assert again.receipt_handle != first.receipt_handle


def test_delete_with_the_latest_receipt_removes_the_message(replay_queues: ReplaySide) -> None:
    replay_queues.dlq.put("one", {})
    replay_queues.dlq.put("two", {})
    received = replay_queues.source.receive(10, 30)
    deleted = next(message for message in received if message.body == "one")
    replay_queues.source.delete(deleted.receipt_handle)
    replay_queues.source.release([message.receipt_handle for message in received if message is not deleted])
    assert [message.body for message in replay_queues.source.receive(10, 30)] == ["two"]


def test_a_receive_returns_at_most_what_was_asked(replay_queues: ReplaySide) -> None:
    for index in range(4):
        replay_queues.dlq.put(f"m{index}", {})
    assert 1 <= len(replay_queues.source.receive(2, 30)) <= 2


def test_what_is_sent_arrives_whole(replay_queues: ReplaySide) -> None:
    attributes = {"exchangeLinker.evidence": {"DataType": "String", "StringValue": '{"exchangeUrl":"u"}'}}
    replay_queues.destination.send('{"eventId":"e1"}', attributes)
    assert replay_queues.queue.arrived() == [('{"eventId":"e1"}', attributes)]


def test_a_send_that_fails_raises_aws_error(replay_queues: ReplaySide) -> None:
    replay_queues.queue.break_sends()
    with pytest.raises(AwsError):
        replay_queues.destination.send("lost", {})
