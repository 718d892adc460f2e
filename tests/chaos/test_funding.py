"""Funding sources in the chaos traffic and their check (issue 14), on fabricated final states."""

from __future__ import annotations

from typing import Any

from exchange_linker.contracts.link_completed import parse_link_completed
from exchange_linker_tools.chaos.events import ChaosEvent, generate_traffic
from exchange_linker_tools.chaos.funding import DwollaFundingSource, check_funding_sources
from exchange_linker_tools.chaos.verify_messages import check_outcomes

MARKER = "CHAOSSECRETtest"
ASKING = ChaosEvent("e1", "e1", "{}", "tok-1", "CREATED", funding_source=True)
PLAIN = ChaosEvent("e2", "e2", "{}", "tok-2", "CREATED")
REFUSED = ChaosEvent("e3", "e3", "{}", "invalid-3", "FAILED", "InvalidExchangeToken", funding_source=True)
EVENTS = [ASKING, PLAIN, REFUSED]


def rows() -> dict[str, dict[str, Any]]:
    return {
        "e1": {"status": "CREATED", "exchangeId": "x1", "fundingSourceStatus": "CREATED", "fundingSourceId": "f1"},
        "e2": {"status": "CREATED", "exchangeId": "x2"},
        "e3": {"status": "FAILED", "errorCode": "InvalidExchangeToken"},
    }


def test_traffic_asks_for_funding_sources_without_changing_the_rest() -> None:
    plain = generate_traffic(400, seed=5, marker=MARKER)
    traffic = generate_traffic(400, seed=5, marker=MARKER, funding_share=0.1)
    asking = [event for event in traffic.events if event.funding_source]
    assert 20 <= len(asking) <= 60
    for event in asking:
        parsed = parse_link_completed(event.body)  # every envelope keeps a valid v1 event
        assert parsed.funding_source is not None
        assert parsed.partner.value != "Checkout.com"
    assert [event.credential for event in traffic.events] == [event.credential for event in plain.events]
    assert [event.expected_error for event in traffic.events] == [event.expected_error for event in plain.events]


def test_one_funding_source_per_event_that_asked_passes() -> None:
    made, problems = check_funding_sources(EVENTS, rows(), [DwollaFundingSource("f1", "x1")])
    assert (made, problems) == (1, [])


def test_a_missing_or_unrecorded_funding_source_is_a_problem() -> None:
    assert check_funding_sources(EVENTS, rows(), [])[1] == ["e1: asked for a funding source; 0 at Dwolla, row CREATED"]
    state = rows()
    state["e1"].update(fundingSourceStatus="FAILED", fundingSourceErrorCode="ServerError")
    problems = check_funding_sources(EVENTS, state, [DwollaFundingSource("f1", "x1")])[1]
    assert problems == ["e1: asked for a funding source; 1 at Dwolla, row FAILED ServerError"]
    state = rows()
    state["e1"]["fundingSourceId"] = "f-other"
    assert check_funding_sources(EVENTS, state, [DwollaFundingSource("f1", "x1")])[1]


def test_a_second_or_unasked_or_unattributed_funding_source_is_a_problem() -> None:
    two = [DwollaFundingSource("f1", "x1"), DwollaFundingSource("f2", "x1")]
    assert check_funding_sources(EVENTS, rows(), two)[1] == ["e1: 2 funding sources from one exchange"]
    unasked = [DwollaFundingSource("f1", "x1"), DwollaFundingSource("f3", "x2")]
    assert check_funding_sources(EVENTS, rows(), unasked)[1] == ["e2: a funding source it never asked for"]
    stray = [DwollaFundingSource("f1", "x1"), DwollaFundingSource("f9", "x9")]
    assert check_funding_sources(EVENTS, rows(), stray)[1] == ["funding source f9 from exchange x9, no CREATED event's"]


def test_a_funding_sources_outcome_must_be_announced_too() -> None:
    announced = {"e1:CREATED", "e2:CREATED", "e3:FAILED"}
    assert check_outcomes(rows(), announced) == (3, ["e1:fundingSource:CREATED"])
    assert check_outcomes(rows(), announced | {"e1:fundingSource:CREATED"}) == (4, [])
