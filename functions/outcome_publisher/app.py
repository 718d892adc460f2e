"""Lambda entry point for the results table's stream: outcome events to the bus. Wiring lives in bootstrap.

Deployed only when OutcomeEventBusName is set. The event source mapping reports batch item failures,
bisects failing batches, retries a bounded number of times and then sends the failed range to the
outcome publisher's failure queue (see docs/runbook.md).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from exchange_linker.observability import logger, metrics
from exchange_linker.settings import OutcomePublisherSettings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from exchange_linker.outcomes.stream import OutcomeStreamPublisher

SETTINGS = OutcomePublisherSettings.from_environ()  # a configuration error fails the cold start, loudly


@cache
def publisher() -> OutcomeStreamPublisher:
    """Built on the first invocation: boto3 and pydantic load then, not during the import."""
    from exchange_linker.bootstrap import build_outcome_stream_publisher

    return build_outcome_stream_publisher(SETTINGS)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return publisher().handle_batch(event, context)
