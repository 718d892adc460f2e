"""One SQS message in, exactly one terminal place out: CREATED in the table, or the DLQ with its reason.

Transient failures raise RetryableError so the batch reports the message and SQS redelivers it; on the last
allowed receive they are treated as permanent, so every DLQ message carries the reason it failed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from exchange_linker.contracts.dead_letter import DeadLetter, DeadLetterQueue
from exchange_linker.contracts.link_completed import LinkCompletedEvent, parse_link_completed
from exchange_linker.contracts.results import ExchangeResult, ResultsStore, Status
from exchange_linker.dwolla.exchanges import CreatedExchange, ExchangeService
from exchange_linker.errors import DependencyError, ExchangeLinkerError, InvalidEventError, NotAttemptedError
from exchange_linker.ingest.backoff import retry_delay
from exchange_linker.ingest.deferral import deferral
from exchange_linker.observability import Metric, count, count_error, logger, record_context
from exchange_linker.redaction import scrub


class Outcome(StrEnum):
    CREATED = "CREATED"
    ALREADY_CREATED = "ALREADY_CREATED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class InboundMessage:
    message_id: str
    body: str = field(repr=False)
    receive_count: int
    attributes: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)


class RetryableError(ExchangeLinkerError):
    """The message failed transiently and must go back to the queue, ideally after `delay_seconds`."""

    def __init__(self, error: DependencyError, delay_seconds: int | None = None) -> None:
        self.error = error
        self.delay_seconds = delay_seconds
        super().__init__(f"{error.code}: {error.message}")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RecordProcessor:
    def __init__(
        self,
        exchanges: ExchangeService,
        results: ResultsStore,
        dead_letters: DeadLetterQueue,
        *,
        max_receive_count: int,
        clock: Callable[[], str] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self._exchanges = exchanges
        self._results = results
        self._dead_letters = dead_letters
        self._max_receive_count = max_receive_count
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography

    def process(self, message: InboundMessage) -> Outcome:
        count(Metric.EVENTS_RECEIVED)
        try:
            event = parse_link_completed(message.body)
        except InvalidEventError as invalid:
            logger.warning("invalid event", extra={"field": invalid.field, "eventId": invalid.event_id})
            count_error(invalid.code)
            failed = self._result(
                message,
                Status.FAILED,
                event_id=invalid.event_id or "",
                error_code=invalid.code,
                error_message=scrub(str(invalid), []),
            )
            return self._fail(message, failed)
        with record_context(eventId=event.event_id, customerId=event.customer_id, partner=event.partner.value):
            return self._process_event(event, message)

    def _process_event(self, event: LinkCompletedEvent, message: InboundMessage) -> Outcome:
        generation: int | None = None
        existing: ExchangeResult | None = None
        created: CreatedExchange | None = None
        try:
            existing = self._results.get(event.event_id)
            if existing is not None and existing.status is Status.CREATED:
                return self._already_created()
            generation = (existing.key_generation or 0) if existing is not None else 0
            created = self._exchanges.create(event, generation)
            result = self._result(
                message,
                Status.CREATED,
                event_id=event.event_id,
                event=event,
                exchange=created,
                key_generation=generation,
            )
            recorded = self._results.put(result)
        except Exception as failure:  # a bug must not sink the batch or lose the message either
            if isinstance(failure, DependencyError):
                error = failure
            else:
                logger.exception("unexpected error while processing")
                error = DependencyError("InternalError", type(failure).__name__, permanent=False)
            may_exist = (
                error.exchange_may_exist
                or created is not None  # Dwolla said 201, then something else failed
                or (existing is not None and existing.exchange_may_exist)
            )
            return self._after_failure(event, message, error, generation, may_exist=may_exist)
        if not recorded:  # a concurrent duplicate got there first; Dwolla answered both with one exchange
            return self._already_created()
        extra = {"outcome": Outcome.CREATED, "exchangeId": created.exchange_id, "dwollaRequestId": created.request_id}
        logger.info("exchange created", extra=extra)
        count(Metric.EXCHANGES_CREATED)
        return Outcome.CREATED

    def _after_failure(
        self,
        event: LinkCompletedEvent,
        message: InboundMessage,
        error: DependencyError,
        generation: int | None,
        *,
        may_exist: bool,
    ) -> Outcome:
        text = scrub(error.message, event.secret_values())
        count_error(error.code)
        if isinstance(error, NotAttemptedError):  # Dwolla never looked at it: not an attempt, never the DLQ
            raise deferral(error, message.receive_count, self._rng)
        if error.permanent or message.receive_count >= self._max_receive_count:
            # After a refusal no exchange exists, so a replay must get a fresh answer: a new key generation.
            # But once any attempt's outcome was unknown (a timeout, a 5xx, a 409), the exchange may exist
            # under the current key, which must then stay so Dwolla de-duplicates whatever comes next.
            fresh_key = error.permanent and not may_exist
            next_generation = generation + 1 if fresh_key and generation is not None else generation
            failed = self._result(
                message,
                Status.FAILED,
                event_id=event.event_id,
                event=event,
                error_code=error.code,
                error_message=text,
                key_generation=next_generation,
                exchange_may_exist=may_exist,
            )
            return self._fail(message, failed, request_id=error.request_id, parsed=True)
        delay = retry_delay(error.code, message.receive_count, error.retry_after, self._rng)
        logger.warning(
            "transient failure, will retry",
            extra={
                "errorCode": error.code,
                "errorMessage": text,
                "dwollaRequestId": error.request_id,
                "retryInSeconds": delay,
            },
        )
        count(Metric.EXCHANGES_RETRYING)
        retrying = self._result(
            message,
            Status.RETRYING,
            event_id=event.event_id,
            event=event,
            error_code=error.code,
            error_message=text,
            key_generation=generation,
            exchange_may_exist=may_exist,
        )
        try:
            self._results.put(retrying)
        except DependencyError:
            logger.warning("could not record RETRYING; the retry goes ahead anyway")
        raise RetryableError(error, delay)

    def _fail(
        self, message: InboundMessage, failed: ExchangeResult, *, request_id: str | None = None, parsed: bool = False
    ) -> Outcome:
        """Record FAILED (when the eventId is known) and dead-letter the original body with its reason.

        If the event turned CREATED meanwhile (a replay racing a redelivery), a parsed event is done: it
        is neither dead-lettered nor announced as failed. An invalid body is still dead-lettered.
        """
        code, text = failed.error_code or "Unknown", failed.error_message or ""
        recorded = already_created = False
        if failed.event_id:
            try:
                recorded = self._results.put(failed)
                already_created = not recorded
            except DependencyError as error:
                if message.receive_count < self._max_receive_count:
                    raise RetryableError(error) from error
                logger.error("could not record FAILED on the last receive; dead-lettering anyway")
            if already_created and parsed:
                return self._already_created()
        letter = DeadLetter(
            body=message.body,
            error_code=code,
            error_message=text,
            failed_at=failed.updated_at,
            attempts=message.receive_count,
            event_id=failed.event_id or None,
            original_attributes=message.attributes,
        )
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

    def _already_created(self) -> Outcome:
        logger.info("exchange already created", extra={"outcome": Outcome.ALREADY_CREATED})
        count(Metric.DUPLICATES_SKIPPED)
        return Outcome.ALREADY_CREATED

    def _result(
        self,
        message: InboundMessage,
        status: Status,
        *,
        event_id: str,
        event: LinkCompletedEvent | None = None,
        exchange: CreatedExchange | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        key_generation: int | None = None,
        exchange_may_exist: bool = False,
    ) -> ExchangeResult:
        """A result row; what the event tells (partner, customer, metadata) is filled in when it parsed."""
        return ExchangeResult(
            event_id=event_id,
            status=status,
            attempts=message.receive_count,
            updated_at=self._clock(),
            partner=event.partner.value if event else None,
            customer_id=event.customer_id if event else None,
            metadata=dict(event.metadata or {}) if event else {},
            exchange_url=exchange.url if exchange else None,
            exchange_id=exchange.exchange_id if exchange else None,
            error_code=error_code,
            error_message=error_message,
            key_generation=key_generation,
            exchange_may_exist=exchange_may_exist,
        )
