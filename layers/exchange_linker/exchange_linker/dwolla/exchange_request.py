"""Builds the exact Dwolla request for an event: path, deterministic body and idempotency key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from exchange_linker.contracts.link_completed import LinkCompletedEvent
from exchange_linker.contracts.strict_json import strict_dumps

HAL_JSON = "application/vnd.dwolla.v1.hal+json"
# Dwolla keeps an Idempotency-Key for 24 hours. Measured from when the first attempt whose outcome is
# unknown *started* (Dwolla starts counting later), the key is taken as forgotten an hour early: slack
# for clock differences and for Dwolla's own bookkeeping, which is not documented to the minute.
IDEMPOTENCY_WINDOW = timedelta(hours=24)
KEY_SAFETY_MARGIN = timedelta(hours=1)
# Fixed namespace: the same eventId and generation give the same key in every container, forever.
IDEMPOTENCY_NAMESPACE = uuid.UUID("9b0f7a4e-52c1-4c4e-9a57-3c1f2e6b8d21")


@dataclass(frozen=True)
class ExchangeRequest:
    """A ready-to-send exchange creation. `body` holds the credential, so it stays out of repr()."""

    path: str
    idempotency_key: str
    body: bytes = field(repr=False)


def idempotency_key(event_id: str, generation: int) -> str:
    """Stable across redeliveries; a new generation is used only after Dwolla refused the previous one."""
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{event_id}#{generation}"))


def key_may_be_forgotten(first_unknown_outcome: datetime, now: datetime) -> bool:
    """Past this point a repeat of the request may create a second exchange instead of replaying the first."""
    return now - first_unknown_outcome >= IDEMPOTENCY_WINDOW - KEY_SAFETY_MARGIN


def exchange_path(customer_id: str | None) -> str:
    if customer_id is None:
        return "/exchanges"
    # The model already restricts customer ids to canonical UUIDs; re-parsing makes the path safe by construction.
    return f"/customers/{uuid.UUID(customer_id)}/exchanges"


def build_exchange_request(event: LinkCompletedEvent, partner_href: str, generation: int) -> ExchangeRequest:
    body = {"_links": {"exchange-partner": {"href": partner_href}}, **event.credential_payload()}
    return ExchangeRequest(
        path=exchange_path(event.customer_id),
        idempotency_key=idempotency_key(event.event_id, generation),
        body=strict_dumps(body).encode(),  # never NaN/Infinity, whatever slipped into a receipt
    )
