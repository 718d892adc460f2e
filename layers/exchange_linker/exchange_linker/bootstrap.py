"""The one composition root: builds the consumer, the outcome publisher and republisher and the replayer.

Lambda handlers, the CLI, the local stack, the chaos harness and the benchmarks all build through here,
so production wiring exists once. Only this module and `adapters/` know which adapter backs which port.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import datetime

from exchange_linker.adapters.aws import CONSUMER_CLIENT_CONFIG, AwsClients
from exchange_linker.adapters.dwolla_http import DwollaHttpApi, pooled_session
from exchange_linker.adapters.dynamodb_reconcile import DynamoDbRecordedExchanges
from exchange_linker.adapters.dynamodb_results import DynamoDbResults
from exchange_linker.adapters.eventbridge_outcomes import EventBridgeOutcomes
from exchange_linker.adapters.outcome_failures import DynamoDbTerminalOutcomes, SqsFailureQueue
from exchange_linker.adapters.secrets_manager import (
    CredentialsSecret,
    FingerprintKeySecret,
    Secrets,
    SharedTokenReader,
    TokenSecret,
)
from exchange_linker.adapters.sqs_dead_letters import SqsDeadLetters
from exchange_linker.adapters.sqs_queues import (
    DEFAULT_WAIT_SECONDS,
    SqsDestinationQueue,
    SqsSourceQueue,
    describe_queue,
)
from exchange_linker.adapters.sqs_retry import SqsRetryScheduler
from exchange_linker.contracts.results import ResultsStore
from exchange_linker.dwolla.exchanges import ExchangeService
from exchange_linker.dwolla.fingerprint import Fingerprinter
from exchange_linker.dwolla.limiter import AdaptiveLimiter
from exchange_linker.dwolla.tokens import TokenProvider
from exchange_linker.errors import DependencyError
from exchange_linker.ingest.batch import LinkCompletedConsumer
from exchange_linker.ingest.processor import RecordProcessor
from exchange_linker.invocation import Invocation
from exchange_linker.outcomes.republish import OutcomeRepublisher
from exchange_linker.outcomes.stream import OutcomeStreamPublisher
from exchange_linker.reconcile.service import ReconciliationService
from exchange_linker.replay.pacing import Deadline, RateLimiter
from exchange_linker.replay.replayer import Replayer, ReplaySummary, check_route
from exchange_linker.replay.request import ReplayRequest
from exchange_linker.settings import OutcomePublisherSettings, ReconcileSettings, ReplaySettings, Settings
from exchange_linker.timestamps import utc_now

# Time kept back from the replay Lambda's remaining time: enough to release every held message and answer.
LAMBDA_MARGIN_SECONDS = 30.0


def build_consumer(
    settings: Settings,
    clients: AwsClients | None = None,
    *,
    clock: Callable[[], float] | None = None,
    results: ResultsStore | None = None,
    now: Callable[[], datetime] | None = None,
    limiter: AdaptiveLimiter | None = None,
) -> LinkCompletedConsumer:
    """The production consumer.

    `clock` and `results` exist for benchmarks that simulate hours or bypass DynamoDB; `now` (the wall
    clock of results and key ages) for tests that move a day forward; `limiter` lets a benchmark watch
    (or tune) the container's pacing of Dwolla calls. The invocation's deadline and the limiter always
    run on real monotonic time: they decide how long threads wait.
    """
    clients = clients or AwsClients(config=CONSUMER_CLIENT_CONFIG)
    wall, monotonic = clock or time.time, clock or time.monotonic
    invocation = Invocation(margin=settings.deadline_margin)
    secrets = Secrets(clients)
    api = DwollaHttpApi(
        settings.dwolla_base_url,
        CredentialsSecret(secrets, settings.credentials_secret_id),
        session=pooled_session(settings.max_concurrent_requests),
        timeout=(settings.connect_timeout, settings.read_timeout),
        clock=wall,
        invocation=invocation,
    )
    tokens = TokenProvider(TokenSecret(secrets, settings.token_secret_id), api, clock=wall)
    exchanges = ExchangeService(
        api,
        tokens,
        clock=monotonic,
        limiter=limiter or AdaptiveLimiter(settings.max_concurrent_requests),
        invocation=invocation,
    )
    processor = RecordProcessor(
        exchanges,
        results or DynamoDbResults(clients, settings.results_table_name),
        SqsDeadLetters(clients, settings.dead_letter_queue_url),
        fingerprints=Fingerprinter(
            invocation.guard("fingerprint key", FingerprintKeySecret(secrets, settings.fingerprint_key_secret_id))
        ),
        max_receive_count=settings.max_receive_count,
        clock=now or utc_now,
    )
    retries = SqsRetryScheduler(clients, settings.queue_url) if settings.queue_url else None
    return LinkCompletedConsumer(
        processor,
        max_workers=settings.max_concurrent_requests,
        retries=retries,
        invocation=invocation,
        last_receive=settings.max_receive_count,
    )


def build_outcome_stream_publisher(
    settings: OutcomePublisherSettings, clients: AwsClients | None = None
) -> OutcomeStreamPublisher:
    """The outcome publisher function: the results table's stream records to Exchange Created/Failed on the bus."""
    return OutcomeStreamPublisher(EventBridgeOutcomes(clients or AwsClients(), settings.outcome_event_bus))


def build_outcome_republisher(
    clients: AwsClients, failure_queue_url: str, results_table_name: str, bus_name: str
) -> OutcomeRepublisher:
    """`republish-outcomes`: the failure queue's batches, their rows from the table, their events to the bus."""
    return OutcomeRepublisher(
        SqsFailureQueue(clients, failure_queue_url),
        DynamoDbTerminalOutcomes(clients, results_table_name),
        EventBridgeOutcomes(clients, bus_name),
    )


def build_reconciliation(settings: ReconcileSettings, clients: AwsClients | None = None) -> ReconciliationService:
    """The reconciliation, read-only: the table through Scan/Query, Dwolla through its list endpoints, every
    request to Dwolla paced to `settings.requests_per_second`, the fleet's token read but never written."""
    clients = clients or AwsClients()
    invocation = Invocation(margin=0.0)
    secrets = Secrets(clients)
    api = DwollaHttpApi(
        settings.dwolla_base_url,
        CredentialsSecret(secrets, settings.credentials_secret_id),
        session=pooled_session(1),
        timeout=(settings.connect_timeout, settings.read_timeout),
        invocation=invocation,
        pace=RateLimiter(settings.requests_per_second).wait,
    )
    tokens = TokenProvider(SharedTokenReader(secrets, settings.token_secret_id), api)
    exchanges = ExchangeService(api, tokens, limiter=AdaptiveLimiter(1), invocation=invocation)
    return ReconciliationService(
        DynamoDbRecordedExchanges(clients, settings.results_table_name), exchanges, invocation=invocation
    )


def build_replayer(
    clients: AwsClients,
    dead_letter_queue_url: str,
    queue_url: str | None = None,
    *,
    results_table_name: str | None = None,
    rate: RateLimiter | None = None,
    deadline: Deadline | None = None,
    receive_wait_seconds: int = DEFAULT_WAIT_SECONDS,
    on_progress: Callable[[ReplaySummary], None] | None = None,
) -> Replayer:
    """A Replayer from the DLQ to the link-completed queue; without `queue_url` it can only look (dry run)."""
    return Replayer(
        SqsSourceQueue(clients, dead_letter_queue_url, wait_seconds=receive_wait_seconds),
        SqsDestinationQueue(clients, queue_url) if queue_url else None,
        results=DynamoDbResults(clients, results_table_name) if results_table_name else None,
        rate=rate,
        deadline=deadline,
        on_progress=on_progress,
    )


class ReplayService:
    """The replay Lambda's service, one per container: the clients are reused across invocations."""

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
        replayer = build_replayer(
            clients,
            settings.dead_letter_queue_url,
            settings.queue_url,
            results_table_name=settings.results_table_name,
            rate=RateLimiter(request.rate),
            deadline=Deadline(remaining_seconds, margin=LAMBDA_MARGIN_SECONDS) if remaining_seconds else None,
        )
        selection = request.selection()
        replayer.check_error_codes(selection)
        summary = replayer.run(selection, dry_run=request.dry_run, limit=request.limit)
        with contextlib.suppress(DependencyError):  # the replay is done: a failed look must not hide its answer
            summary.left_in_dlq = describe_queue(clients, settings.dead_letter_queue_url).depth
        return summary
