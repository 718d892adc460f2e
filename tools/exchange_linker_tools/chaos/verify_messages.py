"""Checks on what the DLQ holds of each message (the sender's attributes, conflicting versions), and on
the outcome events announced for the table's terminal results.

Pure functions over plain data (tests/chaos/test_verify.py), returning what `verify` puts in the Verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from exchange_linker.contracts.link_completed import parse_link_completed
from exchange_linker.contracts.outcome_event import FUNDING_SOURCE_OUTCOME
from exchange_linker.errors import InvalidEventError
from exchange_linker_tools.chaos.events import ChaosEvent

if TYPE_CHECKING:
    from exchange_linker_tools.chaos.verify import DeadLetterRecord, DwollaExchange

CONFLICTING_EVENT = "ConflictingEvent"


def unreadable(body: str) -> bool:
    """The consumer refuses this body by itself (InvalidEvent): it needs no recorded reason."""
    try:
        parse_link_completed(body)
    except InvalidEventError:
        return True
    return False


def check_attributes(
    events: Sequence[ChaosEvent], dead_letters: Sequence[DeadLetterRecord], keys: Sequence[str | None]
) -> tuple[int, list[str]]:
    """6. Every sender attribute reaches the DLQ (first time or after replays) with its type and value.

    Returns the attributes found as sent, and the DLQ messages missing (or altering) some.
    """
    sent = {event.key: event.attributes for event in events if event.attributes}
    kept, lost = 0, []
    for record, key in zip(dead_letters, keys, strict=True):
        expected = sent.get(key or "", {})
        missing = [
            name
            for name, (kind, value) in expected.items()
            if record.attributes.get(name) != value or record.types.get(name, kind) != kind
        ]
        kept += len(expected) - len(missing)
        if missing:
            lost.append(f"{record.message_id} ({key}): {', '.join(missing)}")
    return kept, lost


def check_conflicts(
    events: Sequence[ChaosEvent],
    twins: Mapping[str, ChaosEvent],
    dead_letters: Sequence[DeadLetterRecord],
    keys: Sequence[str | None],
    exchanges: Sequence[DwollaExchange],
) -> tuple[int, list[str]]:
    """7. Of two versions of one eventId, the one without the exchange is in the DLQ as ConflictingEvent.

    Returns the conflicting versions found dead-lettered so, and the eventIds whose loser is not.
    """
    originals = {event.event_id: event for event in events if event.event_id in twins}
    fingerprints = {exchange.credential_fingerprint for exchange in exchanges}
    conflicted: dict[str, set[str]] = {}
    for record, key in zip(dead_letters, keys, strict=True):
        if key is not None and key in twins and record.error_code == CONFLICTING_EVENT:
            conflicted.setdefault(key, set()).add(record.body)
    found, missing = 0, []
    for event_id, twin in twins.items():
        original = originals[event_id]
        made = [version for version in (original, twin) if version.credential_fingerprint in fingerprints]
        # The version with the exchange won; without one, whichever took the row first (it may have been held
        # as ExchangeMayExist): the other is the ConflictingEvent.
        losers = [version for version in (original, twin) if version not in made] if made else [original, twin]
        if any(loser.body in conflicted.get(event_id, set()) for loser in losers):
            found += 1
        elif len(losers) == 1:
            name = "original" if losers[0] is original else "twin"
            missing.append(f"{event_id}: the {name} is not a ConflictingEvent")
        else:
            missing.append(f"{event_id}: neither version is a ConflictingEvent")
    return found, missing


TERMINAL = ("CREATED", "FAILED")


def check_outcomes(rows: Mapping[str, Mapping[str, object]], announced: set[str]) -> tuple[int, list[str]]:
    """8. Every terminal result has at least one outcome event on the bus (outcomeId `eventId:status`).

    Returns how many terminal results were announced, and the outcomeIds that never were.
    """
    terminal = [f"{event_id}:{row.get('status')}" for event_id, row in rows.items() if row.get("status") in TERMINAL]
    terminal += [  # issue 14: a CREATED row's funding source, once CREATED or FAILED, is announced too
        f"{event_id}:{FUNDING_SOURCE_OUTCOME}:{row.get('fundingSourceStatus')}"
        for event_id, row in rows.items()
        if row.get("status") == "CREATED" and row.get("fundingSourceStatus") in TERMINAL
    ]
    missing = sorted(outcome for outcome in terminal if outcome not in announced)
    return len(terminal) - len(missing), missing
