"""What the results table holds for an event, and the port the processor writes it through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Status(StrEnum):
    CREATED = "CREATED"
    FAILED = "FAILED"
    RETRYING = "RETRYING"


class FundingSourceStatus(StrEnum):
    """The funding-source step of a CREATED row (issue 14); the row's own status stays CREATED throughout."""

    PENDING = "PENDING"  # asked for, not made yet (or failing transiently: see its error fields)
    CREATED = "CREATED"  # made (or found existing): never moved away from once recorded
    FAILED = "FAILED"  # refused permanently, or failing on the last receive: the message is in the DLQ


@dataclass(frozen=True)
class FundingSourceResult:
    """The funding-source fields of an event's row (all prefixed `fundingSource` in the table)."""

    status: FundingSourceStatus
    url: str | None = None
    funding_source_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    key_generation: int = 0  # of the funding-source POST's own Idempotency-Key


@dataclass(frozen=True)
class ExchangeResult:
    """One row per eventId. Never holds a credential: only what an operator needs to act."""

    event_id: str
    status: Status
    attempts: int
    updated_at: str
    partner: str | None = None
    customer_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    exchange_url: str | None = None
    exchange_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    key_generation: int | None = None  # None: keep what the table holds
    # Sticky until CREATED: some attempt's outcome was unknown, so the key generation must never change.
    exchange_may_exist: bool = False
    # When the first attempt with an unknown outcome started (kept once set): after Dwolla's 24 h the
    # Idempotency-Key no longer protects the event, and the consumer reconciles instead of POSTing.
    uncertain_since: str | None = None
    reconciled: bool = False  # CREATED from an exchange found at Dwolla, not from a 201 in hand
    # Set by each attempt's write-ahead intent (a POST is about to be sent), so two attempts' intents never
    # look alike: a write conditional on one attempt's key state fails once another attempt wrote its own.
    intent_id: str | None = None
    # Keyed hashes of what is sent to Dwolla (see dwolla/fingerprint.py); the first ones stay.
    fingerprint: Mapping[str, str] = field(default_factory=dict)
    funding_source: FundingSourceResult | None = None  # only for events that ask for one


@dataclass(frozen=True)
class KeyState:
    """The state of an event's idempotency key a decision was based on (absent: no item yet).

    A write made with it happens only if the item is still in exactly this state, and then replaces the
    key state (generation, exchangeMayExist, uncertainSince, intentId) instead of only adding to it.
    """

    exists: bool
    key_generation: int = 0
    exchange_may_exist: bool = False
    uncertain_since: str | None = None
    intent_id: str | None = None

    @classmethod
    def of(cls, result: ExchangeResult | None) -> KeyState:
        if result is None:
            return cls(exists=False)
        return cls(
            True, result.key_generation or 0, result.exchange_may_exist, result.uncertain_since, result.intent_id
        )


@dataclass(frozen=True)
class OwnerEntry:
    """One of an owner's events as the owner index shows it: an exchange recorded for it, or one it may have
    made (an intent or an unknown outcome not yet settled). Reconciliation for another event must not take
    either for its own."""

    event_id: str
    status: Status
    exchange_id: str | None = None
    exchange_may_exist: bool = False
    uncertain_since: str | None = None


class ResultsStore(Protocol):
    def get(self, event_id: str) -> ExchangeResult | None:
        """The current result, read consistently (a duplicate may be processed moments later)."""
        ...

    def recorded_exchanges(self, customer_id: str) -> dict[str, str]:
        """exchangeId -> eventId of the customer's recorded exchanges (an eventually consistent index)."""
        ...

    def owner_activity(self, customer_id: str | None, partner: str, since: str) -> list[OwnerEntry]:
        """The owner's (a customer's, or the account's when None) events of `partner` written at or after
        `since` that hold an exchange or may have made one (an eventually consistent index)."""
        ...

    def put(self, result: ExchangeResult, *, expected: KeyState | None = None) -> bool:
        """Write the result unless the event is already CREATED, the item holds another request's
        fingerprint, or (with `expected`) it is no longer in that state. Returns False when the item was
        kept as it was: the caller reads it once to tell which."""
        ...

    def put_funding_source(self, event_id: str, funding: FundingSourceResult, *, attempts: int, at: str) -> bool:
        """Write the funding-source fields of a CREATED row, unless its funding source is already CREATED.
        Never changes the row's status. Returns False when the item was kept as it was."""
        ...
