"""Builds the funding-source request made from an exchange: path, deterministic body, its own Idempotency-Key.

`POST /customers/{id}/funding-sources` (or `POST /funding-sources` for the account) with `_links.exchange`:
Dwolla's `CreateCustomerExchangeFundingSource`. The key is derived from the eventId and a generation of its
own (namespaced apart from the exchange's keys), so every retry of the step asks Dwolla the same question.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from exchange_linker.contracts.link_completed import LinkCompletedEvent
from exchange_linker.contracts.strict_json import strict_dumps
from exchange_linker.dwolla.classification import funding_source_code
from exchange_linker.errors import DependencyError, DwollaError, NotAttemptedError

FUNDING_SOURCE_NAMESPACE = uuid.UUID("1d5f3c2a-8e4b-4f7a-b6c9-0a2e7d41f593")


@dataclass(frozen=True)
class FundingSourcePost:
    """A ready-to-send funding-source creation (nothing secret in it, but kept out of repr like the exchange's)."""

    path: str
    idempotency_key: str
    body: bytes = field(repr=False)


@dataclass(frozen=True)
class CreatedFundingSource:
    url: str
    funding_source_id: str
    request_id: str | None
    existing: bool = False  # Dwolla answered DuplicateResource: the exchange already had this funding source


def funding_source_key(event_id: str, generation: int) -> str:
    """Stable across redeliveries and replays; a new generation only after Dwolla refused the previous one."""
    return str(uuid.uuid5(FUNDING_SOURCE_NAMESPACE, f"{event_id}#funding-source#{generation}"))


def funding_source_path(customer_id: str | None) -> str:
    if customer_id is None:
        return "/funding-sources"
    return f"/customers/{uuid.UUID(customer_id)}/funding-sources"  # a canonical UUID by construction


def build_funding_source_request(event: LinkCompletedEvent, exchange_url: str, generation: int) -> FundingSourcePost:
    if event.funding_source is None:
        raise ValueError("the event asks for no funding source")
    return FundingSourcePost(
        path=funding_source_path(event.customer_id),
        idempotency_key=funding_source_key(event.event_id, generation),
        body=strict_dumps(event.funding_source.payload(exchange_url)).encode(),
    )


def as_funding_source_error(error: DependencyError) -> DependencyError:
    """Dwolla's answer to the funding-source POST, under a code that names the step (FundingSourceNotFound…).

    Answers Dwolla never looked at (429, no time left) keep their code: they are not attempts.
    """
    if isinstance(error, NotAttemptedError) or not isinstance(error, DwollaError):
        return error
    code = funding_source_code(error.code)
    if code == error.code:
        return error
    return DwollaError(
        code,
        f"funding source: {error.message}",
        permanent=error.permanent,
        status=error.status,
        request_id=error.request_id,
        retry_after=error.retry_after,
    )
