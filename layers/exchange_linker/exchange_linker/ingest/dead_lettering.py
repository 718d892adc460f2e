"""The end of the line for a message: FAILED in the table (when its eventId is known), then the DLQ.

Written in that order, and the message is deleted from the queue only after both: if the DLQ cannot be
written the message goes back to the queue instead, so nothing is lost. Nor is its reason: when the table
refuses FAILED on the last receive and the DLQ message has no room for the reason either, the message
waits in the queue as a fresh copy (`DeferredRecordError`) until the table takes its FAILED item.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from exchange_linker.contracts.dead_letter import DeadLetter, DeadLetterQueue, ExchangeEvidence
from exchange_linker.contracts.results import ExchangeResult, KeyState, ResultsStore
from exchange_linker.errors import DependencyError
from exchange_linker.ingest.backoff import retry_delay
from exchange_linker.ingest.deferral import DeferredRecordError
from exchange_linker.ingest.messages import (
    InboundMessage,
    Outcome,
    RetryableError,
    already_created,
)
from exchange_linker.observability import Metric, count, logger
from exchange_linker.timestamps import timestamp


class DeadLettering:
    def __init__(
        self,
        results: ResultsStore,
        dead_letters: DeadLetterQueue,
        *,
        max_receive_count: int,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        self._results = results
        self._dead_letters = dead_letters
        self._max_receive_count = max_receive_count
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography

    def dead_letter(
        self,
        message: InboundMessage,
        code: str,
        text: str,
        event_id: str | None,
        evidence: ExchangeEvidence | None = None,
        *,
        failed_at: str | None = None,
        request_id: str | None = None,
        unrecorded: DependencyError | None = None,
    ) -> Outcome:
        """Send the original body with its reason to the DLQ; if that fails the message goes back to the queue.

        `unrecorded`: the table refused the item that would hold this reason. If the DLQ message has no room
        for it either (10 upstream attributes), the message is requeued instead (DeferredRecordError), so
        the reason, and an exchange URL with it, is never nowhere.
        """
        letter = self._letter(message, code, text, event_id, evidence=evidence, failed_at=failed_at)
        if unrecorded is not None and not letter.carries_reason():
            raise self._kept_for_its_reason(message, unrecorded) from unrecorded
        try:
            self._dead_letters.send(letter)
        except DependencyError as error:
            logger.error("could not dead-letter; the message goes back to the queue", extra={"errorCode": error.code})
            raise RetryableError(error) from error
        logger.warning(
            "event failed and was dead-lettered",
            extra={"outcome": Outcome.FAILED, "errorCode": code, "errorMessage": text, "dwollaRequestId": request_id},
        )
        count(Metric.EXCHANGES_FAILED)
        return Outcome.FAILED

    def fail(
        self,
        message: InboundMessage,
        failed: ExchangeResult,
        *,
        expected: KeyState | None = None,
        evidence: ExchangeEvidence | None = None,
        request_id: str | None = None,
        parsed: bool = True,
        refused: Callable[[], Outcome | None] | None = None,
    ) -> Outcome:
        """Record FAILED (when the eventId is known), then dead-letter.

        If the event turned CREATED meanwhile (a replay racing a redelivery), a parsed event is done: it
        is neither dead-lettered nor announced as failed. An invalid body is still dead-lettered. `refused`
        says what a refused write means (another request's item: ConflictingEvent). A parsed event whose
        FAILED item the table refuses on the last receive is dead-lettered `unrecorded` (see `dead_letter`).
        """
        recorded, unrecorded = False, None
        code, text = failed.error_code or "Unknown", failed.error_message or ""
        if failed.event_id:
            try:
                recorded = self._record(failed, expected)
            except DependencyError as error:
                if message.receive_count < self._max_receive_count:
                    raise RetryableError(error) from error
                logger.error("could not record FAILED on the last receive", extra={"errorCode": error.code})
                unrecorded = error if parsed else None  # an invalid body explains itself
            else:
                settled = refused() if refused is not None and not recorded and parsed else None
                if settled is not None:
                    return settled
                if not recorded and parsed:
                    return already_created()
        return self.dead_letter(
            message,
            code,
            text,
            failed.event_id,
            evidence,
            failed_at=failed.updated_at,
            request_id=request_id,
            unrecorded=unrecorded,
        )

    def _kept_for_its_reason(self, message: InboundMessage, error: DependencyError) -> DeferredRecordError:
        """The reason would be nowhere (no slot on the message, no FAILED item): back to the queue, later."""
        delay = retry_delay(error.code, message.receive_count, error.retry_after, self._rng)
        extra = {"errorCode": error.code, "retryInSeconds": delay}
        logger.error("could not record FAILED and the DLQ message has no room for the reason; requeued", extra=extra)
        return DeferredRecordError(error, delay)

    def _letter(
        self,
        message: InboundMessage,
        code: str,
        text: str,
        event_id: str | None,
        *,
        evidence: ExchangeEvidence | None,
        failed_at: str | None,
    ) -> DeadLetter:
        return DeadLetter(
            body=message.body,
            error_code=code,
            error_message=text,
            failed_at=failed_at or timestamp(self._clock()),
            attempts=message.receive_count,
            event_id=event_id or None,
            original_attributes=message.attributes,
            exchange_url=evidence.url if evidence else None,
            exchange_may_exist_since=evidence.may_exist_since if evidence else None,
        )

    def _record(self, failed: ExchangeResult, expected: KeyState | None) -> bool:
        """False when the event is CREATED. A key bump happens only from the state it was decided on;
        if the event moved meanwhile, FAILED is recorded and the key generation left as it now is."""
        if self._results.put(failed, expected=expected):
            return True
        if expected is None:
            return False
        logger.warning("the event changed while it was processed; its key generation is kept")
        return self._results.put(replace(failed, key_generation=None))
