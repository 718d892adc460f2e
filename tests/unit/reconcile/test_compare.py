"""The comparison of the results table with Dwolla's exchange lists, on plain values."""

from __future__ import annotations

from exchange_linker.reconcile.compare import DwollaExchange, RecordedExchange, compare

CUSTOMER = "74a207b2-b7b7-4efa-8bf8-582148e7b980"
PLAID = "https://api.dwolla.com/exchange-partners/p"
MX = "https://api.dwolla.com/exchange-partners/m"
NAMES = {PLAID: "Plaid", MX: "MX"}


def recorded(exchange_id: str, customer_id: str | None = CUSTOMER, partner: str = "Plaid") -> RecordedExchange:
    return RecordedExchange(
        event_id=f"evt-{exchange_id}", exchange_id=exchange_id, customer_id=customer_id, partner=partner
    )


def listed(exchange_id: str, status: str = "active", partner_href: str = PLAID) -> DwollaExchange:
    return DwollaExchange(exchange_id=exchange_id, status=status, partner_href=partner_href)


def test_agreement_is_reported_as_such() -> None:
    result = compare(
        [recorded("a"), recorded("b", customer_id=None)], {CUSTOMER: [listed("a")], None: [listed("b")]}, NAMES
    )
    assert result.agrees
    assert result.counts == {"Plaid": (2, 2)}


def test_an_exchange_no_created_item_names_is_a_possible_duplicate() -> None:
    result = compare([recorded("a")], {CUSTOMER: [listed("a"), listed("orphan", partner_href=MX)]}, NAMES)
    assert not result.agrees
    assert [(owner, e.exchange_id) for owner, e in result.unrecorded] == [(CUSTOMER, "orphan")]
    assert result.counts == {"Plaid": (1, 1), "MX": (0, 1)}


def test_a_removed_exchange_and_a_vanished_one_are_both_reported() -> None:
    result = compare([recorded("a"), recorded("gone")], {CUSTOMER: [listed("a", status="removed")]}, NAMES)
    assert [e.exchange_id for e in result.removed] == ["a"]
    assert [e.exchange_id for e in result.missing] == ["gone"]
    assert not result.agrees


def test_an_exchange_listed_for_another_owner_is_not_this_items() -> None:
    """An account exchange listed only under a customer is both missing and unrecorded, not a match."""
    result = compare([recorded("a", customer_id=None)], {None: [], CUSTOMER: [listed("a")]}, NAMES)
    assert [e.exchange_id for e in result.missing] == ["a"]
    assert [e.exchange_id for _, e in result.unrecorded] == ["a"]


def test_owners_not_listed_are_not_judged() -> None:
    """Only the owners whose lists were read are compared: a window's customers, or the ones named."""
    result = compare([recorded("a"), recorded("b", customer_id="other")], {CUSTOMER: [listed("a")]}, NAMES)
    assert result.agrees
    assert result.counts == {"Plaid": (1, 1)}


def test_an_unknown_partner_href_is_counted_by_its_href() -> None:
    result = compare([], {CUSTOMER: [listed("x", partner_href="https://api.dwolla.com/exchange-partners/new")]}, NAMES)
    assert result.counts == {"https://api.dwolla.com/exchange-partners/new": (0, 1)}


def test_only_created_results_with_an_exchange_id_are_recorded_exchanges() -> None:
    from exchange_linker.contracts.results import ExchangeResult, Status
    from exchange_linker.reconcile.compare import recorded_exchanges

    def result(event_id: str, status: Status, exchange_id: str | None) -> ExchangeResult:
        return ExchangeResult(
            event_id, status, 1, "2026-12-03T06:00:00Z", partner="Plaid", customer_id=CUSTOMER, exchange_id=exchange_id
        )

    rows = [result("e1", Status.CREATED, "a"), result("e2", Status.FAILED, None), result("e3", Status.RETRYING, None)]
    assert recorded_exchanges(rows) == [RecordedExchange("e1", "a", CUSTOMER, "Plaid")]
