"""Lambda entry point for the link-completed queue. No wiring here: `exchange_linker.bootstrap` builds it all."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from exchange_linker.observability import logger, metrics
from exchange_linker.settings import Settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from exchange_linker.ingest.batch import LinkCompletedConsumer

SETTINGS = Settings.from_environ()  # a configuration error fails the cold start, loudly


@cache
def consumer() -> LinkCompletedConsumer:
    """Built on the first invocation: boto3, requests and pydantic load then, not during the import."""
    from exchange_linker.bootstrap import build_consumer

    return build_consumer(SETTINGS)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return consumer().handle_batch(event, context)
