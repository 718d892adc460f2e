"""Issue 11 (chaos): the same eventId with other content, processed at the same moment, is still a
ConflictingEvent — never "already created", never written over the other request's result.

Two processors (two Lambda containers) hold copies of one eventId with different credentials; their steps
are interleaved by hand against moto server and the emulator: the slow copy reads no item, then is paused
while the other copy gets there first.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from exchange_linker.ingest.processor import InboundMessage, Outcome, RetryableError
from exchange_linker_tools.emulator import FaultPlan
from tests.conftest import link_event
from tests.integration.helpers import reason
from tests.integration.interleaving import held_copy

pytestmark = pytest.mark.integration

MAX_RECEIVES = 5


def copies() -> tuple[dict[str, Any], dict[str, Any]]:
    first = link_event(token="processor-sandbox-FIRST")
    return first, {**first, "token": "processor-sandbox-SECOND"}


def assert_conflicting(stack, event_id: str) -> None:
    (letter,) = [m for m in stack.dead_letters() if reason(m).get("errorCode") == "ConflictingEvent"]
    why = reason(letter)
    assert why["eventId"] == event_id
    assert "credential" in why["errorMessage"]
    assert "FIRST" not in json.dumps(why)
    assert "SECOND" not in json.dumps(why)


def test_the_copy_that_loses_the_race_to_a_created_exchange_is_a_conflicting_event(stack):
    mine, theirs = copies()
    held, slow = held_copy(stack, theirs)
    assert stack.consumer().processor.process(InboundMessage("fast", json.dumps(mine), 1)) is Outcome.CREATED
    before = stack.result(mine["eventId"])
    held.go.set()
    assert slow.result(timeout=10) is Outcome.FAILED  # dead-lettered, not ALREADY_CREATED
    assert_conflicting(stack, mine["eventId"])
    assert stack.result(mine["eventId"]) == before
    (exchange,) = stack.emulator.exchanges
    assert before["exchangeId"] == exchange.id


def test_another_request_written_between_the_read_and_the_write_is_never_taken_over(stack):
    """The other copy writes RETRYING (a 500 before Dwolla made anything) after the slow copy read no item."""
    mine, theirs = copies()
    held, slow = held_copy(stack, mine)
    stack.emulator.faults = FaultPlan(server_error_rate=1.0)
    with pytest.raises(RetryableError):
        stack.consumer().processor.process(InboundMessage("fast", json.dumps(theirs), 1))
    stack.emulator.faults = FaultPlan()
    before = stack.result(mine["eventId"])
    held.go.set()
    assert slow.result(timeout=10) is Outcome.FAILED
    assert_conflicting(stack, mine["eventId"])
    assert stack.result(mine["eventId"]) == before  # the other request's RETRYING row, untouched
    assert stack.emulator.exchanges == []
    # The first request's redelivery then makes its one exchange.
    assert stack.consumer().processor.process(InboundMessage("fast", json.dumps(theirs), 2)) is Outcome.CREATED
    assert len(stack.emulator.exchanges) == 1


@pytest.mark.parametrize("receive_count", [1, MAX_RECEIVES], ids=["RETRYING", "FAILED on the last receive"])
def test_a_failure_written_after_another_request_is_a_conflicting_event_not_an_overwrite(stack, receive_count):
    """The slow copy fails before any POST (Dwolla's partner list hangs past its timeout), so its first
    write is the failure path's, after the other request's RETRYING row."""
    mine, theirs = copies()
    held, slow = held_copy(stack, mine, receive_count, DWOLLA_READ_TIMEOUT="0.3", MAX_RECEIVE_COUNT=str(MAX_RECEIVES))
    stack.emulator.faults = FaultPlan(server_error_rate=1.0)
    with pytest.raises(RetryableError):
        stack.consumer().processor.process(InboundMessage("fast", json.dumps(theirs), 1))
    stack.emulator.faults = FaultPlan()
    before = stack.result(mine["eventId"])
    stack.emulator.hang("exchange-partners", seconds=1.0)
    held.go.set()
    assert slow.result(timeout=10) is Outcome.FAILED
    assert_conflicting(stack, mine["eventId"])
    assert stack.result(mine["eventId"]) == before
