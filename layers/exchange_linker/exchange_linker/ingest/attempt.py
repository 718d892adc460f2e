"""One processing of one message: what was read, sent and received so far, and the rows it writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from exchange_linker.contracts.dead_letter import UNKNOWN, ExchangeEvidence
from exchange_linker.contracts.link_completed import LinkCompletedEvent
from exchange_linker.contracts.results import ExchangeResult, KeyState, Status
from exchange_linker.dwolla.exchanges import CreatedExchange
from exchange_linker.errors import DependencyError
from exchange_linker.ingest.messages import InboundMessage
from exchange_linker.timestamps import timestamp


@dataclass
class Attempt:
    """Filled in step by step, so the failure path knows exactly how far the attempt got."""

    message: InboundMessage
    event: LinkCompletedEvent
    now: datetime
    existing: ExchangeResult | None = None  # the row as read (or as this attempt last wrote the key state)
    fingerprint: dict[str, str] = field(default_factory=dict)
    evidence_url: str | None = None  # the exchangeUrl a dead-lettered message brought back
    generation: int | None = None  # the key generation POSTed with
    started: datetime | None = None  # when the POST was sent: an unknown outcome dates from here
    exchange: CreatedExchange | None = None  # in hand (a 201, verified or found) but maybe not recorded
    intent: KeyState | None = None  # the key state written ahead of the POST (see processor._intend)

    def row(self, status: Status, at: datetime, **fields: Any) -> ExchangeResult:
        """A row with what the event tells (partner, customer, metadata, fingerprint) filled in."""
        event = self.event
        return ExchangeResult(
            event_id=event.event_id,
            status=status,
            attempts=self.message.receive_count,
            updated_at=timestamp(at),
            partner=event.partner.value,
            customer_id=event.customer_id,
            metadata=dict(event.metadata or {}),
            fingerprint=self.fingerprint,
            **fields,
        )

    def key_state(self) -> KeyState:
        """The key state this attempt last read or wrote: what a write replacing it is conditional on."""
        return self.intent if self.intent is not None else KeyState.of(self.existing)

    def may_exist(self, error: DependencyError) -> bool:
        """Whether Dwolla may hold an exchange for this event: then its key generation must never move."""
        held = self.existing is not None and self.existing.exchange_may_exist
        return error.exchange_may_exist or self.exchange is not None or held

    def unknown_since(self, error: DependencyError) -> str | None:
        """This attempt's start, when its own POST ended without a known outcome."""
        unknown = error.exchange_may_exist or self.exchange is not None
        return timestamp(self.started) if self.started is not None and unknown else None

    def evidence(self, error: DependencyError) -> ExchangeEvidence:
        """What the DLQ message carries about an exchange that may exist (see contracts/dead_letter.py)."""
        url = self.exchange.url if self.exchange is not None else self.evidence_url
        if not self.may_exist(error):
            return ExchangeEvidence(url=url)
        held = self.existing.uncertain_since if self.existing and self.existing.exchange_may_exist else None
        return ExchangeEvidence(url=url, may_exist_since=held or self.unknown_since(error) or UNKNOWN)
