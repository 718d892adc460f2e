"""Resources the emulator hands out: exchange partners and created exchanges."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Literal

from exchange_linker_tools.emulator.clock import utc_timestamp

DEFAULT_CLIENT_KEY = "local-key"
DEFAULT_CLIENT_SECRET = "local-secret"  # noqa: S105 - the emulator's published local secret

CredentialKind = Literal["token", "plaid", "mx", "finicity"]

ExchangeStatus = Literal["active", "deactivated", "removed"]
EXCHANGE_STATUSES: tuple[ExchangeStatus, ...] = ("active", "deactivated", "removed")  # the official Exchange schema

PARTNER_NAMES: tuple[str, ...] = ("Plaid", "MX", "Flinks", "Finicity", "Checkout.com")

# Which partners accept which body variant (seed OpenAPI descriptions of the Create* schemas).
PARTNERS_BY_KIND: dict[CredentialKind, frozenset[str]] = {
    "token": frozenset({"Plaid", "MX", "Flinks", "Checkout.com"}),
    "plaid": frozenset({"Plaid"}),
    "mx": frozenset({"MX"}),
    "finicity": frozenset({"Finicity"}),
}


@dataclass(frozen=True)
class Partner:
    """An exchange partner; ids are fresh per emulator so clients cannot hard-code them."""

    id: str
    name: str
    created: str

    def href(self, base_url: str) -> str:
        return f"{base_url}/exchange-partners/{self.id}"


def new_partners() -> tuple[Partner, ...]:
    created = utc_timestamp()
    return tuple(Partner(id=str(uuid.uuid4()), name=name, created=created) for name in PARTNER_NAMES)


def fingerprint(credential: str) -> str:
    """A short hash of a credential: enough to match an exchange to its event, never the secret."""
    return hashlib.sha256(credential.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CreatedExchange:
    """What the emulator remembers about one created exchange (no raw credential)."""

    id: str
    location: str
    customer_id: str | None
    partner: str
    kind: CredentialKind
    credential_fingerprint: str
    idempotency_key: str | None
    created: str
    status: ExchangeStatus = "active"  # changed only by the test/operator controls, never by the API
