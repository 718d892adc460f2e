"""Sends failed messages, with their reason, to the dead-letter queue."""

from __future__ import annotations

from typing import Any

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.contracts.dead_letter import DeadLetter


class SqsDeadLetters:
    """Implements dead_letters.DeadLetterQueue."""

    def __init__(self, clients: AwsClients, queue_url: str) -> None:
        self._clients = clients
        self._queue_url = queue_url

    def send(self, letter: DeadLetter) -> None:
        attributes: Any = letter.message_attributes()
        with translated("sqs"):
            self._clients.sqs.send_message(
                QueueUrl=self._queue_url, MessageBody=letter.body, MessageAttributes=attributes
            )
