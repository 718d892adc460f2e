"""A Lambda batch of SQS records, processed concurrently with partial batch responses (Powertools).

One instance per Lambda container, built by `bootstrap.build_consumer`; tests build several to play
several containers.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from exchange_linker.ingest.processor import InboundMessage, RecordProcessor, RetryableError


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
