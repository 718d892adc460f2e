"""Drives a handler exactly as Lambda's SQS event source mapping would, against a real SQS endpoint.

Receive up to the batch size with every attribute, build the Lambda-shaped event, call the handler,
delete what succeeded, leave the reported failures for redelivery, and let the queue's redrive policy
move what keeps failing. The one liberty taken locally: instead of waiting out the visibility timeout, a
failed message is made visible again after `retry_delay` seconds, so a run takes seconds, not minutes
(`retry_delay=None` leaves visibility alone, exactly as Lambda does).

The context tells the truth about time: `get_remaining_time_in_millis()` counts down from the function's
timeout, and a handler that answers after it is treated as Lambda treats a timed-out invocation (its
answer is lost, every message of the batch comes back).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from exchange_linker_tools.link_events import sqs_record

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """The attributes Powertools and handlers read from Lambda's context object; its clock starts on creation."""

    function_name: str = "LinkCompletedFunction"
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    timeout_ms: int = 30_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:LinkCompletedFunction"
    log_group_name: str = "/aws/lambda/LinkCompletedFunction"
    log_stream_name: str = "local"
    started: float = field(default_factory=time.monotonic, repr=False)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.timeout_ms - int((time.monotonic() - self.started) * 1000))

    @property
    def timed_out(self) -> bool:
        return self.get_remaining_time_in_millis() == 0


@dataclass
class BatchReport:
    received: int = 0
    succeeded: int = 0
    failed: int = 0
    handler_errors: int = 0
    timed_out: int = 0  # invocations that answered after the function's timeout (Lambda would have killed them)


class SqsEventSource:
    def __init__(
        self,
        sqs: SQSClient,
        *,
        queue_url: str,
        queue_arn: str,
        region: str,
        handler: Handler,
        batch_size: int,
        retry_delay: int | None = 0,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._region = region
        self._handler = handler
        self._batch_size = batch_size
        self._retry_delay = retry_delay
        self._timeout_ms = int(timeout_seconds * 1000)

    def poll_once(self) -> BatchReport:
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=min(self._batch_size, 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        report = BatchReport(received=len(messages))
        if not messages:
            return report
        event = {"Records": [sqs_record(message, self._queue_arn, self._region) for message in messages]}
        failed_ids = self._invoke(event, report)
        succeeded = [m for m in messages if m["MessageId"] not in failed_ids]
        failed = [m for m in messages if m["MessageId"] in failed_ids]
        if succeeded:
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(succeeded)],
            )
        if failed and self._retry_delay is not None:
            self._sqs.change_message_visibility_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": self._retry_delay}
                    for i, m in enumerate(failed)
                ],
            )
        report.succeeded, report.failed = len(succeeded), len(failed)
        return report

    def _invoke(self, event: dict[str, Any], report: BatchReport) -> set[str]:
        """The ids Lambda would leave on the queue: the reported failures, or all of them if the answer is bad."""
        every_id = {record["messageId"] for record in event["Records"]}
        context = LambdaContext(timeout_ms=self._timeout_ms)
        try:
            response = self._handler(event, context)
        except Exception:
            report.handler_errors += 1
            return every_id
        if context.timed_out:
            report.timed_out += 1
            return every_id
        failures = response.get("batchItemFailures") if isinstance(response, dict) else None
        if not isinstance(failures, list):
            return set() if response is None else every_id
        ids = {item.get("itemIdentifier") for item in failures if isinstance(item, dict)}
        if not ids <= every_id or None in ids or "" in ids:
            report.handler_errors += 1  # Lambda treats an unknown or empty id as a failed batch
            return every_id
        return {str(identifier) for identifier in ids}

    def depth(self) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self._queue_url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",  # requeued copies wait out their DelaySeconds
            ],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())

    def drain(self, *, max_polls: int = 10_000, on_batch: Callable[[BatchReport], None] | None = None) -> int:
        """Poll until the queue holds nothing, visible or in flight. Returns the number of polls."""
        for polls in range(1, max_polls + 1):
            report = self.poll_once()
            if on_batch is not None:
                on_batch(report)
            if report.received == 0:
                if self.depth() == 0:
                    return polls
                time.sleep(0.05)  # messages are in flight or delayed: wait for them to become visible
        raise RuntimeError(f"the queue was not drained after {max_polls} polls")
