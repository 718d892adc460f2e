"""POST /customers/{id}/funding-sources, POST /funding-sources (the account's) and GET /funding-sources/{id}.

Order: customer, JSON, Idempotency-Key claim, body checks, the exchange (this emulator's, this owner's,
active), operator fault rule (``operation="funding-source"``), one funding source per exchange, creation.
An idempotent replay returns the first Location; a new request for an exchange that already has a funding
source is a DuplicateResource pointing at it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from exchange_linker_tools.emulator import representations, responses
from exchange_linker_tools.emulator.clock import utc_timestamp
from exchange_linker_tools.emulator.error_catalog import ErrorContext, build_error
from exchange_linker_tools.emulator.exchange_post import is_known_customer
from exchange_linker_tools.emulator.funding_sources import FundingSource, parse_body
from exchange_linker_tools.emulator.idempotent_post import run_idempotently
from exchange_linker_tools.emulator.models import CreatedExchange
from exchange_linker_tools.emulator.state import EmulatorState

_HREF_PATH = "/_links/exchange/href"


def create_funding_source(state: EmulatorState, request: Request, customer_id: str | None) -> Response:
    if customer_id is not None and not is_known_customer(customer_id):
        return responses.error(404, "NotFound", "Customer ID not found. Check Customer ID.")
    try:
        body = json.loads(request.get_data(cache=False))
    except ValueError:
        return responses.error(400, "BadRequest", "The request body contains bad syntax or is incomplete.")
    return run_idempotently(state, request, body, lambda key: _process(state, request, customer_id, body, key))


def get_funding_source(state: EmulatorState, source_id: str) -> Response:
    source = state.funding_sources.get(source_id)
    if source is None:
        return responses.error(404, "NotFound", "Funding source not found.")
    exchange = next(e for e in state.exchanges() if e.id == source.exchange_id)
    body = representations.funding_source_body(source, exchange.location, state.base_url, state.account_id)
    return responses.hal(body)


def _process(state: EmulatorState, request: Request, customer_id: str | None, body: Any, key: str | None) -> Response:
    parsed = parse_body(body)
    if isinstance(parsed, list):
        return responses.validation_error(parsed)
    exchange = _resolve_exchange(state, request, parsed.exchange_href)
    if exchange is None:
        return _invalid_href("Exchange not found.")
    if exchange.customer_id != customer_id:
        owner = "the account" if customer_id is None else "this customer"
        return _invalid_href(f"The exchange does not belong to {owner}.")
    if exchange.status != "active":
        return responses.error(400, "InactiveExchange", "The Exchange was removed or disabled.")
    rule = state.fault_rules.match(customer_id, exchange.partner, "funding-source")
    if rule is not None:
        state.stats.rule_hit(rule.code)
        return build_error(rule.code, ErrorContext(state.base_url, account=customer_id is None), rule.status)
    source_id = str(uuid.uuid4())
    candidate = FundingSource(
        id=source_id,
        location=f"{state.public_url or state.base_url}/funding-sources/{source_id}",
        customer_id=customer_id,
        exchange_id=exchange.id,
        name=parsed.name,
        bank_account_type=parsed.bank_account_type,
        created=utc_timestamp(),
        idempotency_key=key,
        on_demand_authorization=parsed.on_demand_authorization,
    )
    stored, created = state.funding_sources.create_unless_duplicate(candidate)
    if not created:
        about = representations.link(stored.location, "funding-source")
        return responses.error(
            400, "DuplicateResource", f"Bank already exists: id={stored.id}", _links={"about": about}
        )
    if key is not None:
        state.idempotency.complete(key, stored.location)
    state.stats.incr("funding_sources_created")
    return responses.created(stored.location)


def _resolve_exchange(state: EmulatorState, request: Request, href: str) -> CreatedExchange | None:
    """Only this emulator's own exchange URLs count (through any of its host names), as with partner hrefs."""
    try:
        parts = urlsplit(href)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
    except ValueError:
        return None
    accepted = {_origin(state.base_url), _origin(request.host_url)}
    prefix, _, exchange_id = parts.path.rstrip("/").rpartition("/")
    if origin not in accepted or prefix != "/exchanges":
        return None
    return next((e for e in state.exchanges() if e.id == exchange_id), None)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _invalid_href(message: str) -> Response:
    return responses.validation_error([responses.embedded_error("Invalid", message, _HREF_PATH)])
