"""Exchange request bodies checked against the seed OpenAPI schemas, reported as Dwolla ValidationErrors."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft202012Validator
from jsonschema import ValidationError as SchemaError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from exchange_linker_tools.emulator.models import PARTNERS_BY_KIND, CredentialKind, Partner
from exchange_linker_tools.emulator.responses import embedded_error

SPEC_FILE = "customer-exchange.openapi.yaml"
_SPEC_URI = "urn:exchange-linker:dwolla-openapi"
_CUSTOMER_BODY_POINTER = (
    "/paths/~1customers~1{id}~1exchanges/post/requestBody/content/application~1vnd.dwolla.v1.hal+json/schema"
)
_SCHEMA_BY_KIND: dict[CredentialKind, str] = {
    "token": "CreateTokenBasedExchange",
    "plaid": "CreatePlaidOpenBankingExchange",
    "mx": "CreateMXOpenBankingExchange",
    "finicity": "CreateFinicitySecureExchange",
}
CUSTOMER_KINDS: tuple[CredentialKind, ...] = ("finicity", "token", "mx", "plaid")
ACCOUNT_KINDS: tuple[CredentialKind, ...] = ("finicity", "token")  # the account seed documents only these
_HREF_PATH = "/_links/exchange-partner/href"


@dataclass(frozen=True)
class ExchangeBody:
    """A valid body: its variant, its partner, and the credential (kept in memory only)."""

    kind: CredentialKind
    partner: Partner
    credential: str


@dataclass(frozen=True)
class _Validators:
    customer: Any
    account: Any
    by_kind: Mapping[CredentialKind, Any]


@functools.cache
def _validators() -> _Validators:
    spec = yaml.safe_load(resources.files(__package__).joinpath(SPEC_FILE).read_text("utf-8"))
    registry: Registry[Any] = Registry().with_resource(
        _SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )

    def make(schema: Mapping[str, Any]) -> Any:
        return Draft202012Validator(schema, registry=registry)

    def ref(kind: CredentialKind) -> dict[str, str]:
        return {"$ref": f"{_SPEC_URI}#/components/schemas/{_SCHEMA_BY_KIND[kind]}"}

    return _Validators(
        customer=make({"$ref": _SPEC_URI + "#" + _CUSTOMER_BODY_POINTER}),
        account=make({"oneOf": [ref(kind) for kind in ACCOUNT_KINDS]}),
        by_kind={kind: make(ref(kind)) for kind in CUSTOMER_KINDS},
    )


def validate_exchange_body(
    body: Any, *, account: bool, partners: Sequence[Partner], accepted_bases: Iterable[str]
) -> ExchangeBody | list[dict[str, Any]]:
    """Return the parsed body, or the ``_embedded.errors`` entries explaining why it is refused."""
    validators = _validators()
    allowed = ACCOUNT_KINDS if account else CUSTOMER_KINDS
    top = validators.account if account else validators.customer
    if not top.is_valid(body):
        return _explain(body, allowed, validators)
    kind = next(k for k in allowed if validators.by_kind[k].is_valid(body))
    partner_or_errors = _resolve_partner(body, kind, partners, accepted_bases)
    if isinstance(partner_or_errors, list):
        return partner_or_errors
    return ExchangeBody(kind=kind, partner=partner_or_errors, credential=_credential(body, kind))


def _explain(body: Any, allowed: Sequence[CredentialKind], validators: _Validators) -> list[dict[str, Any]]:
    """Turn a failed ``oneOf`` into errors for the variant the client evidently meant."""
    if not isinstance(body, dict):
        return [embedded_error("Invalid", "Request body must be a JSON object.", "")]
    present = [kind for kind in CUSTOMER_KINDS if kind in body]
    not_allowed = [kind for kind in present if kind not in allowed]
    if not_allowed:
        names = ", ".join(allowed)
        return [
            embedded_error("Invalid", f"{kind} is not supported on this endpoint; use one of: {names}.", f"/{kind}")
            for kind in not_allowed
        ]
    if not present:
        names = ", ".join(allowed)
        return [embedded_error("Required", f"One of {names} is required.", "/token")]
    if len(present) > 1:
        return [
            embedded_error("Invalid", "Only one of token, plaid, mx, finicity may be present.", f"/{kind}")
            for kind in present
        ]
    return list(_to_dwolla(validators.by_kind[present[0]].iter_errors(body)))


def _to_dwolla(errors: Iterable[SchemaError]) -> Iterator[dict[str, Any]]:
    """Map jsonschema errors to Dwolla's {code, message, path}; never echo the (possibly secret) value."""
    for err in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        pointer = "".join(f"/{part}" for part in err.absolute_path)
        if err.validator == "required":
            instance = cast(Mapping[str, Any], err.instance)
            for name in err.validator_value:
                if name not in instance:
                    yield embedded_error("Required", f"{name} is required.", f"{pointer}/{name}")
        elif err.validator == "type":
            yield embedded_error("Invalid", f"Expected {err.validator_value}.", pointer)
        else:
            yield embedded_error("Invalid", f"Invalid value (fails '{err.validator}').", pointer)


def _resolve_partner(
    body: Mapping[str, Any], kind: CredentialKind, partners: Sequence[Partner], accepted_bases: Iterable[str]
) -> Partner | list[dict[str, Any]]:
    href = body.get("_links", {}).get("exchange-partner", {}).get("href")
    if href is None:
        return [embedded_error("Required", "exchange-partner href is required.", _HREF_PATH)]
    bases = {_origin(base) for base in accepted_bases}
    by_path = {f"/exchange-partners/{p.id}": p for p in partners}
    try:
        partner = by_path.get(urlsplit(href).path.rstrip("/")) if _origin(href) in bases else None
    except ValueError:  # e.g. "http://[" is not even a URL
        partner = None
    if partner is None:
        return [embedded_error("Invalid", "Exchange partner not found.", _HREF_PATH)]
    if partner.name not in PARTNERS_BY_KIND[kind]:
        message = f"Exchange partner {partner.name} does not accept a {kind} exchange."
        return [embedded_error("Invalid", message, _HREF_PATH)]
    return partner


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _credential(body: Mapping[str, Any], kind: CredentialKind) -> str:
    if kind == "token":
        return str(body["token"])
    if kind == "plaid":
        return str(body["plaid"]["publicToken"])
    if kind == "mx":
        return str(body["mx"]["availableConnectionToken"])
    return str(body["finicity"].get("receiptId", ""))
