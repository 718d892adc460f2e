"""The chaos run's verdict, computed only from the final state: the table, the DLQ, Dwolla's own records.

Pure functions over plain data, so each check is tested on its own with fabricated states
(tests/chaos/test_verify.py): a check that cannot fail proves nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from exchange_linker.contracts.dead_letter import DeadLetterReason, read_reason
from exchange_linker.contracts.link_completed import unwrap_envelope
from exchange_linker.dwolla.classification import PERMANENT_CODES
from exchange_linker.errors import InvalidEventError
from exchange_linker_tools.chaos.events import ChaosEvent
from exchange_linker_tools.chaos.verify_messages import (
    CONFLICTING_EVENT,
    check_attributes,
    check_conflicts,
    check_outcomes,
    unreadable,
)

INVALID_EVENT = "InvalidEvent"
EXCHANGE_MAY_EXIST = "ExchangeMayExist"  # an unknown outcome the table never recorded: a person decides
# Replaying these changes nothing: the same content conflicts again; a person decides about the other.
HELD_BACK = {INVALID_EVENT, CONFLICTING_EVENT, EXCHANGE_MAY_EXIST}
_CLIENT_ERROR = re.compile(r"Http4\d\d")


def is_replayable(code: str | None) -> bool:
    """Worth replaying: a failure that may go away by itself (throttling, 5xx, timeouts, resets, ...).

    Permanent refusals (Dwolla's codes, other 4xx, an invalid event) would fail identically again, so
    an operator replays them only after fixing something (InvalidScope, UpdateCredentials); a chaos run
    fixes nothing, so it leaves them where they are.
    """
    return (
        bool(code) and code not in PERMANENT_CODES and code not in HELD_BACK and not _CLIENT_ERROR.fullmatch(code or "")
    )


@dataclass(frozen=True)
class DeadLetterRecord:
    message_id: str
    body: str
    attributes: Mapping[str, str]  # message attributes, string values
    types: Mapping[str, str] = field(default_factory=dict)  # message attributes' DataType

    @property
    def reason(self) -> DeadLetterReason | None:
        """What the consumer attached: the reason attribute (or an older consumer's five)."""
        return read_reason({name: {"DataType": "String", "StringValue": v} for name, v in self.attributes.items()})

    @property
    def error_code(self) -> str | None:
        return self.reason.error_code if self.reason is not None else None


@dataclass(frozen=True)
class Receive:
    """One receive of a message by a worker's handler (its `invoke` marker): SQS's receive count, and
    whether the invocation returned (False: the container was SIGKILLed in it)."""

    count: int
    completed: bool


@dataclass(frozen=True)
class DwollaExchange:
    id: str
    location: str
    credential_fingerprint: str
    idempotency_key: str | None


@dataclass(frozen=True)
class Secret:
    label: str  # what it is, for the report (never the value)
    value: str


@dataclass
class Verdict:
    events: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)  # CREATED, FAILED:<code>
    lost: list[str] = field(default_factory=list)
    duplicates: dict[str, int] = field(default_factory=dict)  # event key -> exchanges at Dwolla
    created_mismatches: list[str] = field(default_factory=list)
    orphan_exchanges: list[str] = field(default_factory=list)  # an exchange at Dwolla, the event not CREATED
    unattributed_exchanges: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    dlq_reasons: dict[str, int] = field(default_factory=dict)
    reasonless: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)  # replayable DLQ messages of events not CREATED
    leaks: list[str] = field(default_factory=list)
    failed_without_failed_row: list[str] = field(default_factory=list)
    attributes_kept: int = 0  # sender attributes found on DLQ messages, as sent
    conflicts_dead_lettered: int = 0  # conflicting versions of an eventId found in the DLQ as ConflictingEvent
    conflicts_missing: list[str] = field(default_factory=list)  # a losing version not dead-lettered so
    outcomes_announced: int = 0  # terminal results with an outcome event on the bus
    outcomes_missing: list[str] = field(default_factory=list)  # terminal results never announced (outcomeId)
    attributes_lost: list[str] = field(default_factory=list)  # DLQ messages missing (or altering) some
    held: dict[str, str] = field(default_factory=dict)  # event key -> note: ExchangeMayExist, for a person
    funding_sources_made: int = 0  # CREATED events that asked for a funding source and got exactly one
    funding_problems: list[str] = field(default_factory=list)  # chaos.funding.check_funding_sources
    # DLQ messages SQS's redrive moved after every receive from the function's last one on was cut short
    # (the runbook's `Unknown`): allowed, listed. One whose last receive returned is reasonless instead.
    cut_short: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicates
            or self.created_mismatches
            or self.orphan_exchanges
            or self.unattributed_exchanges
            or self.unexpected
            or self.reasonless
            or self.unsettled
            or self.leaks
            or self.attributes_lost
            or self.conflicts_missing
            or self.outcomes_missing
            or self.funding_problems
        )

    def problems(self) -> dict[str, Any]:
        listed = {
            "lost": self.lost,
            "duplicates": self.duplicates,
            "createdMismatches": self.created_mismatches,
            "orphanExchanges": self.orphan_exchanges,
            "unattributedExchanges": self.unattributed_exchanges,
            "unexpected": self.unexpected,
            "reasonless": self.reasonless,
            "unsettled": self.unsettled,
            "leaks": self.leaks,
            "attributesLost": self.attributes_lost,
            "conflictsMissing": self.conflicts_missing,
            "outcomesMissing": self.outcomes_missing,
            "fundingProblems": self.funding_problems,
        }
        return {name: value for name, value in listed.items() if value}


def dead_letter_key(record: DeadLetterRecord, garbage_bodies: Mapping[str, str]) -> str | None:
    """The event a DLQ message belongs to: its reason's eventId, else the body's, else the exact body."""
    event_id = record.reason.event_id if record.reason is not None else None
    if event_id:
        return event_id
    try:
        payload = unwrap_envelope(json.loads(record.body))
    except (ValueError, RecursionError, InvalidEventError):
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("eventId"), str):
        return str(payload["eventId"])
    return garbage_bodies.get(record.body)


def verify(
    events: Sequence[ChaosEvent],
    *,
    rows: Mapping[str, Mapping[str, Any]],
    dead_letters: Sequence[DeadLetterRecord],
    exchanges: Sequence[DwollaExchange],
    outputs: Mapping[str, str],
    secrets: Iterable[Secret],
    marker: str,
    twins: Mapping[str, ChaosEvent] | None = None,
    announced: set[str] | None = None,
    receives: Mapping[str, Sequence[Receive]] | None = None,
    last_receive: int | None = None,
) -> Verdict:
    """`receives`: each message id's receives by the workers' handlers; `last_receive`: the function's
    MAX_RECEIVE_COUNT. Without both, no reasonless DLQ message is put down to receives cut short."""
    verdict = Verdict(events=len(events))
    twins = twins or {}
    garbage = {event.body: event.key for event in events if event.event_id is None}
    letters_by_key: dict[str, list[DeadLetterRecord]] = {}
    for record in dead_letters:
        key = dead_letter_key(record, garbage)
        letters_by_key.setdefault(key or f"?{record.message_id}", []).append(record)
    _check_terminal(verdict, events, rows, letters_by_key)
    _check_exchanges(verdict, events, rows, exchanges, twins)
    _check_reasons(verdict, rows, dead_letters, garbage, CutShort(receives, last_receive))
    keys = [dead_letter_key(record, garbage) for record in dead_letters]
    verdict.attributes_kept, verdict.attributes_lost = check_attributes(events, dead_letters, keys)
    verdict.conflicts_dead_lettered, verdict.conflicts_missing = check_conflicts(
        events, twins, dead_letters, keys, exchanges
    )
    if announced is not None:
        verdict.outcomes_announced, verdict.outcomes_missing = check_outcomes(rows, announced)
    _check_leaks(verdict, outputs, secrets, marker)
    return verdict


def _check_terminal(
    verdict: Verdict,
    events: Sequence[ChaosEvent],
    rows: Mapping[str, Mapping[str, Any]],
    letters_by_key: Mapping[str, list[DeadLetterRecord]],
) -> None:
    """1. Nothing lost: CREATED, or in the DLQ. 5. Every event ends where its content says it should."""
    for event in events:
        row = rows.get(event.event_id) if event.event_id else None
        letters = letters_by_key.get(event.key, [])
        status = str(row.get("status")) if row else None
        if status == "CREATED":
            outcome, code = "CREATED", None
        elif letters:
            coded = [letter.error_code for letter in letters if letter.error_code]
            # The newest word is the outcome: a FAILED row, unless a DLQ reason is newer (a later attempt's
            # FAILED write was refused); a row left RETRYING holds only an earlier attempt's code, so the
            # DLQ message's reason is the outcome then, the row's code only without one.
            row_code = (row or {}).get("errorCode")
            newest = _newest_reason(letters)
            if status == "FAILED" and not (newest and _later(newest.failed_at, (row or {}).get("updatedAt"))):
                code = row_code
            else:
                code = newest.error_code if newest is not None else row_code
            code = code or (coded[-1] if coded else None)
            if code is None and row is None and any(unreadable(letter.body) for letter in letters):
                code = INVALID_EVENT  # no room for a reason (10 attributes, 256 KiB): the body is its own
            outcome = f"FAILED:{code}"
            if event.event_id and status != "FAILED":
                verdict.failed_without_failed_row.append(f"{event.key} (row {status})")
            if is_replayable(code):
                verdict.unsettled.append(f"{event.key} ({code})")
        else:
            verdict.lost.append(f"{event.key} (row {status}, no DLQ message)")
            continue
        _add(verdict.by_outcome, outcome)
        expected = "CREATED" if event.expected_status == "CREATED" else f"FAILED:{event.expected_error}"
        if outcome == f"FAILED:{EXCHANGE_MAY_EXIST}" and outcome != expected:
            verdict.held[event.key] = f"expected {expected}"  # by design (runbook): not a wrong outcome
        elif outcome != expected:
            verdict.unexpected.append(f"{event.key}: expected {expected}, got {outcome}")


def _newest_reason(letters: Sequence[DeadLetterRecord]) -> DeadLetterReason | None:
    reasons = [letter.reason for letter in letters if letter.reason is not None and letter.reason.error_code]
    return max(reasons, key=lambda reason: _moment(reason.failed_at) or datetime.min, default=None)


def _later(reason_at: str | None, row_at: Any) -> bool:
    reason_moment, row_moment = _moment(reason_at), _moment(row_at if isinstance(row_at, str) else None)
    return reason_moment is not None and row_moment is not None and reason_moment > row_moment


def _moment(text: str | None) -> datetime | None:
    """A naive UTC moment (both the table and the reasons write UTC), None if absent or unreadable."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None) if text else None
    except ValueError:
        return None


def _check_exchanges(
    verdict: Verdict,
    events: Sequence[ChaosEvent],
    rows: Mapping[str, Mapping[str, Any]],
    exchanges: Sequence[DwollaExchange],
    twins: Mapping[str, ChaosEvent],
) -> None:
    """2. At most one exchange per event (whichever of its versions), exactly one for each CREATED event,
    and it is the table's."""
    by_fingerprint: dict[str, list[DwollaExchange]] = {}
    for exchange in exchanges:
        by_fingerprint.setdefault(exchange.credential_fingerprint, []).append(exchange)
    known = {event.credential_fingerprint for event in [*events, *twins.values()] if event.credential_fingerprint}
    verdict.unattributed_exchanges.extend(
        exchange.id for exchange in exchanges if exchange.credential_fingerprint not in known
    )
    for event in events:
        found = by_fingerprint.get(event.credential_fingerprint or "", [])
        twin = twins.get(event.event_id or "")
        if twin is not None:
            found = found + by_fingerprint.get(twin.credential_fingerprint or "", [])
        row = rows.get(event.event_id) if event.event_id else None
        created = bool(row) and row is not None and row.get("status") == "CREATED"
        if len(found) > 1:
            verdict.duplicates[event.key] = len(found)
        if created:
            assert row is not None
            if len(found) != 1:
                verdict.created_mismatches.append(f"{event.key}: CREATED with {len(found)} exchanges at Dwolla")
            elif (row.get("exchangeId"), row.get("exchangeUrl")) != (found[0].id, found[0].location):
                verdict.created_mismatches.append(f"{event.key}: the table's exchange is not Dwolla's")
        if event.key in verdict.held:  # whether Dwolla made it is what the person settles (at most one)
            verdict.held[event.key] += f", {len(found)} exchange{'' if len(found) == 1 else 's'} at Dwolla"
        elif found and not created:
            verdict.orphan_exchanges.append(f"{event.key} ({(row or {}).get('status')}, {len(found)} at Dwolla)")


def _check_reasons(
    verdict: Verdict,
    rows: Mapping[str, Mapping[str, Any]],
    dead_letters: Sequence[DeadLetterRecord],
    garbage: Mapping[str, str],
    cut_short: CutShort,
) -> None:
    """3. Every DLQ message says why: its reason attribute, or (SQS's own redrive) its table row, or
    (SQS's redrive after the function's last receives all died) the fact that they did."""
    for record in dead_letters:
        if record.error_code:
            _add(verdict.dlq_reasons, "reason attribute")
            continue
        key = dead_letter_key(record, garbage)
        row = rows.get(key or "")
        if row is not None and row.get("status") in {"FAILED", "RETRYING"} and row.get("errorCode"):
            _add(verdict.dlq_reasons, "redriven by SQS, reason in the table")
        elif row is not None and row.get("status") == "CREATED":
            _add(verdict.dlq_reasons, "redriven by SQS, a stale copy of a CREATED event")
        elif row is None and unreadable(record.body):
            _add(verdict.dlq_reasons, "no room for a reason, the body is invalid")
        elif cut_short.explains(record.message_id):
            _add(verdict.dlq_reasons, "moved by SQS, its last receives cut short (Unknown)")
            verdict.cut_short.append(f"{record.message_id} (event {key}, row {(row or {}).get('status')})")
        else:
            _add(verdict.dlq_reasons, "no reason anywhere")
            verdict.reasonless.append(f"{record.message_id} (event {key}, row {(row or {}).get('status')})")


@dataclass(frozen=True)
class CutShort:
    """Whether a DLQ message without a reason is one SQS moved because the function never had its last word.

    The consumer decides on its last receive (MAX_RECEIVE_COUNT) and on SQS's spare one; only a container
    dying in each of them leaves SQS's redrive to move the message with nothing recorded. So: some receive
    of it was marked, and every marked receive from the last one on is an invocation that never returned.
    """

    receives: Mapping[str, Sequence[Receive]] | None
    last_receive: int | None

    def explains(self, message_id: str) -> bool:
        if self.receives is None or self.last_receive is None or not self.receives.get(message_id):
            return False
        return not any(mark.completed for mark in self.receives[message_id] if mark.count >= self.last_receive)


def _check_leaks(verdict: Verdict, outputs: Mapping[str, str], secrets: Iterable[Secret], marker: str) -> None:
    """4. No credential, client secret or access token in any output (logs, table, DLQ attributes)."""
    values = [secret for secret in secrets if secret.value]
    for where, text in outputs.items():
        if marker in text:
            start = text.index(marker)
            verdict.leaks.append(f"a credential (run marker) in {where} at offset {start}")
        verdict.leaks.extend(f"{secret.label} in {where}" for secret in values if secret.value in text)


def _add(counts: dict[str, int], name: str) -> None:
    counts[name] = counts.get(name, 0) + 1
