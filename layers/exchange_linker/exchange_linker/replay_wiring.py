"""Wires a Replayer to SQS and DynamoDB: used by the replay Lambda (and by the CLI with its own targets)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.adapters.dynamodb_results import DynamoDbResults
from exchange_linker.adapters.sqs_queues import SqsDestinationQueue, SqsSourceQueue, describe_queue
from exchange_linker.errors import ConfigurationError, DependencyError
from exchange_linker.replay import Replayer, ReplaySummary, check_route
from exchange_linker.replay_pacing import Deadline, RateLimiter
from exchange_linker.replay_request import ReplayRequest

# Time kept back from the Lambda's remaining time: enough to release every held message and answer.
LAMBDA_MARGIN_SECONDS = 30.0


@dataclass(frozen=True)
class ReplaySettings:
    dead_letter_queue_url: str
    queue_url: str
    results_table_name: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ReplaySettings:
        def required(name: str) -> str:
            value = environ.get(name, "").strip()
            if not value:
                raise ConfigurationError(f"{name} is not set")
            return value

        return cls(
            dead_letter_queue_url=required("DEAD_LETTER_QUEUE_URL"),
            queue_url=required("LINK_COMPLETED_QUEUE_URL"),
            results_table_name=required("RESULTS_TABLE_NAME"),
        )


class ReplayService:
    """One per container: the clients are reused across invocations."""

    def __init__(self, settings: ReplaySettings, clients: AwsClients | None = None) -> None:
        self.settings = settings
        self._clients = clients or AwsClients()

    def run(self, request: ReplayRequest, remaining_seconds: Callable[[], float] | None = None) -> ReplaySummary:
        """Checks the route and the error codes (raises ReplayRefusedError, UnknownErrorCodeError, or AwsError
        QueueDoesNotExist), then replays; the answer says how many messages the DLQ holds afterwards."""
        settings, clients = self.settings, self._clients
        source = describe_queue(clients, settings.dead_letter_queue_url)
        destination = describe_queue(clients, settings.queue_url)
        check_route(source.url, source.arn, destination.url, destination.arn)
        replayer = Replayer(
            SqsSourceQueue(clients, settings.dead_letter_queue_url),
            SqsDestinationQueue(clients, settings.queue_url),
            results=DynamoDbResults(clients, settings.results_table_name),
            rate=RateLimiter(request.rate),
            deadline=Deadline(remaining_seconds, margin=LAMBDA_MARGIN_SECONDS) if remaining_seconds else None,
        )
        selection = request.selection()
        replayer.check_error_codes(selection)
        summary = replayer.run(selection, dry_run=request.dry_run, limit=request.limit)
        with contextlib.suppress(DependencyError):  # the replay is done: a failed look must not hide its answer
            summary.left_in_dlq = describe_queue(clients, settings.dead_letter_queue_url).depth
        return summary


def replay_service_from_environment(environ: Mapping[str, str] | None = None) -> ReplayService:
    return ReplayService(ReplaySettings.from_environ(os.environ if environ is None else environ))
