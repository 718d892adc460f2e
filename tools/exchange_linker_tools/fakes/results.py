"""results.ResultsStore (and the reconciliation's read side of it) in a dict, with the DynamoDB adapters' rules
(tests/ports/ holds it to them)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from exchange_linker.contracts.results import (
    ExchangeResult,
    FundingSourceResult,
    FundingSourceStatus,
    KeyState,
    OwnerEntry,
    Status,
)
from exchange_linker.dwolla.fingerprint import REQUEST
from exchange_linker.errors import AwsError
from exchange_linker.reconcile.compare import RecordedExchange, recorded_exchanges


class MemoryResults:
    """CREATED is final; another request's fingerprint refuses every write; exchangeMayExist is sticky until
    CREATED; uncertainSince and the fingerprint are kept once set; with `expected`, a write happens only
    from exactly that key state (intentId included), and replaces it.

    `rows` is the table (a test may seed or read it), `lookups` every get, `fail_writes` a throttled table.
    Thread-safe: the bench drives it from the consumer's thread pool.
    """

    def __init__(self, rows: Mapping[str, ExchangeResult] | None = None) -> None:
        self.rows: dict[str, ExchangeResult] = dict(rows or {})
        self.lookups: list[str] = []
        self.fail_writes = False
        self._lock = threading.Lock()

    def get(self, event_id: str) -> ExchangeResult | None:
        with self._lock:
            self.lookups.append(event_id)
            return self.rows.get(event_id)

    def recorded_exchanges(self, customer_id: str) -> dict[str, str]:
        with self._lock:
            rows = [row for row in self.rows.values() if row.customer_id == customer_id and row.exchange_id]
            return {str(row.exchange_id): row.event_id for row in rows}

    def owner_activity(self, customer_id: str | None, partner: str, since: str) -> list[OwnerEntry]:
        """The byOwner index: the owner's items of `partner` since `since` holding or maybe making an exchange."""
        with self._lock:
            rows = [
                row
                for row in self.rows.values()
                if row.partner == partner and row.customer_id == customer_id and row.updated_at >= since
            ]
        return [
            OwnerEntry(row.event_id, row.status, row.exchange_id, row.exchange_may_exist, row.uncertain_since)
            for row in rows
            if row.exchange_id or row.exchange_may_exist
        ]

    def owners_updated_between(self, since: str, until: str) -> set[str | None]:
        """reconcile.service.RecordedExchanges, read from the same rows."""
        with self._lock:
            return {
                row.customer_id
                for row in self.rows.values()
                if since <= row.updated_at <= until and (row.status is Status.CREATED or row.exchange_may_exist)
            }

    def created_of(self, owner: str | None) -> list[RecordedExchange]:
        with self._lock:
            rows = [r for r in self.rows.values() if r.customer_id == owner and r.status is Status.CREATED]
        return recorded_exchanges(rows)

    def put(self, result: ExchangeResult, *, expected: KeyState | None = None) -> bool:
        if self.fail_writes:
            raise AwsError("dynamodb", "ProvisionedThroughputExceededException", "slow down")
        with self._lock:
            current = self.rows.get(result.event_id)
            if current is not None and current.status is Status.CREATED:
                return False
            if current is not None and _another_request(current, result):
                return False
            if expected is not None and KeyState.of(current) != expected:
                return False
            self.rows[result.event_id] = _merged(result, current, conditional=expected is not None)
            return True

    def put_funding_source(self, event_id: str, funding: FundingSourceResult, *, attempts: int, at: str) -> bool:
        """Only on a CREATED row whose funding source is not CREATED yet; never changes its status."""
        if self.fail_writes:
            raise AwsError("dynamodb", "ProvisionedThroughputExceededException", "slow down")
        with self._lock:
            current = self.rows.get(event_id)
            if current is None or current.status is not Status.CREATED:
                return False
            held = current.funding_source
            if held is not None and held.status is FundingSourceStatus.CREATED:
                return False
            self.rows[event_id] = replace(current, funding_source=funding, attempts=attempts, updated_at=at)
            return True


def _another_request(current: ExchangeResult, result: ExchangeResult) -> bool:
    """The adapter's `attribute_not_exists(fingerprint.request) OR fingerprint.request = :ours`."""
    held, ours = current.fingerprint.get(REQUEST), result.fingerprint.get(REQUEST)
    return bool(held and ours and held != ours)


def _merged(result: ExchangeResult, current: ExchangeResult | None, *, conditional: bool) -> ExchangeResult:
    """What the item holds after the write: the adapter's SET, if_not_exists and REMOVE, field by field.

    A field the result leaves empty keeps what the item held, unless this kind of write clears it.
    """
    created = result.status is Status.CREATED
    cleared = _CLEARED_BY_CREATED if created else _CLEARED_OTHERWISE
    if conditional:
        cleared = cleared | _KEY_STATE
    kept_once = _KEPT_ONCE_SET - _KEY_STATE if conditional else _KEPT_ONCE_SET
    before = current if current is not None else _BLANK
    merged: dict[str, Any] = {}
    for name, value in _written(result).items():
        held, empty = getattr(before, name), getattr(_BLANK, name)
        if value is None:
            merged[name] = empty if name in cleared else held
        else:
            merged[name] = held if name in kept_once and held else value
    return replace(result, **merged)


def _written(result: ExchangeResult) -> dict[str, Any]:
    """The fields the adapter SETs (item_fields), None where it sets nothing."""
    return {
        "partner": result.partner,
        "customer_id": result.customer_id,
        "metadata": dict(result.metadata) or None,
        "exchange_url": result.exchange_url,
        "exchange_id": result.exchange_id,
        "error_code": result.error_code,
        "error_message": result.error_message,
        "key_generation": result.key_generation,
        "exchange_may_exist": True if result.exchange_may_exist else None,
        "uncertain_since": result.uncertain_since if result.exchange_may_exist else None,
        "reconciled": True if result.reconciled else None,
        "intent_id": result.intent_id,
        "fingerprint": dict(result.fingerprint) or None,
        "funding_source": result.funding_source,  # PENDING, with the CREATED write (issue 14)
    }


# An absent item as the adapter reads it back: no generation is generation 0.
_BLANK = ExchangeResult("", Status.RETRYING, 0, "", key_generation=0)
_KEY_STATE = frozenset({"exchange_may_exist", "uncertain_since", "intent_id"})
_KEPT_ONCE_SET = frozenset({"uncertain_since", "fingerprint"})
_CLEARED_BY_CREATED = frozenset({"error_code", "error_message"}) | _KEY_STATE
_CLEARED_OTHERWISE = frozenset({"exchange_url", "exchange_id", "reconciled"})
