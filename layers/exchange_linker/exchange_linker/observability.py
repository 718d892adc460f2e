"""Logger and metrics shared by the whole package (Powertools; configured by POWERTOOLS_* variables).

Records of one batch run on worker threads, so per-record log keys are thread-local and metric
writes are serialised.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

SERVICE = "exchange-linker"
NAMESPACE = "ExchangeLinker"


class Metric(StrEnum):
    """Every metric the service emits (namespace ExchangeLinker, dimension service=exchange-linker).

    Alarms and the dashboard in template.yaml may only use these; a test checks both directions.
    """

    EVENTS_RECEIVED = "EventsReceived"
    EXCHANGES_CREATED = "ExchangesCreated"
    EXCHANGES_FAILED = "ExchangesFailed"
    EXCHANGES_RETRYING = "ExchangesRetrying"
    DUPLICATES_SKIPPED = "DuplicatesSkipped"
    EXCHANGE_ERRORS = "ExchangeErrors"  # with the extra dimension ErrorCode
    DWOLLA_LATENCY = "DwollaLatency"
    TOKENS_ISSUED = "TokensIssued"
    TOKEN_REJECTED = "TokenRejected"  # noqa: S105 - a metric name
    PARTNER_LOOKUPS = "PartnerLookups"
    RATE_LIMIT_COOL_DOWNS = "RateLimitCoolDowns"  # the container slowed its POSTs down after a 429
    RECORDS_DEFERRED = "RecordsDeferred"  # handed back unattempted: out of time, or Dwolla kept answering 429
    RECORDS_REQUEUED = "RecordsRequeued"  # ... on their last receives, as a fresh copy (also: no room for a reason)
    CREDENTIALS_REFUSED = "CredentialsRefused"  # Dwolla refused the client key/secret (or the secret is unusable)
    OUTCOME_EVENTS_PUBLISHED = "OutcomeEventsPublished"
    OUTCOME_EVENTS_UNSENT = "OutcomeEventsUnsent"
    REPLAY_MESSAGES_MOVED = "ReplayMessagesMoved"
    REPLAY_SEND_FAILURES = "ReplaySendFailures"
    RECONCILE_DISAGREEMENTS = "ReconcileDisagreements"  # per scheduled run: 0 when the table and Dwolla agree


logger = Logger(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)
_metrics_lock = threading.Lock()


@contextmanager
def record_context(**keys: object) -> Iterator[None]:
    """Log keys for the record this thread is working on (eventId, customerId, partner)."""
    logger.thread_safe_append_keys(**{name: value for name, value in keys.items() if value is not None})
    try:
        yield
    finally:
        logger.thread_safe_clear_keys()


def count(metric: Metric, value: float = 1) -> None:
    with _metrics_lock:
        metrics.add_metric(name=metric.value, unit=MetricUnit.Count, value=value)


def count_error(code: str) -> None:
    """One metric per error code, so an alarm can watch a single code (InvalidScope needs a human)."""
    with single_metric(
        name=Metric.EXCHANGE_ERRORS.value, unit=MetricUnit.Count, value=1, namespace=NAMESPACE, default_dimensions={}
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        metric.add_dimension(name="ErrorCode", value=code)


def record_latency(metric: Metric, milliseconds: float) -> None:
    with _metrics_lock:
        metrics.add_metric(name=metric.value, unit=MetricUnit.Milliseconds, value=milliseconds)
