"""One SQS message in, exactly one terminal place out: CREATED in the table, or the DLQ with its reason.

The order of the steps is the point: the same eventId with other content is refused before anything
else; an event already CREATED is never sent again; an exchange a dead-lettered message brought back is
verified and recorded without a POST; and once an attempt's outcome is unknown and Dwolla may have
forgotten its Idempotency-Key, Dwolla's lists decide instead of a new POST (see reconcile.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from functools import partial

from exchange_linker.contracts.dead_letter import DeadLetterQueue, read_evidence
from exchange_linker.contracts.link_completed import parse_link_completed
from exchange_linker.contracts.results import ExchangeResult, KeyState, ResultsStore, Status
from exchange_linker.dwolla.exchange_request import key_may_be_forgotten
from exchange_linker.dwolla.exchanges import CreatedExchange, ExchangeService
from exchange_linker.dwolla.fingerprint import Fingerprinter, differing_parts
from exchange_linker.errors import DependencyError, InvalidEventError
from exchange_linker.ingest.attempt import Attempt
from exchange_linker.ingest.dead_lettering import DeadLettering
from exchange_linker.ingest.failures import FailurePath
from exchange_linker.ingest.funding import FundingSourceStep
from exchange_linker.ingest.intent import IntentRefused, write_intent
from exchange_linker.ingest.messages import (
    InboundMessage,
    Outcome,
    RetryableError,
    already_created,
    parse_timestamp,
)
from exchange_linker.ingest.reconcile import Reconciler, exchange_may_exist
from exchange_linker.observability import Metric, count, logger, record_context
from exchange_linker.timestamps import timestamp, utc_now

__all__ = ["InboundMessage", "Outcome", "RecordProcessor", "RetryableError", "timestamp", "utc_now"]


class RecordProcessor:
    def __init__(
        self,
        exchanges: ExchangeService,
        results: ResultsStore,
        dead_letters: DeadLetterQueue,
        *,
        fingerprints: Fingerprinter,
        max_receive_count: int,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self._exchanges = exchanges
        self._results = results
        self._fingerprints = fingerprints
        self._reconciler = Reconciler(exchanges, results)
        self._clock = clock
        rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._failures = FailurePath(
            results,
            dead_letters,
            max_receive_count=max_receive_count,
            clock=clock,
            rng=rng,
            finish_created=self._finish,
        )
        terminal = DeadLettering(results, dead_letters, max_receive_count=max_receive_count, clock=clock, rng=rng)
        self._funding = FundingSourceStep(
            exchanges, results, terminal, max_receive_count=max_receive_count, clock=clock, rng=rng
        )

    def process(self, message: InboundMessage) -> Outcome:
        count(Metric.EVENTS_RECEIVED)
        try:
            event = parse_link_completed(message.body)
        except InvalidEventError as invalid:
            return self._failures.invalid(message, invalid)
        with record_context(eventId=event.event_id, customerId=event.customer_id, partner=event.partner.value):
            attempt = Attempt(message, event, now=self._clock())
            try:
                return self._attempt(attempt)
            except RetryableError:
                raise
            except Exception as failure:  # a bug must not sink the batch or lose the message either
                if isinstance(failure, DependencyError):
                    return self._failures.after(attempt, failure)
                logger.exception("unexpected error while processing")
                return self._failures.after(
                    attempt, DependencyError("InternalError", type(failure).__name__, permanent=False)
                )

    def _attempt(self, attempt: Attempt) -> Outcome:
        event = attempt.event
        attempt.fingerprint = self._fingerprints.of(event)  # first: every write and comparison needs it
        attempt.existing = existing = self._results.get(event.event_id)
        differing = differing_parts(existing.fingerprint if existing else {}, attempt.fingerprint)
        if differing:
            return self._failures.conflicting(attempt, differing)
        if existing is not None and existing.status is Status.CREATED:
            return self._finish(attempt, existing)
        evidence = read_evidence(attempt.message.attributes)
        attempt.evidence_url = evidence.url
        if attempt.evidence_url is not None:
            return self._record(attempt, self._reconciler.verify(attempt.evidence_url, event), reconciled=True)
        if existing is None and evidence.may_exist_since:  # every write failed: the DLQ message alone knows
            raise exchange_may_exist("the message says an earlier outcome is unknown; the table has no record")
        if existing is not None and existing.exchange_may_exist:
            found = self._reconcile_if_key_forgotten(attempt, existing)
            if found is not None:
                return self._record(attempt, found, reconciled=True)
        attempt.generation = attempt.existing.key_generation or 0 if attempt.existing is not None else 0
        request = self._exchanges.prepare(event, attempt.generation)
        try:
            intend = partial(write_intent, self._results, attempt, self._clock, partial(self._refused, attempt))
            exchange = self._exchanges.send(request, before_sending=intend)
        except IntentRefused as refused:
            return refused.outcome
        return self._record(attempt, exchange)

    def _finish(self, attempt: Attempt, created: ExchangeResult) -> Outcome:
        """The event is CREATED with this request: whichever copy finds it so does what is left (the
        funding source), since the copy that recorded it may have died right after."""
        return self._funding.resume(attempt, created) or already_created()

    def _refused(self, attempt: Attempt) -> Outcome:
        settled = self._failures.settled_by_another(attempt)
        if settled is None:
            raise DependencyError("ConcurrentUpdate", "the event changed while it was processed", permanent=False)
        return settled

    def _reconcile_if_key_forgotten(self, attempt: Attempt, existing: ExchangeResult) -> CreatedExchange | None:
        """Within Dwolla's window the key de-duplicates (None: POST it again); past it, Dwolla's list decides."""
        since = parse_timestamp(existing.uncertain_since)
        if since is None:
            raise exchange_may_exist("an earlier attempt's outcome is unknown and so is when it was made")
        if not key_may_be_forgotten(since, attempt.now):
            return None
        found = self._reconciler.find(attempt.event, since)
        if found is None:
            attempt.existing = self._fresh_key(attempt, existing)
        return found

    def _fresh_key(self, attempt: Attempt, existing: ExchangeResult) -> ExchangeResult:
        """Dwolla holds no exchange for the event: it starts over with the next key generation (unless the
        event moved while it was being looked up; then the next receive looks again)."""
        fresh = attempt.row(Status.RETRYING, self._clock(), key_generation=(existing.key_generation or 0) + 1)
        if not self._results.put(fresh, expected=KeyState.of(existing)):
            raise DependencyError("ConcurrentUpdate", "the event changed while Dwolla was asked", permanent=False)
        logger.info("no exchange at Dwolla for the unknown outcome: a fresh idempotency key")
        return fresh

    def _record(self, attempt: Attempt, exchange: CreatedExchange, *, reconciled: bool = False) -> Outcome:
        attempt.exchange = exchange
        result = attempt.row(
            Status.CREATED,
            self._clock(),
            exchange_url=exchange.url,
            exchange_id=exchange.exchange_id,
            key_generation=attempt.generation,
            reconciled=reconciled,
            funding_source=self._funding.pending(attempt),
        )
        if not self._results.put(result):  # another copy got there first, or holds another request
            return self._refused(attempt)
        outcome = Outcome.RECONCILED if reconciled else Outcome.CREATED
        extra = {"outcome": outcome, "exchangeId": exchange.exchange_id, "dwollaRequestId": exchange.request_id}
        logger.info("exchange recorded" if reconciled else "exchange created", extra=extra)
        count(Metric.EXCHANGES_CREATED)
        return self._funding.resume(attempt, result) or outcome
