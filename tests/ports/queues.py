"""The queue ports' two sides: the in-memory fake, and the SQS adapter on a fresh moto queue.

Each side answers the same questions the contract tests ask (what arrived, how to make sends fail), so a
test never looks inside one implementation.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import boto3

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.adapters.sqs_dead_letters import SqsDeadLetters
from exchange_linker.adapters.sqs_queues import SqsDestinationQueue, SqsSourceQueue
from exchange_linker.contracts.dead_letter import DeadLetterQueue
from exchange_linker.replay.replayer import DestinationQueue, SourceQueue
from exchange_linker_tools.fakes import MemoryDeadLetters, MemoryQueue

Arrival = tuple[str, dict[str, dict[str, Any]]]  # body, message attributes in SendMessage format


class QueueSide(Protocol):
    def put(self, body: str, attributes: Mapping[str, str]) -> None: ...
    def arrived(self) -> list[Arrival]: ...
    def break_sends(self) -> None: ...


class SqsQueue:
    """A fresh queue on moto server, read the way the DLQ tooling reads it."""

    def __init__(self) -> None:
        self.sqs = boto3.client("sqs")
        self.url = self.sqs.create_queue(QueueName=f"port-{uuid.uuid4().hex[:12]}")["QueueUrl"]

    def put(self, body: str, attributes: Mapping[str, str]) -> None:
        wire: Any = {name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()}
        self.sqs.send_message(QueueUrl=self.url, MessageBody=body, MessageAttributes=wire)

    def arrived(self) -> list[Arrival]:
        messages = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])
        return [
            (m["Body"], {k: {"DataType": v["DataType"], "StringValue": v["StringValue"]} for k, v in attrs.items()})
            for m in messages
            for attrs in [m.get("MessageAttributes", {})]
        ]

    def break_sends(self) -> None:
        self.sqs.delete_queue(QueueUrl=self.url)


@dataclass
class DeadLetterSide:
    port: DeadLetterQueue
    side: QueueSide


def memory_dead_letters() -> DeadLetterSide:
    fake = MemoryDeadLetters()

    class Side:
        def put(self, body: str, attributes: Mapping[str, str]) -> None:
            raise NotImplementedError

        def arrived(self) -> list[Arrival]:
            return [(letter.body, letter.message_attributes()) for letter in fake.letters]

        def break_sends(self) -> None:
            fake.fail = True

    return DeadLetterSide(fake, Side())


def sqs_dead_letters() -> DeadLetterSide:
    queue = SqsQueue()
    return DeadLetterSide(SqsDeadLetters(AwsClients(), queue.url), queue)


@dataclass
class ReplaySide:
    """The replayer's source (the DLQ) and destination (the link-completed queue)."""

    source: SourceQueue
    destination: DestinationQueue
    dlq: QueueSide
    queue: QueueSide


def memory_replay() -> ReplaySide:
    dlq, queue = MemoryQueue(), MemoryQueue()

    class Dlq:
        def put(self, body: str, attributes: Mapping[str, str]) -> None:
            dlq.put(body, attributes)

        def arrived(self) -> list[Arrival]:
            return [(m.body, m.attributes) for m in dlq.messages.values()]

        def break_sends(self) -> None:
            raise NotImplementedError

    class Queue:
        def put(self, body: str, attributes: Mapping[str, str]) -> None:
            raise NotImplementedError

        def arrived(self) -> list[Arrival]:
            return list(queue.sent)

        def break_sends(self) -> None:
            queue.fail_sends = True

    return ReplaySide(dlq, queue, Dlq(), Queue())


def sqs_replay() -> ReplaySide:
    dlq, queue = SqsQueue(), SqsQueue()
    clients = AwsClients()
    return ReplaySide(
        SqsSourceQueue(clients, dlq.url, wait_seconds=0), SqsDestinationQueue(clients, queue.url), dlq, queue
    )
