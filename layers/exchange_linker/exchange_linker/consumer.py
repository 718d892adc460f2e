"""Wires the link-completed consumer together: one instance per Lambda container.

Tests build several instances to play several containers; the handler builds exactly one at cold start.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.adapters.dwolla_http import DwollaHttpApi, pooled_session
from exchange_linker.adapters.dynamodb_results import DynamoDbResults
from exchange_linker.adapters.eventbridge_outcomes import EventBridgeOutcomes
from exchange_linker.adapters.secrets_manager import CredentialsSecret, Secrets, TokenSecret
from exchange_linker.adapters.sqs_dead_letters import SqsDeadLetters
from exchange_linker.adapters.sqs_retry import SqsRetryScheduler
from exchange_linker.config import Settings
from exchange_linker.dwolla import ExchangeService
from exchange_linker.processor import InboundMessage, RecordProcessor, RetryableError
from exchange_linker.results import ResultsStore
from exchange_linker.tokens import TokenProvider


class RetryScheduler(Protocol):
    def delay(self, receipt_handle: str, seconds: int) -> None: ...


class LinkCompletedConsumer:
    """Processes the records of a batch concurrently, at most `max_workers` at a time.

    Powertools' AsyncBatchProcessor gathers the records; each one runs on a worker thread of this
    container's pool, so a batch of 10 costs about one Dwolla round trip, and the pool size is the
    container's cap on concurrent Dwolla calls.
    """

    def __init__(
        self, processor: RecordProcessor, *, max_workers: int = 10, retries: RetryScheduler | None = None
    ) -> None:
        self.processor = processor
        self._retries = retries
        self._workers = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="record")
        # Every record failing is a normal answer (all retried), not a reason to fail the invocation.
        self._batch = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def handle_batch(self, event: dict[str, Any], context: LambdaContext | None = None) -> PartialItemFailureResponse:
        return async_process_partial_response(
            event=event, record_handler=self._handle_record, processor=self._batch, context=context
        )

    async def _handle_record(self, record: SQSRecord) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._workers, self._process, record)

    def _process(self, record: SQSRecord) -> str:
        try:
            return self.processor.process(inbound_message(record)).value
        except RetryableError as retry:
            if self._retries is not None and retry.delay_seconds is not None:
                self._retries.delay(record.receipt_handle, retry.delay_seconds)
            raise


def inbound_message(record: SQSRecord) -> InboundMessage:
    return InboundMessage(
        message_id=record.message_id,
        body=record.body,
        receive_count=int(record.attributes.approximate_receive_count or 1),
        attributes=send_format(record.raw_event.get("messageAttributes") or {}),
    )


def send_format(lambda_attributes: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Lambda spells message attributes `stringValue`/`dataType`; SendMessage wants `StringValue`/`DataType`."""
    converted: dict[str, dict[str, Any]] = {}
    for name, attribute in lambda_attributes.items():
        data_type = attribute.get("dataType", "String")
        if attribute.get("stringValue") is not None:
            converted[name] = {"DataType": data_type, "StringValue": attribute["stringValue"]}
        elif attribute.get("binaryValue") is not None:
            converted[name] = {"DataType": data_type, "BinaryValue": base64.b64decode(attribute["binaryValue"])}
    return converted


def build_consumer(
    settings: Settings,
    clients: AwsClients | None = None,
    *,
    clock: Callable[[], float] | None = None,
    results: ResultsStore | None = None,
) -> LinkCompletedConsumer:
    """The production wiring. `clock` and `results` exist for benchmarks that simulate hours or bypass DynamoDB."""
    clients = clients or AwsClients()
    wall, monotonic = clock or time.time, clock or time.monotonic
    secrets = Secrets(clients)
    api = DwollaHttpApi(
        settings.dwolla_base_url,
        CredentialsSecret(secrets, settings.credentials_secret_id),
        session=pooled_session(settings.max_concurrent_requests),
        timeout=(settings.connect_timeout, settings.read_timeout),
        clock=wall,
    )
    tokens = TokenProvider(TokenSecret(secrets, settings.token_secret_id), api, clock=wall)
    processor = RecordProcessor(
        ExchangeService(api, tokens, clock=monotonic),
        results or DynamoDbResults(clients, settings.results_table_name),
        SqsDeadLetters(clients, settings.dead_letter_queue_url),
        max_receive_count=settings.max_receive_count,
        outcomes=EventBridgeOutcomes(clients, settings.outcome_event_bus) if settings.outcome_event_bus else None,
    )
    retries = SqsRetryScheduler(clients, settings.queue_url) if settings.queue_url else None
    return LinkCompletedConsumer(processor, max_workers=settings.max_concurrent_requests, retries=retries)


def consumer_from_environment(environ: Mapping[str, str] | None = None) -> LinkCompletedConsumer:
    return build_consumer(Settings.from_environ(os.environ if environ is None else environ))
