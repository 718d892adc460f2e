"""Exchanges made by the real consumer for several owners, and exchanges planted at the emulator behind its back."""

from __future__ import annotations

import json
from typing import Any

import requests

from exchange_linker.bootstrap import build_reconciliation
from exchange_linker.reconcile.service import ReconcileReport, ReconciliationService, Scope
from exchange_linker.settings import ReconcileSettings
from exchange_linker_tools.local_stack import LocalStack
from tests.conftest import CUSTOMER_ID, link_event
from tests.dwolla_client import authorized_session
from tests.integration.helpers import drain

OTHER_CUSTOMER = "5b29279d-6359-4c87-a318-e09095532733"


def consumer_creates_exchanges(stack: LocalStack) -> dict[str, dict[str, Any]]:
    """Two Plaid exchanges for CUSTOMER_ID, one MX for OTHER_CUSTOMER, one for the account: eventId -> event."""
    events = [
        link_event(),
        link_event(),
        link_event(customerId=OTHER_CUSTOMER, partner="MX", token="mx-auth-code-1"),
        link_event(customerId=None),
    ]
    for event in events:
        stack.publish(json.dumps(event))
    drain(stack)
    return {event["eventId"]: event for event in events}


def reconciliation(stack: LocalStack, **overrides: Any) -> ReconciliationService:
    environ = {**stack.resources.function_environment, **{k: str(v) for k, v in overrides.items()}}
    return build_reconciliation(ReconcileSettings.from_environ(environ))


def reconcile(stack: LocalStack, scope: Scope | None = None, **overrides: Any) -> ReconcileReport:
    return reconciliation(stack, **overrides).run(scope or Scope.last_hours(24))


def authorized(stack: LocalStack) -> requests.Session:
    """A client of our own, straight to the emulator: what someone acting outside this service would do."""
    return authorized_session(stack.emulator.url, stack.emulator.client_key, stack.emulator.client_secret)


def plant_orphan(stack: LocalStack, customer_id: str | None = CUSTOMER_ID, partner: str = "Plaid") -> str:
    """An exchange created at Dwolla with no item in the table (a duplicate, or made by hand); returns its id."""
    session = authorized(stack)
    partners = session.get(f"{stack.emulator.url}/exchange-partners", timeout=10).json()
    href = next(p["_links"]["self"]["href"] for p in partners["_embedded"]["exchange-partners"] if p["name"] == partner)
    path = f"/customers/{customer_id}/exchanges" if customer_id else "/exchanges"
    answer = session.post(
        f"{stack.emulator.url}{path}",
        json={"_links": {"exchange-partner": {"href": href}}, "token": f"processor-sandbox-orphan-{partner}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.headers["Location"]).rpartition("/")[2]
