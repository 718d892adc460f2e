"""Backs a transiently failed message off by changing its visibility timeout (SQS's per-message delay)."""

from __future__ import annotations

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.errors import AwsError
from exchange_linker.observability import logger

MAX_VISIBILITY = 43_200  # SQS's ceiling


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
