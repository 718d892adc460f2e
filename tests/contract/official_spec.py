"""Dwolla's official OpenAPI document (dwolla-openapi/, MIT), loaded for openapi-core with its quirks explicit.

Every change made to the published document before validating against it is here and in README's
"Seed pages, the official document and the emulator" table; nothing else is relaxed.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI

DOCUMENT = Path(__file__).parent / "dwolla-openapi" / "openapi.yml"
HAL_JSON = "application/vnd.dwolla.v1.hal+json"

# (path, method): the operations exchange-linker uses or its reconciliation and funding-source flows read.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("/token", "post"),
    ("/exchange-partners", "get"),
    ("/exchange-partners/{id}", "get"),
    ("/customers/{id}/exchanges", "post"),
    ("/customers/{id}/exchanges", "get"),
    ("/exchanges", "post"),
    ("/exchanges", "get"),
    ("/exchanges/{id}", "get"),
    ("/customers/{id}/funding-sources", "post"),
    ("/funding-sources", "post"),
    ("/funding-sources/{id}", "get"),
)


@functools.cache
def raw_document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def _strip_ref_siblings(node: Any) -> None:
    """Quirk 1: three `$ref`s carry siblings (`example`, `description`) that OAS 3.1's Reference Object
    forbids, so the document fails openapi-spec-validator; the siblings are documentation only."""
    if isinstance(node, dict):
        if "$ref" in node:
            for key in [k for k in node if k != "$ref"]:
                del node[key]
        for value in node.values():
            _strip_ref_siblings(value)
    elif isinstance(node, list):
        for value in node:
            _strip_ref_siblings(value)


def _account_exchange_takes_hal(document: dict[str, Any]) -> None:
    """Quirk 2: `POST /exchanges` and `POST /funding-sources` declare only `application/json` while every
    other Dwolla body (and the customer variants of the same operations, and the account funding source's
    own code sample) is HAL JSON; the client sends HAL JSON everywhere, so the same schema is offered
    under both media types."""
    for path in ("/exchanges", "/funding-sources"):
        content = document["paths"][path]["post"]["requestBody"]["content"]
        content.setdefault(HAL_JSON, copy.deepcopy(content["application/json"]))


def _account_funding_source_from_an_exchange(document: dict[str, Any]) -> None:
    """Quirk 9: `CreateAccountFundingSource` has a `_links.exchange` but requires `routingNumber` and
    `accountNumber` even with it; a funding source made from an exchange has no numbers to send (the
    customer variant, `CreateCustomerExchangeFundingSource`, requires none). Either the numbers or the
    exchange link are required."""
    schema = document["components"]["schemas"]["CreateAccountFundingSource"]
    schema["required"] = ["name", "bankAccountType"]
    schema["anyOf"] = [
        {"required": ["accountNumber", "routingNumber"]},
        {"required": ["_links"], "properties": {"_links": {"required": ["exchange"]}}},
    ]


def _identical_one_of_is_any_of(document: dict[str, Any]) -> None:
    """Quirk 5: error responses are `oneOf` alternatives of one shape ({code, message}): the exchange
    POSTs' 400 (InvalidExchangeToken, InvalidExchange), the customer exchange POST's 401, the
    funding-source POST's 400 (seven error schemas). Every error body is valid under all of them, so
    `oneOf` fails whatever Dwolla sends; the intent (any of these shapes) is `anyOf`."""
    for path, method in OPERATIONS:
        for status, response in document["paths"][path][method]["responses"].items():
            schema = response.get("content", {}).get(HAL_JSON, {}).get("schema", {})
            if int(status) >= 400 and "oneOf" in schema:
                schema["anyOf"] = schema.pop("oneOf")


def _account_exchange_created_has_no_body(document: dict[str, Any]) -> None:
    """Quirk 6: `POST /exchanges` 201 declares a HAL body, but Dwolla answers 201 with only a Location
    (the seed page, and the customer variant of the same operation, say so); the body is dropped."""
    document["paths"]["/exchanges"]["post"]["responses"]["201"].pop("content", None)


def _checkout_is_a_partner(document: dict[str, Any]) -> None:
    """Quirk 7: ExchangePartner.name enumerates MX, Plaid, Flinks and Finicity only, while Dwolla's
    debit-card exchanges (Checkout.com) are listed by the same endpoint; the name is added."""
    names = document["components"]["schemas"]["ExchangePartner"]["properties"]["name"]["enum"]
    if "Checkout.com" not in names:
        names.append("Checkout.com")


def _token_refuses_bad_requests_with_400(document: dict[str, Any]) -> None:
    """Quirk 8: `POST /token` documents 200 and 401 only; a malformed request (grant_type missing or
    not client_credentials) is a 400 `invalid_request`/`unsupported_grant_type` under OAuth 2
    (RFC 6749 section 5.2), which the emulator answers and the client never provokes."""
    responses = document["paths"]["/token"]["post"]["responses"]
    responses.setdefault("400", copy.deepcopy(responses["401"]) | {"description": "Bad Request (RFC 6749 5.2)"})


def prepared_document(base_url: str) -> dict[str, Any]:
    """The official document with the quirks above fixed and `servers` pointed at `base_url`.

    Quirk 3: `servers` names only api.dwolla.com and api-sandbox.dwolla.com; the emulator (or the
    recording proxy in front of it) serves the same paths on a loopback origin.
    """
    document = copy.deepcopy(raw_document())
    _strip_ref_siblings(document)
    _account_exchange_takes_hal(document)
    _account_funding_source_from_an_exchange(document)
    _identical_one_of_is_any_of(document)
    _account_exchange_created_has_no_body(document)
    _checkout_is_a_partner(document)
    _token_refuses_bad_requests_with_400(document)
    document["servers"] = [{"url": base_url}]
    return document


def _json_body(data: bytes) -> Any:
    return json.loads(data) if data else None


@functools.cache
def official_api(base_url: str) -> OpenAPI:
    """openapi-core over the prepared document (spec-validated: openapi-spec-validator runs on it).

    Quirk 4: openapi-core deserialises only `application/json`-like media types it knows; Dwolla's
    `application/vnd.dwolla.v1.hal+json` is JSON and is registered as such.
    """
    deserializers: dict[str, Callable[[bytes], Any]] = {HAL_JSON: _json_body}
    return OpenAPI.from_dict(prepared_document(base_url), config=Config(extra_media_type_deserializers=deserializers))
