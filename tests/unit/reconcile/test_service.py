"""The reconciliation service on fakes: which owners, what an unreadable list or the deadline makes of them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from exchange_linker.contracts.results import ExchangeResult, Status
from exchange_linker.dwolla.exchange_resource import ExchangeResource
from exchange_linker.dwolla.exchanges import ExchangeService
from exchange_linker.dwolla.tokens import AccessToken, TokenProvider
from exchange_linker.errors import DwollaError
from exchange_linker.invocation import Invocation
from exchange_linker.reconcile.compare import RecordedExchange
from exchange_linker.reconcile.scope import Scope
from exchange_linker.reconcile.service import ReconciliationService
from exchange_linker_tools.fakes import FakeDwolla, MemoryResults, MemoryTokens
from exchange_linker_tools.fakes.dwolla import PARTNERS

CUSTOMER = "74a207b2-b7b7-4efa-8bf8-582148e7b980"
BROKEN = "5b29279d-6359-4c87-a318-e09095532733"
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


class ListingFails(FakeDwolla):
    """Dwolla answering 500 to one customer's list."""

    def list_exchanges(self, customer_id: str | None, token: AccessToken) -> list[ExchangeResource]:
        if customer_id == BROKEN:
            raise DwollaError("ServerError", "500", permanent=False, status=500)
        return super().list_exchanges(customer_id, token)


def exchange(exchange_id: str, customer_id: str | None, partner_href: str = PARTNERS["Plaid"]) -> ExchangeResource:
    customer = f"https://dwolla.test/customers/{customer_id}" if customer_id else None
    url = f"https://dwolla.test/exchanges/{exchange_id}"
    return ExchangeResource(exchange_id, url, partner_href, customer, NOW, "active")


def world(dwolla: FakeDwolla | None = None) -> tuple[MemoryResults, FakeDwolla, ReconciliationService]:
    dwolla = dwolla or FakeDwolla()
    table = MemoryResults()
    invocation = Invocation(margin=0.0)
    tokens = TokenProvider(MemoryTokens(), dwolla)
    service = ReconciliationService(
        table, ExchangeService(dwolla, tokens, invocation=invocation), invocation=invocation
    )
    return table, dwolla, service


def created(event_id: str, exchange_id: str, customer_id: str | None) -> ExchangeResult:
    return ExchangeResult(
        event_id,
        Status.CREATED,
        1,
        "2026-12-03T07:00:00.000Z",
        partner="Plaid",
        customer_id=customer_id,
        exchange_id=exchange_id,
    )


def test_one_owner_s_unreadable_list_is_reported_and_the_others_still_judged() -> None:
    table, dwolla, service = world(ListingFails())
    table.rows = {"a": created("a", "x1", CUSTOMER), "b": created("b", "x2", BROKEN)}
    dwolla.listed = [exchange("x1", CUSTOMER), exchange("orphan", CUSTOMER)]
    report = service.run(Scope.last_hours(24, now=NOW))
    assert report.unread == {BROKEN: "ServerError"}
    assert [e.exchange_id for _, e in report.unrecorded] == ["orphan"]
    assert report.disagreements == 2
    assert not report.agrees


def test_out_of_time_every_owner_is_unread_never_agreeing() -> None:
    table, dwolla, service = world()
    table.rows = {"a": created("a", "x1", CUSTOMER), "b": created("b", "x0", None)}
    dwolla.listed = [exchange("x1", CUSTOMER), exchange("x0", None)]
    report = service.run(Scope.last_hours(24, now=NOW), remaining_seconds=lambda: 0.5)
    assert report.unread == {None: "DeadlineExceeded", CUSTOMER: "DeadlineExceeded"}
    assert not report.agrees


def test_named_owners_are_read_whatever_the_table_says_in_a_stable_order() -> None:
    _, dwolla, service = world()
    dwolla.listed = [exchange("x9", CUSTOMER, PARTNERS["MX"])]
    report = service.run(Scope.of(customers=[CUSTOMER.upper(), CUSTOMER], account=True))
    assert report.owners == [None, CUSTOMER]
    assert report.as_dict()["unrecorded"] == [
        {
            "customerId": CUSTOMER,
            "exchangeId": "x9",
            "partner": "MX",
            "status": "active",
            "created": "2026-12-03T08:00:00.000Z",
        }
    ]
    assert report.as_dict()["countsByPartner"] == {"MX": {"recorded": 0, "atDwolla": 1}}


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="starts after it ends"):
        Scope(since=NOW, until=datetime(2026, 1, 1, tzinfo=UTC)).window()


class RecordedWhileListing(MemoryResults):
    """The consumer records an exchange Dwolla already lists between our read of the owner's items and its list."""

    def __init__(self, landing: ExchangeResult) -> None:
        super().__init__()
        self._landing: ExchangeResult | None = landing

    def created_of(self, owner: str | None) -> list[RecordedExchange]:
        found = super().created_of(owner)
        if self._landing is not None:
            self.rows[self._landing.event_id], self._landing = self._landing, None
        return found


def test_an_exchange_recorded_while_its_owner_is_read_is_not_reported_unrecorded() -> None:
    """Events keep arriving during a run: only an exchange still unrecorded after the owner's list was read
    (the items are read again then) is a disagreement."""
    dwolla = FakeDwolla()
    table = RecordedWhileListing(created("late", "x2", CUSTOMER))
    table.rows = {"a": created("a", "x1", CUSTOMER)}
    dwolla.listed = [exchange("x1", CUSTOMER), exchange("x2", CUSTOMER)]
    invocation = Invocation(margin=0.0)
    exchanges = ExchangeService(dwolla, TokenProvider(MemoryTokens(), dwolla), invocation=invocation)
    report = ReconciliationService(table, exchanges, invocation=invocation).run(Scope.of(customers=[CUSTOMER]))
    assert report.unrecorded == []
    assert report.agrees
