"""Lambda entry point for the link-completed queue. Wiring only: the logic lives in the exchange_linker layer."""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from exchange_linker.consumer import consumer_from_environment
from exchange_linker.observability import logger, metrics

consumer = consumer_from_environment()  # configuration errors fail the cold start, loudly


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return consumer.handle_batch(event, context)
