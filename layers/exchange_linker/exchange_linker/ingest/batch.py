"""A Lambda batch of SQS records, processed concurrently with partial batch responses (Powertools).

One instance per Lambda container, built by `bootstrap.build_consumer`; tests build several to play
several containers. Every invocation starts the container's `Invocation` from the context's remaining
time; records it has no time left to start are handed back untouched (see `deferral`).
"""

from __future__ import annotations

import asyncio
import base64
import random
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from exchange_linker.errors import DependencyError, NotAttemptedError
from exchange_linker.ingest.deferral import DeferredRecordError, deferral
from exchange_linker.ingest.processor import InboundMessage, RecordProcessor, RetryableError
from exchange_linker.invocation import Invocation
from exchange_linker.observability import Metric, count, logger


class RetryScheduler(Protocol):
    def delay(self, receipt_handle: str, seconds: int) -> None:
        """Best effort: offer the message again in `seconds`."""
        ...

    def requeue(self, message: InboundMessage, delay_seconds: int) -> None:
        """Send a fresh copy of the message (same body and attributes); raises DependencyError."""
        ...


class LinkCompletedConsumer:
    """Processes the records of a batch concurrently, at most `max_workers` at a time.

    Powertools' AsyncBatchProcessor gathers the records; each one runs on a worker thread of this
    container's pool, so a batch of 10 costs about one Dwolla round trip, and the pool size is the
    container's cap on concurrent Dwolla calls.
    """

    def __init__(
        self,
        processor: RecordProcessor,
        *,
        max_workers: int = 10,
        retries: RetryScheduler | None = None,
        invocation: Invocation | None = None,
        last_receive: int | None = None,
    ) -> None:
        """`last_receive` is MAX_RECEIVE_COUNT: from that receive on, a deferred record is requeued."""
        self.processor = processor
        self._retries = retries
        self._invocation = invocation or Invocation(margin=0.0)
        self._last_receive = last_receive
        self._rng = random.Random()  # noqa: S311 - jitter, not cryptography
        self._workers = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="record")
        # Every record failing is a normal answer (all retried), not a reason to fail the invocation.
        self._batch = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def handle_batch(self, event: dict[str, Any], context: LambdaContext | None = None) -> PartialItemFailureResponse:
        self._invocation.begin(context.get_remaining_time_in_millis() / 1000 if context is not None else None)
        return async_process_partial_response(
            event=event, record_handler=self._handle_record, processor=self._batch, context=context
        )

    async def _handle_record(self, record: SQSRecord) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._workers, self._process, record)

    def _process(self, record: SQSRecord) -> str:
        message = inbound_message(record)
        try:
            self._invocation.check()  # no time to start this record: hand it back untouched
            return self.processor.process(message).value
        except NotAttemptedError as error:
            return self._hand_back(record, message, deferral(error, message.receive_count, self._rng))
        except DeferredRecordError as deferred:
            return self._hand_back(record, message, deferred)
        except RetryableError as retry:
            if self._retries is not None and retry.delay_seconds is not None:
                self._retries.delay(record.receipt_handle, retry.delay_seconds)
            raise

    def _hand_back(self, record: SQSRecord, message: InboundMessage, deferred: DeferredRecordError) -> str:
        """Back to the queue without counting: on the last receives as a fresh copy, else by visibility."""
        last = self._last_receive is not None and message.receive_count >= self._last_receive
        if last and self._retries is not None:
            try:
                self._retries.requeue(message, deferred.delay_seconds)
            except DependencyError as error:
                logger.warning("could not requeue a deferred record", extra={"errorCode": error.code})
            else:
                count(Metric.RECORDS_REQUEUED)
                return "REQUEUED"
        if self._retries is not None:
            self._retries.delay(record.receipt_handle, deferred.delay_seconds)
        raise deferred


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
