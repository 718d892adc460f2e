"""moto's SQS reads do not recount a queue per message or per attribute asked for, and answer as before.

A receive of 10 from a queue of n messages walked the queue ~20 times (the retention check built every
attribute of the queue for each message handed out); in a long chaos run moto's CPU went there first.
"""

from __future__ import annotations

import pytest
from moto.sqs.models import Queue

DEPTH = 60
COUNTS = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]


@pytest.fixture
def queue(stack):
    url = stack.sqs.create_queue(QueueName="speed-probe")["QueueUrl"]
    for start in range(0, DEPTH, 10):
        stack.sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{start + i}"} for i in range(10)]
        )
    yield url
    stack.sqs.delete_queue(QueueUrl=url)


@pytest.fixture
def builds(monkeypatch):
    """How many times moto builds a queue's attributes (each build walks its messages)."""
    counted = {"builds": 0}
    built = Queue.attributes.fget

    def counting(queue: Queue) -> dict:
        counted["builds"] += 1
        return built(queue)

    monkeypatch.setattr(Queue, "attributes", property(counting))
    return counted


def test_a_receive_does_not_rebuild_the_queue_attributes_per_message(stack, queue, builds):
    messages = stack.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 10
    assert builds["builds"] <= 1


def test_a_depth_check_builds_the_attributes_once(stack, queue, builds):
    stack.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=COUNTS)
    assert builds["builds"] == 1


def test_the_answers_are_unchanged(stack, queue):
    stack.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=60)
    attributes = stack.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[*COUNTS, "MessageRetentionPeriod"])
    assert attributes["Attributes"] == {
        "ApproximateNumberOfMessages": str(DEPTH - 10),
        "ApproximateNumberOfMessagesNotVisible": "10",
        "ApproximateNumberOfMessagesDelayed": "0",
        "MessageRetentionPeriod": "345600",
    }
    with pytest.raises(stack.sqs.exceptions.ClientError, match="InvalidAttributeName"):
        stack.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["NoSuchAttribute"])
