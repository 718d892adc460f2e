"""The outcome publisher's failure queue (SQS) and the results table's terminal rows in a time window
(DynamoDB), for the outcome republisher."""

from __future__ import annotations

import json
from collections.abc import Sequence

from boto3.dynamodb.types import TypeDeserializer

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.contracts.outcome_event import OutcomeEvent
from exchange_linker.outcomes.republish import FailedBatch
from exchange_linker.outcomes.transition import outcomes_of

HOLD_SECONDS = 300  # long enough to republish a batch's outcomes before the message shows again
_deserialize = TypeDeserializer().deserialize


class SqsFailureQueue:
    """Implements republish.FailureQueue."""

    def __init__(self, clients: AwsClients, queue_url: str) -> None:
        self._clients = clients
        self._queue_url = queue_url

    def receive(self) -> list[FailedBatch]:
        with translated("sqs"):
            messages = self._clients.sqs.receive_message(
                QueueUrl=self._queue_url, MaxNumberOfMessages=10, VisibilityTimeout=HOLD_SECONDS
            ).get("Messages", [])
        return [
            FailedBatch(message["MessageId"], message["ReceiptHandle"], json.loads(message.get("Body", "{}")))
            for message in messages
        ]

    def delete(self, receipt_handle: str) -> None:
        with translated("sqs"):
            self._clients.sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=receipt_handle)

    def release(self, receipt_handles: Sequence[str]) -> None:
        for receipt in receipt_handles:
            with translated("sqs"):
                self._clients.sqs.change_message_visibility(
                    QueueUrl=self._queue_url, ReceiptHandle=receipt, VisibilityTimeout=0
                )


class DynamoDbTerminalOutcomes:
    """Implements republish.TerminalOutcomes with a filtered Scan (an operator's rare, bounded look)."""

    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    def between(self, start: str, end: str) -> list[OutcomeEvent]:
        pages = self._clients.dynamodb.get_paginator("scan").paginate(
            TableName=self._table,
            FilterExpression="#updatedAt BETWEEN :start AND :end AND #status IN (:created, :failed)",
            ExpressionAttributeNames={"#updatedAt": "updatedAt", "#status": "status"},
            ExpressionAttributeValues={
                ":start": {"S": start},
                ":end": {"S": end},
                ":created": {"S": "CREATED"},
                ":failed": {"S": "FAILED"},
            },
        )
        events = []
        with translated("dynamodb"):
            for page in pages:
                for item in page["Items"]:
                    events.extend(outcomes_of(None, {name: _deserialize(value) for name, value in item.items()}))
        return sorted(events, key=lambda event: (event.occurred_at, event.outcome_id))
