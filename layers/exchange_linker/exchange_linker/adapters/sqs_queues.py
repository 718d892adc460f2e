"""SQS for the replay: the DLQ as a source, the link-completed queue as a destination, and SQS's own mover."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.errors import AwsError
from exchange_linker.observability import logger
from exchange_linker.replay.message import Attributes, DeadLetterMessage
from exchange_linker.replay.native import MoveTask

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import (
        ChangeMessageVisibilityBatchRequestEntryTypeDef,
        MessageAttributeValueOutputTypeDef,
        MessageTypeDef,
    )

# The query protocol's code and the JSON protocol's: normalised to the latter.
QUEUE_DOES_NOT_EXIST = "QueueDoesNotExist"
_MISSING_QUEUE_CODES = {QUEUE_DOES_NOT_EXIST, "AWS.SimpleQueueService.NonExistentQueue"}
# Long polling asks every SQS server, so an empty answer really means "nothing visible left".
DEFAULT_WAIT_SECONDS = 1


@dataclass(frozen=True)
class QueueDescription:
    url: str
    arn: str
    visible: int
    in_flight: int
    delayed: int

    @property
    def depth(self) -> int:
        return self.visible + self.in_flight + self.delayed


def describe_queue(clients: AwsClients, queue_url: str) -> QueueDescription:
    """ARN and approximate depth; AwsError with code QueueDoesNotExist when there is no such queue."""
    names: Any = [
        "QueueArn",
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    try:
        with translated("sqs"):
            attributes = clients.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    except AwsError as error:
        if error.code in _MISSING_QUEUE_CODES:
            raise AwsError("sqs", QUEUE_DOES_NOT_EXIST, f"no queue at {queue_url}") from error
        raise
    return QueueDescription(
        url=queue_url,
        arn=attributes["QueueArn"],
        visible=int(attributes.get("ApproximateNumberOfMessages", 0)),
        in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        delayed=int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
    )


class SqsSourceQueue:
    """Implements replay.SourceQueue on the DLQ."""

    def __init__(self, clients: AwsClients, queue_url: str, *, wait_seconds: int = DEFAULT_WAIT_SECONDS) -> None:
        self._clients = clients
        self._queue_url = queue_url
        self._wait_seconds = wait_seconds

    def receive(self, max_messages: int, hold_seconds: int) -> list[DeadLetterMessage]:
        with translated("sqs"):
            messages = self._clients.sqs.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=max_messages,
                VisibilityTimeout=hold_seconds,
                WaitTimeSeconds=self._wait_seconds,
                MessageSystemAttributeNames=["SentTimestamp"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
        return [dead_letter_message(message) for message in messages]

    def delete(self, receipt_handle: str) -> None:
        with translated("sqs"):
            self._clients.sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=receipt_handle)

    def release(self, receipt_handles: Sequence[str]) -> None:
        failed = 0
        for start in range(0, len(receipt_handles), 10):
            entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for index, handle in enumerate(receipt_handles[start : start + 10])
            ]
            with translated("sqs"):
                answer = self._clients.sqs.change_message_visibility_batch(QueueUrl=self._queue_url, Entries=entries)
            failed += len(answer.get("Failed", []))
        if failed:
            logger.warning(
                "some held messages could not be released; they reappear when their hold ends", extra={"count": failed}
            )


class SqsDestinationQueue:
    """Implements replay.DestinationQueue on the link-completed queue."""

    def __init__(self, clients: AwsClients, queue_url: str) -> None:
        self._clients = clients
        self._queue_url = queue_url

    def send(self, body: str, attributes: Attributes) -> None:
        message_attributes: Any = {name: dict(value) for name, value in attributes.items()}
        with translated("sqs"):
            self._clients.sqs.send_message(
                QueueUrl=self._queue_url, MessageBody=body, MessageAttributes=message_attributes
            )


class SqsMessageMover:
    """Implements replay_native.MessageMover with StartMessageMoveTask / ListMessageMoveTasks."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def start(self, source_arn: str, destination_arn: str, max_per_second: int | None) -> str:
        rate = {} if max_per_second is None else {"MaxNumberOfMessagesPerSecond": max_per_second}
        with translated("sqs"):
            answer = self._clients.sqs.start_message_move_task(
                SourceArn=source_arn, DestinationArn=destination_arn, **rate
            )
        return answer["TaskHandle"]

    def tasks(self, source_arn: str) -> list[MoveTask]:
        with translated("sqs"):
            listed = self._clients.sqs.list_message_move_tasks(SourceArn=source_arn).get("Results", [])
        return [
            MoveTask(
                task_handle=entry.get("TaskHandle"),
                status=entry.get("Status", "UNKNOWN"),
                moved=int(entry.get("ApproximateNumberOfMessagesMoved", 0)),
                to_move=entry.get("ApproximateNumberOfMessagesToMove"),
                failure_reason=entry.get("FailureReason"),
            )
            for entry in listed
        ]


def dead_letter_message(message: MessageTypeDef) -> DeadLetterMessage:
    sent = message.get("Attributes", {}).get("SentTimestamp")
    return DeadLetterMessage(
        message_id=message["MessageId"],
        receipt_handle=message["ReceiptHandle"],
        body=message.get("Body", ""),
        attributes={name: send_format(value) for name, value in message.get("MessageAttributes", {}).items()},
        sent_at=datetime.fromtimestamp(int(sent) / 1000, UTC) if sent else None,
    )


def send_format(value: MessageAttributeValueOutputTypeDef) -> dict[str, Any]:
    """Only what SendMessage accepts back (ReceiveMessage may add empty list values)."""
    attribute: dict[str, Any] = {"DataType": value["DataType"]}
    if "StringValue" in value:
        attribute["StringValue"] = value["StringValue"]
    elif "BinaryValue" in value:
        attribute["BinaryValue"] = value["BinaryValue"]
    return attribute
