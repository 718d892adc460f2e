"""A Lambda batch of the results table's stream records, published in order with partial batch responses.

Lambda checkpoints a stream shard at the first reported record and retries from there, so once a record
fails, the records after it are reported too without being published: nothing is put on the bus twice
for nothing, and one event's outcomes keep their order (FAILED before a later CREATED after a replay).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from exchange_linker.contracts.outcome_event import OutcomeEvent, OutcomePublisher
from exchange_linker.errors import DependencyError, ExchangeLinkerError
from exchange_linker.observability import Metric, count, logger, record_context
from exchange_linker.outcomes.transition import outcomes_of

SKIPPED = "skipped"


class EarlierRecordFailedError(ExchangeLinkerError):
    """Not attempted: an earlier record of the batch failed, and Lambda retries from that one."""


class OutcomeStreamPublisher:
    """One per Lambda container, built by `bootstrap.build_outcome_stream_publisher`."""

    def __init__(self, publisher: OutcomePublisher) -> None:
        self._publisher = publisher
        # A batch whose records all fail is a normal answer (Lambda retries it), not a crashed invocation.
        self._batch = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
        self._failed = False

    def handle_batch(self, event: dict[str, Any], context: LambdaContext | None = None) -> PartialItemFailureResponse:
        self._failed = False
        return process_partial_response(
            event=event, record_handler=self._publish, processor=self._batch, context=context
        )

    def _publish(self, record: DynamoDBRecord) -> str:
        if self._failed:
            raise EarlierRecordFailedError("an earlier record of this batch failed")
        change = record.dynamodb
        outcomes = outcomes_of(change.old_image, change.new_image) if change is not None else []
        if not outcomes:
            return SKIPPED
        return " ".join(self._publish_one(outcome) for outcome in outcomes)

    def _publish_one(self, outcome: OutcomeEvent) -> str:
        with record_context(eventId=outcome.event_id, outcomeId=outcome.outcome_id):
            try:
                self._publisher.publish(outcome)
            except Exception as error:
                self._failed = True
                count(Metric.OUTCOME_EVENTS_UNSENT)
                if isinstance(error, DependencyError):
                    logger.warning(
                        "outcome event not published; the stream retries it",
                        extra={"errorCode": error.code},
                    )
                else:
                    logger.exception("unexpected error while publishing an outcome event; the stream retries it")
                raise
            count(Metric.OUTCOME_EVENTS_PUBLISHED)
            logger.info("outcome event published", extra={"detailType": outcome.detail_type})
        return outcome.outcome_id
