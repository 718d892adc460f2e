"""The funding-source step (issue 14): after the exchange is recorded CREATED, a bank funding source from it.

Runs right after the CREATED write, and again whenever a redelivered or replayed event finds its row CREATED
without a funding source while the event asks for one (so a replay resumes here, never POSTing the exchange
again). The row's status stays CREATED throughout; only its `fundingSource…` fields move: PENDING, then
CREATED (never left), or FAILED with the message in the DLQ. A second funding source cannot be made: the
POST's Idempotency-Key is stable until Dwolla refuses it, and Dwolla keeps one funding source per exchange
(its DuplicateResource names the existing one, which is recorded as success).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from exchange_linker.contracts.dead_letter import ExchangeEvidence
from exchange_linker.contracts.results import (
    ExchangeResult,
    FundingSourceResult,
    FundingSourceStatus,
    ResultsStore,
)
from exchange_linker.dwolla.exchanges import ExchangeService
from exchange_linker.dwolla.funding_sources import CreatedFundingSource
from exchange_linker.errors import DependencyError, NotAttemptedError
from exchange_linker.ingest.attempt import Attempt
from exchange_linker.ingest.backoff import retry_delay
from exchange_linker.ingest.dead_lettering import DeadLettering
from exchange_linker.ingest.messages import Outcome, RetryableError, already_created
from exchange_linker.observability import count_error, logger
from exchange_linker.redaction import scrub
from exchange_linker.timestamps import timestamp


class FundingSourceStep:
    def __init__(
        self,
        exchanges: ExchangeService,
        results: ResultsStore,
        dead_lettering: DeadLettering,
        *,
        max_receive_count: int,
        clock: Callable[[], datetime],
        rng: random.Random,
    ) -> None:
        self._exchanges = exchanges
        self._results = results
        self._dead_lettering = dead_lettering
        self._max_receive_count = max_receive_count
        self._clock = clock
        self._rng = rng

    @staticmethod
    def pending(attempt: Attempt) -> FundingSourceResult | None:
        """What the CREATED write records about the funding source: PENDING when the event asks for one."""
        return FundingSourceResult(FundingSourceStatus.PENDING) if attempt.event.funding_source else None

    def resume(self, attempt: Attempt, row: ExchangeResult) -> Outcome | None:
        """Create the funding source the event asks for, unless it is recorded already (None: nothing to do)."""
        funding = row.funding_source
        if attempt.event.funding_source is None or row.exchange_url is None:
            return None
        if funding is not None and funding.status is FundingSourceStatus.CREATED:
            return None
        generation = funding.key_generation if funding is not None else 0
        made: CreatedFundingSource | None = None
        try:
            made = self._exchanges.create_funding_source(attempt.event, row.exchange_url, generation)
            recorded = FundingSourceResult(
                FundingSourceStatus.CREATED, made.url, made.funding_source_id, key_generation=generation
            )
            if not self._write(attempt, recorded):
                return already_created()  # a concurrent copy recorded it first (Dwolla answered both alike)
        except DependencyError as error:
            return self._failed(attempt, row.exchange_url, error, generation, made)
        extra = {
            "fundingSourceId": made.funding_source_id,
            "existing": made.existing,
            "dwollaRequestId": made.request_id,
        }
        logger.info("funding source created", extra={"outcome": Outcome.FUNDING_SOURCE_CREATED, **extra})
        return Outcome.FUNDING_SOURCE_CREATED

    def _failed(
        self,
        attempt: Attempt,
        exchange_url: str,
        error: DependencyError,
        generation: int,
        made: CreatedFundingSource | None,
    ) -> Outcome:
        """Retry with the same key, or record FAILED and dead-letter (a refusal moves the key on: nothing was made)."""
        message, text = attempt.message, scrub(error.message, attempt.event.secret_values())
        count_error(error.code)
        if isinstance(error, NotAttemptedError):  # Dwolla never looked at it: the failure path defers it
            raise error
        if made is not None:  # Dwolla made it; only the table is missing it (the same key finds it again)
            logger.error("funding source made but not recorded", extra={"fundingSourceUrl": made.url})
        last = message.receive_count >= self._max_receive_count
        details = {"errorCode": error.code, "errorMessage": text, "dwollaRequestId": error.request_id}
        if not (error.permanent or last):
            delay = retry_delay(error.code, message.receive_count, error.retry_after, self._rng)
            logger.warning("funding source failed transiently, will retry", extra={**details, "retryInSeconds": delay})
            pending = FundingSourceResult(FundingSourceStatus.PENDING, None, None, error.code, text, generation)
            self._write_quietly(attempt, pending)
            raise RetryableError(error, delay)
        fresh = generation + 1 if error.permanent and made is None else generation
        failed = FundingSourceResult(FundingSourceStatus.FAILED, None, None, error.code, text, fresh)
        unrecorded: DependencyError | None = None
        try:
            if not self._write(attempt, failed):
                return already_created()  # recorded CREATED meanwhile by another copy
        except DependencyError as write_error:
            if not last:
                raise RetryableError(write_error) from write_error
            logger.error("could not record the funding source's failure on the last receive")
            unrecorded = write_error
        evidence = ExchangeEvidence(url=exchange_url)  # the exchange exists: a replay resumes at this step
        return self._dead_lettering.dead_letter(
            message,
            error.code,
            text,
            attempt.event.event_id,
            evidence,
            request_id=error.request_id,
            unrecorded=unrecorded,
        )

    def _write(self, attempt: Attempt, funding: FundingSourceResult) -> bool:
        at = timestamp(self._clock())
        return self._results.put_funding_source(
            attempt.event.event_id, funding, attempts=attempt.message.receive_count, at=at
        )

    def _write_quietly(self, attempt: Attempt, funding: FundingSourceResult) -> None:
        try:
            self._write(attempt, funding)
        except DependencyError:
            logger.warning("could not record the funding source's transient failure; the retry goes ahead anyway")
