"""Drives a handler exactly as Lambda's DynamoDB stream event source mapping would, against a real stream endpoint.

Per shard, from the mapping's starting position: read up to the batch size, build the Lambda-shaped event,
call the handler. A clean answer moves the checkpoint past the batch; reported `batchItemFailures` move it
to the first reported record and retry from there; a handler error (or an answer Lambda cannot read) fails
the whole batch, which is split in half first when BisectBatchOnFunctionError is on (splits are not
retries). After MaximumRetryAttempts retries without progress, the batch is described on the on-failure
queue in Lambda's own document (DDBStreamBatchInfo) and skipped. The one liberty taken locally: retries
run at the next poll, without Lambda's backoff.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from exchange_linker.timestamps import timestamp
from exchange_linker_tools.poller import Handler, LambdaContext
from exchange_linker_tools.provision import StreamMapping

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

# boto3's "dynamodbstreams" client and its GetRecords records (no type stubs are locked for them).
DynamoDBStreamsClient = Any
RecordTypeDef = Mapping[str, Any]

FUNCTION_NAME = "OutcomePublisherFunction"


@dataclass
class StreamReport:
    invocations: int = 0
    records: int = 0  # records handed to the handler, retries included
    reported: int = 0  # records the handler reported as failed
    handler_errors: int = 0
    retries: int = 0
    sent_to_failure_queue: int = 0  # batches given up on


@dataclass
class _Shard:
    iterator: str | None
    pending: list[dict[str, Any]] = field(default_factory=list)  # read, not yet checkpointed (Lambda-shaped)
    limit: int = 0  # current batch size (halved by bisection)
    retries: int = 0
    taken: set[str] = field(default_factory=set)  # eventIDs already read: a stream may hand a record out again


def lambda_record(record: RecordTypeDef, stream_arn: str, region: str) -> dict[str, Any]:
    """One record of a Lambda DynamoDB stream event, built from a GetRecords answer."""
    change: dict[str, Any] = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", region),
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


class DynamoDbStreamEventSource:
    def __init__(
        self,
        streams: DynamoDBStreamsClient,
        sqs: SQSClient,
        mapping: StreamMapping,
        handler: Handler,
        *,
        region: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._streams = streams
        self._sqs = sqs
        self._mapping = mapping
        self.handler = handler  # the function's current container; the checkpoints belong to the mapping
        self._region = region
        self._clock = clock
        self._shards: dict[str, _Shard] = {}

    def poll_once(self) -> StreamReport:
        """One invocation per shard that has records (new ones, or ones being retried)."""
        report = StreamReport()
        self._discover_shards()
        for shard_id, shard in self._shards.items():
            self._read(shard)
            if shard.pending:
                self._invoke(shard_id, shard, report)
        return report

    def drain(self, *, max_polls: int = 10_000, on_poll: Callable[[StreamReport], None] | None = None) -> int:
        """Poll until every shard is read to its end with nothing left to retry. Returns the number of polls."""
        for polls in range(1, max_polls + 1):
            report = self.poll_once()
            if on_poll is not None:
                on_poll(report)
            if report.invocations == 0:
                return polls
        raise RuntimeError(f"the stream was not drained after {max_polls} polls")

    def _discover_shards(self) -> None:
        description = self._streams.describe_stream(StreamArn=self._mapping.stream_arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            shard_id = shard["ShardId"]
            if shard_id not in self._shards:
                iterator = self._streams.get_shard_iterator(
                    StreamArn=self._mapping.stream_arn,
                    ShardId=shard_id,
                    ShardIteratorType=self._mapping.starting_position,
                )["ShardIterator"]
                self._shards[shard_id] = _Shard(iterator=iterator, limit=self._mapping.batch_size)

    def _read(self, shard: _Shard) -> None:
        while shard.iterator is not None and len(shard.pending) < self._mapping.batch_size:
            answer = self._streams.get_records(ShardIterator=shard.iterator, Limit=self._mapping.batch_size)
            shard.iterator = answer.get("NextShardIterator")
            # moto numbers records len(items) + start without a lock, so two may share a sequence number and
            # its iterator then hands the last one out again, forever; DynamoDB never does. Read each once.
            records = [record for record in answer.get("Records", []) if record["eventID"] not in shard.taken]
            shard.taken.update(record["eventID"] for record in records)
            shard.pending.extend(lambda_record(r, self._mapping.stream_arn, self._region) for r in records)
            if not records:
                return

    def _invoke(self, shard_id: str, shard: _Shard, report: StreamReport) -> None:
        batch = shard.pending[: min(shard.limit, self._mapping.batch_size)]
        report.invocations += 1
        report.records += len(batch)
        done = self._call(batch, report)
        if done == len(batch):
            del shard.pending[:done]
            shard.limit, shard.retries = self._mapping.batch_size, 0
            return
        if done == 0 and self._mapping.bisect_on_function_error and len(batch) > 1:
            shard.limit = (len(batch) + 1) // 2  # a split, not a retry
            return
        if done:
            del shard.pending[:done]
            shard.retries = 0  # the checkpoint moved
        shard.retries += 1
        report.retries += 1
        limit = self._mapping.maximum_retry_attempts
        if limit >= 0 and shard.retries > limit:
            failed = shard.pending[: len(batch) - done]
            self._send_to_failure_queue(shard_id, failed, shard.retries)
            del shard.pending[: len(failed)]
            shard.limit, shard.retries = self._mapping.batch_size, 0
            report.sent_to_failure_queue += 1

    def _call(self, batch: list[dict[str, Any]], report: StreamReport) -> int:
        """How many records, from the start of the batch, Lambda would checkpoint after this invocation."""
        try:
            response = self.handler({"Records": batch}, LambdaContext(function_name=FUNCTION_NAME))
        except Exception:
            report.handler_errors += 1
            return 0
        if not self._mapping.reports_batch_item_failures:
            return len(batch)  # without ReportBatchItemFailures Lambda ignores the answer
        failures = response.get("batchItemFailures") if isinstance(response, dict) else None
        if not failures:
            return len(batch)  # a null or empty answer or list is a complete success, as Lambda reads it
        if not isinstance(failures, list):
            report.handler_errors += 1
            return 0
        sequence = [record["dynamodb"]["SequenceNumber"] for record in batch]
        ids = [item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures]
        if any(identifier not in sequence for identifier in ids):
            report.handler_errors += 1  # an unknown, empty or null identifier fails the whole batch
            return 0
        report.reported += len(ids)
        return min((sequence.index(str(identifier)) for identifier in ids), default=len(batch))

    def _send_to_failure_queue(self, shard_id: str, records: list[dict[str, Any]], attempts: int) -> None:
        """Lambda's on-failure document for a stream batch: where it was, never the records themselves."""
        if self._mapping.failure_queue_url is None:
            return  # Lambda drops it too: that is what the template's DestinationConfig is there to prevent

        def arrival(record: dict[str, Any]) -> str:
            seconds = record["dynamodb"].get("ApproximateCreationDateTime", 0)
            return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        document = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{self._region}:123456789012:function:{FUNCTION_NAME}",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": timestamp(self._clock()),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": arrival(records[0]),
                "approximateArrivalOfLastRecord": arrival(records[-1]),
                "batchSize": len(records),
                "streamArn": self._mapping.stream_arn,
            },
        }
        self._sqs.send_message(QueueUrl=self._mapping.failure_queue_url, MessageBody=json.dumps(document))
