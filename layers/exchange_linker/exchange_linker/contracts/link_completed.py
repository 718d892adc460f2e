"""The v1 `link.completed` event contract, and how to read it out of an SQS message body.

Upstream services depend on this contract: field names, the one-credential rule and the partner names
are part of it. Unknown fields are refused on purpose: a misspelt `customerId` must not silently turn a
customer exchange into an account exchange.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Secret,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from exchange_linker.contracts.strict_json import StrictJsonError, lenient_loads, strict_loads
from exchange_linker.errors import InvalidEventError
from exchange_linker.validation import problems

EVENT_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
_EVENT_ID = re.compile(EVENT_ID_PATTERN)
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
MAX_CREDENTIAL_LENGTH = 8192
MAX_RECEIPT_DEPTH = 16

CredentialText = Annotated[
    SecretStr, Field(min_length=1, max_length=MAX_CREDENTIAL_LENGTH, json_schema_extra={"writeOnly": True})
]

MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=128)]
MetadataValue = Annotated[str, StringConstraints(max_length=1024)]


class Partner(StrEnum):
    """Exchange partners Dwolla supports; the value is Dwolla's display name."""

    PLAID = "Plaid"
    MX = "MX"
    FLINKS = "Flinks"
    FINICITY = "Finicity"
    CHECKOUT = "Checkout.com"

    @classmethod
    def from_name(cls, name: str) -> Partner:
        for partner in cls:
            if partner.value.casefold() == name.casefold():
                return partner
        raise ValueError(f"unknown partner; expected one of {', '.join(p.value for p in cls)}")


class CredentialKind(StrEnum):
    TOKEN = "token"  # noqa: S105 - a field name, not a password
    PLAID = "plaid"
    MX = "mx"
    FINICITY = "finicity"


TOKEN_PARTNERS = frozenset({Partner.PLAID, Partner.MX, Partner.FLINKS, Partner.CHECKOUT})
PARTNERS_BY_KIND = {
    CredentialKind.TOKEN: TOKEN_PARTNERS,
    CredentialKind.PLAID: frozenset({Partner.PLAID}),
    CredentialKind.MX: frozenset({Partner.MX}),
    CredentialKind.FINICITY: frozenset({Partner.FINICITY}),
}
ACCOUNT_CREDENTIAL_KINDS = frozenset({CredentialKind.TOKEN, CredentialKind.FINICITY})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, hide_input_in_errors=True)


class PlaidOpenBanking(_Strict):
    public_token: CredentialText = Field(alias="publicToken")


class MxOpenBanking(_Strict):
    available_connection_token: CredentialText = Field(alias="availableConnectionToken")


MAX_FUNDING_SOURCE_NAME = 50  # Dwolla: "Must be 50 characters or less"
ON_DEMAND_AUTHORIZATION_PATTERN = r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/on-demand-authorizations/[A-Za-z0-9-]{1,64}$"
NO_FUNDING_SOURCE_PARTNERS = frozenset({Partner.CHECKOUT})  # debit cards: no funding source from the exchange


class FundingSourceRequest(_Strict):
    """Dwolla's `CreateCustomerExchangeFundingSource`, less the exchange link the service fills in.

    Not secret: a nickname, the account type and an authorization href carry no credential.
    """

    name: str = Field(min_length=1, max_length=MAX_FUNDING_SOURCE_NAME)
    bank_account_type: Literal["checking", "savings"] = Field(alias="bankAccountType")
    on_demand_authorization: str | None = Field(
        default=None, alias="onDemandAuthorization", pattern=ON_DEMAND_AUTHORIZATION_PATTERN
    )

    @field_validator("name")
    @classmethod
    def _printable_name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the name must not be blank")
        if any(ord(character) < 32 or ord(character) == 127 for character in value):
            raise ValueError("the name must not contain control characters")
        return value

    def payload(self, exchange_url: str) -> dict[str, Any]:
        """The request body for a funding source made from the exchange at `exchange_url`."""
        links: dict[str, Any] = {"exchange": {"href": exchange_url}}
        if self.on_demand_authorization is not None:
            links["on-demand-authorization"] = {"href": self.on_demand_authorization}
        return {"_links": links, "bankAccountType": self.bank_account_type, "name": self.name}


class LinkCompletedEvent(_Strict):
    """One customer (or the account itself) finished linking a bank account or debit card."""

    event_id: str = Field(alias="eventId", pattern=EVENT_ID_PATTERN)
    event_type: Literal["link.completed"] = Field(alias="eventType")
    occurred_at: AwareDatetime | None = Field(default=None, alias="occurredAt")
    customer_id: Annotated[str, StringConstraints(pattern=UUID_PATTERN, to_lower=True)] | None = Field(
        default=None, alias="customerId"
    )
    partner: Partner
    token: CredentialText | None = None
    plaid: PlaidOpenBanking | None = None
    mx: MxOpenBanking | None = None
    finicity: Secret[dict[str, Any]] | None = Field(default=None, json_schema_extra={"writeOnly": True})
    metadata: dict[MetadataKey, MetadataValue] | None = Field(default=None, max_length=50)
    # Optional: after the exchange, also create a bank funding source from it (absent: exactly v1).
    funding_source: FundingSourceRequest | None = Field(default=None, alias="fundingSource")

    @field_validator("partner", mode="before")
    @classmethod
    def _partner_by_name(cls, value: object) -> object:
        return Partner.from_name(value) if isinstance(value, str) else value

    @field_validator("finicity")
    @classmethod
    def _receipt_not_empty(cls, value: Secret[dict[str, Any]] | None) -> Secret[dict[str, Any]] | None:
        if value is not None and not value.get_secret_value():
            raise ValueError("the Finicity receipt must be a non-empty object")
        if value is not None and _depth(value.get_secret_value()) > MAX_RECEIPT_DEPTH:
            raise ValueError(f"the Finicity receipt is nested deeper than {MAX_RECEIPT_DEPTH} levels")
        return value

    @model_validator(mode="after")
    def _one_credential_that_fits(self) -> LinkCompletedEvent:
        given = [kind for kind in CredentialKind if getattr(self, kind.value) is not None]
        if len(given) != 1:
            names = ", ".join(kind.value for kind in CredentialKind)
            raise ValueError(f"exactly one credential is required ({names}); got {len(given)}")
        kind = given[0]
        if self.partner not in PARTNERS_BY_KIND[kind]:
            raise ValueError(f"a {kind.value} credential cannot be used with partner {self.partner.value}")
        if self.customer_id is None and kind not in ACCOUNT_CREDENTIAL_KINDS:
            raise ValueError(f"an account exchange (no customerId) accepts only token or finicity, not {kind.value}")
        if self.funding_source is not None and self.partner in NO_FUNDING_SOURCE_PARTNERS:
            raise ValueError(f"fundingSource: Dwolla makes no funding source from a {self.partner.value} exchange")
        return self

    @property
    def credential_kind(self) -> CredentialKind:
        return next(kind for kind in CredentialKind if getattr(self, kind.value) is not None)

    def credential_payload(self) -> dict[str, Any]:
        """The credential exactly as Dwolla's request body wants it. Contains secrets: never log it."""
        if self.token is not None:
            return {"token": self.token.get_secret_value()}
        if self.plaid is not None:
            return {"plaid": {"publicToken": self.plaid.public_token.get_secret_value()}}
        if self.mx is not None:
            return {"mx": {"availableConnectionToken": self.mx.available_connection_token.get_secret_value()}}
        assert self.finicity is not None  # guaranteed by _one_credential_that_fits
        return {"finicity": self.finicity.get_secret_value()}

    def secret_values(self) -> list[str]:
        """Every credential string in the event, so error messages can be scrubbed of them."""
        return [text for text in _strings(self.credential_payload()) if len(text) >= 4]


def _children(value: object) -> list[object]:
    if isinstance(value, dict):
        return list(value.values())
    return list(value) if isinstance(value, list) else []


def _strings(value: object) -> list[str]:
    """Every string inside a JSON value (iterative: no recursion limit to hit)."""
    found, pending = [], [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            found.append(item)
        pending.extend(_children(item))
    return found


def _depth(value: object) -> int:
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        deepest = max(deepest, level)
        pending.extend((child, level + 1) for child in _children(item))
    return deepest


def parse_link_completed(body: str) -> LinkCompletedEvent:
    """Read a v1 event from an SQS body: direct, SNS→SQS or EventBridge→SQS.

    Raises only InvalidEventError, whose message names the offending field and never echoes its value.
    JSON is read strictly (RFC 8259): NaN, Infinity and a key given twice are invalid events too.
    """
    try:
        payload = unwrap_envelope(strict_loads(body))
    except StrictJsonError as strict:
        raise InvalidEventError(strict.field, strict.reason, event_id=_event_id_despite(body)) from None
    except (ValueError, RecursionError):
        raise InvalidEventError("body", "is not valid JSON") from None
    try:  # JSON may escape lone surrogates, which no UTF-8 request body can carry
        json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise InvalidEventError("body", "contains a lone surrogate: not valid Unicode text") from None
    except RecursionError:
        raise InvalidEventError("body", "is nested too deeply") from None
    try:
        return LinkCompletedEvent.model_validate(payload)
    except ValidationError as exc:
        field, reason = problems(exc, whole="event")[0]
        raise InvalidEventError(field, reason, event_id=usable_event_id(payload)) from None
    except RecursionError:
        raise InvalidEventError("event", "is nested too deeply") from None


def unwrap_envelope(payload: Any, loads: Callable[[str], Any] = strict_loads) -> Any:
    """Strip an SNS notification or EventBridge event around the v1 event; anything else passes as is.

    An SNS Message is read with `loads`: strictly for processing, leniently when only looking.
    """
    if not isinstance(payload, dict):
        return payload
    if payload.get("Type") == "Notification" and "TopicArn" in payload:
        message = payload.get("Message")
        if not isinstance(message, str):
            raise InvalidEventError("Message", "SNS notification without a string Message")
        try:
            return loads(message)
        except StrictJsonError as strict:
            raise InvalidEventError(f"Message.{strict.field}", strict.reason) from None
        except (ValueError, RecursionError):
            raise InvalidEventError("Message", "SNS Message is not valid JSON") from None
    if "detail-type" in payload and "detail" in payload and "source" in payload:
        return payload["detail"]
    return payload


def _event_id_despite(body: str) -> str | None:
    """The eventId of a body strict JSON refused, when it is unambiguous, so its FAILED result is stored."""
    try:
        return usable_event_id(unwrap_envelope(lenient_loads(body), lenient_loads))
    except (ValueError, RecursionError, InvalidEventError):
        return None


def usable_event_id(payload: Any) -> str | None:
    """The eventId of an invalid event when it is itself valid, so its FAILED result can be stored."""
    event_id = payload.get("eventId") if isinstance(payload, dict) else None
    if isinstance(event_id, str) and _EVENT_ID.fullmatch(event_id):
        return event_id
    return None
