"""Records Dwolla never looked at go back to the queue without counting as a failed attempt.

That is a record the invocation had no time left to start (or to finish waiting for Dwolla's pace), or
one whose POSTs Dwolla kept answering 429. Nothing happened at Dwolla, so nothing is recorded: no
RETRYING row, no attempt, never the DLQ. What "not counting" can honestly mean with SQS: its
ApproximateReceiveCount grows on every receive and cannot be given back, so

- out of time: the message is offered again at once (visibility 0), for another invocation to take;
- rate limited: it waits Retry-After, at least a minute, before it is offered again;
- on the function's last receive (MAX_RECEIVE_COUNT) or SQS's spare one, a fresh copy (same body and
  attributes, a new message id, a receive count of zero, the same delay) is sent to the queue and the
  original deleted, so neither the last-receive rule nor SQS's redrive ever turns it into a DLQ message.
"""

from __future__ import annotations

import random

from exchange_linker.errors import DependencyError, ExchangeLinkerError, NotAttemptedError
from exchange_linker.ingest.backoff import retry_delay
from exchange_linker.invocation import DEADLINE_EXCEEDED
from exchange_linker.observability import Metric, count, logger


class DeferredRecordError(ExchangeLinkerError):
    """Back to the queue after `delay_seconds`, not counted as an attempt (see the module docstring).

    Also a failure whose reason would be lost (see `DeadLettering.fail`): it waits in the queue the same way.
    """

    def __init__(self, error: DependencyError, delay_seconds: int) -> None:
        self.error = error
        self.delay_seconds = delay_seconds
        super().__init__(f"{error.code}: {error.message}")


def deferral(error: NotAttemptedError, receive_count: int, rng: random.Random) -> DeferredRecordError:
    """What becomes of a record that was not attempted: logged, counted, and handed back."""
    delay = 0 if error.code == DEADLINE_EXCEEDED else retry_delay(error.code, receive_count, error.retry_after, rng)
    extra = {"outcome": "DEFERRED", "errorCode": error.code, "retryInSeconds": delay}
    logger.info("not attempted; back to the queue", extra=extra)
    count(Metric.RECORDS_DEFERRED)
    return DeferredRecordError(error, delay)
