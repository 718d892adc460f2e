"""Backs a transiently failed message off by changing its visibility timeout (SQS's per-message delay), or
sends a fresh copy of a deferred one (a receive count of zero) when its receives are running out."""

from __future__ import annotations

from typing import Any

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.errors import AwsError
from exchange_linker.ingest.processor import InboundMessage
from exchange_linker.observability import logger

MAX_VISIBILITY = 43_200  # SQS's ceiling
MAX_DELAY_SECONDS = 900  # SendMessage's ceiling


class SqsRetryScheduler:
    def __init__(self, clients: AwsClients, queue_url: str) -> None:
        self._clients = clients
        self._queue_url = queue_url

    def delay(self, receipt_handle: str, seconds: int) -> None:
        """Best effort: if it fails the message simply returns after the queue's visibility timeout."""
        try:
            with translated("sqs"):
                self._clients.sqs.change_message_visibility(
                    QueueUrl=self._queue_url,
                    ReceiptHandle=receipt_handle,
                    VisibilityTimeout=max(0, min(seconds, MAX_VISIBILITY)),
                )
        except AwsError as error:
            logger.warning("could not delay the retry", extra={"errorCode": error.code})

    def requeue(self, message: InboundMessage, delay_seconds: int) -> None:
        """The same body and message attributes as a new message; raises AwsError if SQS refuses it."""
        attributes: Any = dict(message.attributes)  # already in SendMessage's shape (batch.send_format)
        with translated("sqs"):
            self._clients.sqs.send_message(
                QueueUrl=self._queue_url,
                MessageBody=message.body,
                MessageAttributes=attributes,
                DelaySeconds=max(0, min(delay_seconds, MAX_DELAY_SECONDS)),
            )
