"""Lambda entry point for the link-completed queue. Wiring only: the logic lives in the exchange_linker layer."""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from exchange_linker.config import Settings
from exchange_linker.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from exchange_linker.consumer import LinkCompletedConsumer

SETTINGS = Settings.from_environ(os.environ)  # a configuration error fails the cold start, loudly


@cache
def consumer() -> LinkCompletedConsumer:
    """Built on the first invocation: boto3, requests and pydantic load then, not during the import."""
    from exchange_linker.consumer import build_consumer

    return build_consumer(SETTINGS)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return consumer().handle_batch(event, context)
