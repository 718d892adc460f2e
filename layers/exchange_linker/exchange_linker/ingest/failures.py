"""Where a message goes when its attempt did not end CREATED: back to the queue, or the DLQ with its reason.

Transient failures raise RetryableError so the batch reports the message and SQS redelivers it; on the
last allowed receive they are treated as permanent, so every DLQ message carries the reason it failed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from exchange_linker.contracts.dead_letter import DeadLetterQueue, ExchangeEvidence
from exchange_linker.contracts.results import ExchangeResult, KeyState, ResultsStore, Status
from exchange_linker.dwolla.classification import CONFLICTING_EVENT, RESULT_NOT_RECORDED
from exchange_linker.dwolla.fingerprint import differing_parts
from exchange_linker.errors import DependencyError, InvalidEventError, NotAttemptedError
from exchange_linker.ingest.attempt import Attempt
from exchange_linker.ingest.backoff import retry_delay
from exchange_linker.ingest.dead_lettering import DeadLettering
from exchange_linker.ingest.deferral import deferral
from exchange_linker.ingest.intent import withdraw_intent
from exchange_linker.ingest.messages import InboundMessage, Outcome, RetryableError
from exchange_linker.observability import Metric, count, count_error, logger
from exchange_linker.redaction import scrub
from exchange_linker.timestamps import timestamp


class FailurePath:
    """Decides between a retry and the end of the line, and what the row and the DLQ message then say."""

    def __init__(
        self,
        results: ResultsStore,
        dead_letters: DeadLetterQueue,
        *,
        max_receive_count: int,
        clock: Callable[[], datetime],
        rng: random.Random,
        finish_created: Callable[[Attempt, ExchangeResult], Outcome],
    ) -> None:
        """`finish_created`: what a copy does on finding the event CREATED with its own request."""
        self._results = results
        self._finish_created = finish_created
        self._max_receive_count = max_receive_count
        self._clock = clock
        self._rng = rng
        self._terminal = DeadLettering(results, dead_letters, max_receive_count=max_receive_count, clock=clock, rng=rng)

    def after(self, attempt: Attempt, error: DependencyError) -> Outcome:
        """Retry, or record FAILED and dead-letter; raises RetryableError to send the message back."""
        text = scrub(error.message, attempt.event.secret_values())
        count_error(error.code)
        if isinstance(error, NotAttemptedError):  # Dwolla never looked at it: not an attempt, never the DLQ
            withdraw_intent(self._results, attempt, self._clock())
            raise deferral(error, attempt.message.receive_count, self._rng)
        if not attempt.fingerprint:  # the fingerprint key could not be read: nothing sent, nothing known
            return self._untouched(attempt, error, text)
        evidence = attempt.evidence(error)
        if attempt.exchange is not None:  # Dwolla made it; only the table is missing it: keep the URL safe
            logger.error(
                "exchange made but not recorded",
                extra={
                    "exchangeUrl": attempt.exchange.url,
                    "exchangeId": attempt.exchange.exchange_id,
                    "errorCode": error.code,
                    "errorMessage": text,
                },
            )
        may_exist, since = attempt.may_exist(error), attempt.unknown_since(error)
        if may_exist and attempt.intent is not None:  # the first unanswered POST's time, as the intent kept it
            since = attempt.intent.uncertain_since
        if not (error.permanent or attempt.message.receive_count >= self._max_receive_count):
            return self._retry(attempt, error, text, may_exist=may_exist, since=since)
        if attempt.exchange is not None:
            reason = f"Dwolla made the exchange but the results table refused it ({error.code}); replay to record it"
            count_error(RESULT_NOT_RECORDED)
            return self._terminal.dead_letter(
                attempt.message, RESULT_NOT_RECORDED, reason, attempt.event.event_id, evidence, unrecorded=error
            )
        # After a refusal no exchange exists, so a replay must get a fresh answer: a new key generation, but
        # only if the event is still exactly as read (another copy may have made the exchange meanwhile).
        fresh_key = error.permanent and not may_exist and attempt.generation is not None
        generation = attempt.generation + 1 if fresh_key and attempt.generation is not None else attempt.generation
        failed = attempt.row(
            Status.FAILED,
            self._clock(),
            error_code=error.code,
            error_message=text,
            key_generation=generation,
            exchange_may_exist=may_exist,
            uncertain_since=since,
        )
        expected = attempt.key_state() if fresh_key or attempt.intent is not None else None
        return self._terminal.fail(
            attempt.message,
            failed,
            expected=expected,
            evidence=evidence,
            request_id=error.request_id,
            refused=lambda: self.settled_by_another(attempt),
        )

    def _untouched(self, attempt: Attempt, error: DependencyError, text: str) -> Outcome:
        """A failure before the request's fingerprint was known (its key could not be read; nothing was
        sent). A write without the fingerprint could not be held to one request, so only a new item is
        written (RETRYING, or FAILED at the end); an existing one, another request's maybe, is left alone
        and the message alone carries the reason, or waits for room for it."""
        message = attempt.message
        last = error.permanent or message.receive_count >= self._max_receive_count
        row = attempt.row(
            Status.FAILED if last else Status.RETRYING, self._clock(), error_code=error.code, error_message=text
        )
        try:
            recorded = self._results.put(row, expected=KeyState(exists=False))
        except DependencyError:
            recorded = False
        if not last:
            delay = retry_delay(error.code, message.receive_count, error.retry_after, self._rng)
            logger.warning("failed before the request was known, will retry", extra={"errorCode": error.code})
            raise RetryableError(error, delay)
        unrecorded = None if recorded else error
        return self._terminal.dead_letter(message, error.code, text, attempt.event.event_id, unrecorded=unrecorded)

    def invalid(self, message: InboundMessage, invalid: InvalidEventError) -> Outcome:
        logger.warning("invalid event", extra={"field": invalid.field, "eventId": invalid.event_id})
        count_error(invalid.code)
        failed = ExchangeResult(
            event_id=invalid.event_id or "",
            status=Status.FAILED,
            attempts=message.receive_count,
            updated_at=timestamp(self._clock()),
            error_code=invalid.code,
            error_message=scrub(str(invalid), []),
        )
        return self._terminal.fail(message, failed, parsed=False)

    def conflicting(self, attempt: Attempt, parts: list[str]) -> Outcome:
        """Same eventId, another request: dead-lettered, the first result left exactly as it is (with the
        exchange this copy was answered with, if any: a person may need it)."""
        count_error(CONFLICTING_EVENT)
        reason = f"eventId already used for another request: its {', '.join(parts)} differs"
        evidence = ExchangeEvidence(url=attempt.exchange.url) if attempt.exchange is not None else None
        return self._terminal.dead_letter(attempt.message, CONFLICTING_EVENT, reason, attempt.event.event_id, evidence)

    def settled_by_another(self, attempt: Attempt) -> Outcome | None:
        """After a refused write, one read tells why: the item holds another request (ConflictingEvent),
        or is CREATED with ours (this copy finishes the event: the copy that wrote it may be dead). None:
        it only moved (another copy of this request is at work)."""
        current = self._results.get(attempt.event.event_id)
        differing = differing_parts(current.fingerprint if current is not None else {}, attempt.fingerprint)
        if differing:
            return self.conflicting(attempt, differing)
        if current is None or current.status is not Status.CREATED:
            return None
        return self._finish_created(attempt, current)

    def _retry(
        self, attempt: Attempt, error: DependencyError, text: str, *, may_exist: bool, since: str | None
    ) -> Outcome:
        delay = retry_delay(error.code, attempt.message.receive_count, error.retry_after, self._rng)
        extra = {"errorCode": error.code, "errorMessage": text, "dwollaRequestId": error.request_id}
        logger.warning("transient failure, will retry", extra={**extra, "retryInSeconds": delay})
        count(Metric.EXCHANGES_RETRYING)
        retrying = attempt.row(
            Status.RETRYING,
            self._clock(),
            error_code=error.code,
            error_message=text,
            key_generation=attempt.generation,
            exchange_may_exist=may_exist,
            uncertain_since=since,
        )
        try:
            written = self._settle(attempt, retrying)
        except DependencyError:
            logger.warning("could not record RETRYING; the retry goes ahead anyway")
        else:
            settled = None if written else self.settled_by_another(attempt)
            if settled is not None:
                return settled
        raise RetryableError(error, delay)

    def _settle(self, attempt: Attempt, row: ExchangeResult) -> bool:
        """Write `row`; after an intent it replaces the intent's key state with what the POST told (if the
        item still holds this attempt's intent; otherwise the key state only grows, as other writes do)."""
        if attempt.intent is not None and self._results.put(row, expected=attempt.intent):
            return True
        return self._results.put(row)
