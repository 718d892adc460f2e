"""Issues 11.2 and 11.13: a day after an attempt whose outcome is unknown, Dwolla's Idempotency-Key no
longer protects the event; before any POST the consumer asks Dwolla's list endpoints what exists.

"A day later" is the consumer's injected wall clock 25 h on and the emulator forgetting its keys.
"""

from __future__ import annotations

import json

import pytest

from exchange_linker.dwolla.exchange_request import idempotency_key
from exchange_linker.ingest.processor import InboundMessage, RetryableError
from exchange_linker_tools.emulator import FaultPlan
from tests.conftest import FINICITY_RECEIPT, link_event
from tests.emulator.emulator_client import Api, exchange_body
from tests.integration.helpers import a_day_later, drain, look_at_the_dlq, reason, replay_everything

pytestmark = pytest.mark.integration


def first_attempt_fails(stack, event, faults: FaultPlan) -> None:
    """One receive, processed as a container would, whose outcome stays unknown."""
    stack.emulator.faults = faults
    consumer = stack.consumer(DWOLLA_READ_TIMEOUT="0.3")
    with pytest.raises(RetryableError):
        consumer.processor.process(InboundMessage("first", json.dumps(event), receive_count=1))
    stack.emulator.wait_for_stats(lambda stats: stats.in_flight == 0)
    stack.emulator.faults = FaultPlan()
    assert stack.result(event["eventId"])["exchangeMayExist"] is True


TIMEOUT_AFTER_CREATE = FaultPlan(timeout_after_create_rate=1.0, timeout_delay=1.5)


@pytest.mark.parametrize(
    "fields",
    [{}, {"customerId": None, "partner": "Finicity", "token": None, "finicity": FINICITY_RECEIPT}],
    ids=["customer", "account"],
)
def test_the_exchange_made_by_a_timed_out_attempt_is_found_and_recorded_without_a_post(stack, fields):
    event = link_event(**fields)
    first_attempt_fails(stack, event, TIMEOUT_AFTER_CREATE)
    stack.emulator.forget_idempotency_keys()
    posts = stack.emulator.stats.exchange_posts
    stack.publish(event)  # a replay, a day later
    drain(stack, stack.consumer(now=a_day_later))
    (exchange,) = stack.emulator.exchanges
    row = stack.result(event["eventId"])
    assert (row["status"], row["exchangeId"], row["exchangeUrl"]) == ("CREATED", exchange.id, exchange.location)
    assert row["reconciled"] is True
    assert stack.emulator.stats.exchange_posts == posts


def test_when_nothing_was_created_a_fresh_key_is_used(stack):
    event = link_event()
    first_attempt_fails(stack, event, FaultPlan(server_error_rate=1.0))  # a 500 before anything was made
    stack.emulator.forget_idempotency_keys()
    stack.publish(event)
    drain(stack, stack.consumer(now=a_day_later))
    (exchange,) = stack.emulator.exchanges
    assert exchange.idempotency_key == idempotency_key(event["eventId"], 1)
    row = stack.result(event["eventId"])
    assert (row["status"], int(row["keyGeneration"]), row.get("reconciled")) == ("CREATED", 1, None)
    assert "exchangeMayExist" not in row


def test_an_exchange_recorded_for_another_event_is_never_taken_for_this_one(stack):
    """The customer linked again with the same partner (a new link completion) after our attempt failed."""
    event = link_event()
    first_attempt_fails(stack, event, FaultPlan(server_error_rate=1.0))  # nothing was made for it
    sibling = link_event()
    stack.publish(sibling)
    drain(stack)
    stack.emulator.forget_idempotency_keys()
    stack.publish(event)
    drain(stack, stack.consumer(now=a_day_later))
    mine, theirs = stack.result(event["eventId"]), stack.result(sibling["eventId"])
    assert mine["status"] == "CREATED"
    assert mine["exchangeId"] != theirs["exchangeId"]
    assert len(stack.emulator.exchanges) == 2


def test_two_candidates_go_to_a_person_and_the_dry_run_flags_them(stack):
    event = link_event()
    first_attempt_fails(stack, event, TIMEOUT_AFTER_CREATE)
    outside = Api(stack.emulator)  # another integration of the account links the customer with the same partner
    assert outside.post_exchange(exchange_body(stack.emulator, credential="made-elsewhere")).status_code == 201
    stack.emulator.forget_idempotency_keys()
    posts = stack.emulator.stats.exchange_posts
    stack.publish(event)
    drain(stack, stack.consumer(now=a_day_later))
    (letter,) = stack.dead_letters()
    why = reason(letter)
    assert (why["errorCode"], why["eventId"]) == ("ExchangeMayExist", event["eventId"])
    assert stack.result(event["eventId"])["errorCode"] == "ExchangeMayExist"
    assert stack.emulator.stats.exchange_posts == posts
    assert len(stack.emulator.exchanges) == 2
    (row,) = look_at_the_dlq(stack).rows
    assert row.as_dict()["exchangeMayExist"] is True


def test_a_409_after_a_500_is_an_exchange_that_may_exist_and_is_found_a_day_later(stack):
    stack.emulator.faults = FaultPlan(server_error_after_create_rate=1.0, conflicts_after_server_error=50)
    event = link_event()
    stack.publish(event)
    drain(stack)  # 500 (created), then 409 Conflict on every receive; the last one dead-letters
    (letter,) = stack.dead_letters()
    assert reason(letter)["errorCode"] == "Conflict"
    (row,) = look_at_the_dlq(stack).rows
    assert row.as_dict()["exchangeMayExist"] is True
    stack.emulator.faults = FaultPlan()
    stack.emulator.forget_idempotency_keys()
    posts = stack.emulator.stats.exchange_posts
    assert replay_everything(stack).moved == 1
    drain(stack, stack.consumer(now=a_day_later))
    (exchange,) = stack.emulator.exchanges
    row = stack.result(event["eventId"])
    assert (row["status"], row["exchangeId"], row["reconciled"]) == ("CREATED", exchange.id, True)
    assert stack.emulator.stats.exchange_posts == posts
