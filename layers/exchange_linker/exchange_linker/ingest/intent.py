"""The write-ahead intent: before an exchange POST leaves, the event's item says an exchange may exist.

Dwolla's exchange lists carry no Idempotency-Key, so a day after an unknown outcome only the table can say
which event may have made a listed exchange (reconcile.py). Every POST is therefore preceded by a
conditional write, from exactly the state that was read, of `exchangeMayExist`, `uncertainSince` (the first
unanswered POST's time, kept) and a fresh `intentId` (so no two attempts' intents look alike, and a stale
writer's conditional write fails). The POST's outcome replaces it (failures.py); a container killed in
between leaves it, which reads exactly like an unknown outcome.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from exchange_linker.contracts.results import KeyState, ResultsStore, Status
from exchange_linker.errors import DependencyError
from exchange_linker.ingest.attempt import Attempt
from exchange_linker.ingest.messages import Outcome
from exchange_linker.observability import logger
from exchange_linker.timestamps import timestamp


class IntentRefused(Exception):  # noqa: N818 - a signal carrying the outcome, not a failure
    """The write-ahead intent was refused: nothing was sent, and `outcome` says where the message ends."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome)
        self.outcome = outcome


def write_intent(
    results: ResultsStore, attempt: Attempt, clock: Callable[[], datetime], refused: Callable[[], Outcome]
) -> None:
    """Record the intent, or raise: IntentRefused (the item moved or holds another request; `refused`
    reads it and says where the message ends) or the table's DependencyError (nothing is sent, retried).
    Never a POST without this write: it is also where the item's fingerprint is checked (one request)."""
    attempt.started = now = clock()
    existing = attempt.existing
    held = existing.uncertain_since if existing is not None and existing.exchange_may_exist else None
    intent = attempt.row(
        Status.RETRYING,
        now,
        key_generation=attempt.generation,
        exchange_may_exist=True,
        uncertain_since=held or timestamp(now),
        intent_id=uuid.uuid4().hex,
    )
    if not results.put(intent, expected=KeyState.of(existing)):
        raise IntentRefused(refused())
    attempt.intent = KeyState.of(intent)


def withdraw_intent(results: ResultsStore, attempt: Attempt, now: datetime) -> None:
    """Dwolla never looked at the POST (429, or no time left): the key state goes back to what was read."""
    if attempt.intent is None:
        return
    existing = attempt.existing
    held = existing is not None and existing.exchange_may_exist
    since = existing.uncertain_since if existing is not None and held else None
    restored = attempt.row(
        Status.RETRYING, now, key_generation=attempt.generation, exchange_may_exist=held, uncertain_since=since
    )
    try:
        results.put(restored, expected=attempt.intent)
    except DependencyError:
        logger.warning("could not withdraw the intent; the next receive sends the same key")
