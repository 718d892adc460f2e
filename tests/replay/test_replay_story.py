"""End to end: events fail, the cause is fixed, a replay brings them home; the consumer side of replays."""

from __future__ import annotations

import pytest

from exchange_linker.dwolla.exchange_request import idempotency_key
from tests.conftest import link_event
from tests.integration.helpers import drain, reason
from tests.replay.conftest import dead_letter, depth, invoke, output_json

pytestmark = pytest.mark.integration


def test_invalid_scope_then_fixed_then_replayed(stack, cli):
    stack.emulator.set_scope_enabled(False)
    events = [link_event() for _ in range(5)]
    for event in events:
        stack.publish(event)
    drain(stack)
    letters = stack.dead_letters()
    assert sorted(reason(letter)["errorCode"] for letter in letters) == ["InvalidScope"] * 5
    assert {stack.result(e["eventId"])["status"] for e in events} == {"FAILED"}

    stack.emulator.set_scope_enabled(True)
    # As an operator runs it: its own boto3 clients and the real one-second long poll at the end.
    summary = output_json(invoke(cli, stack, "replay", "--error-code", "InvalidScope", "--json", fast=False))
    assert (summary["matched"], summary["moved"], summary["failedSends"]) == (5, 5, 0)
    assert depth(stack, stack.resources.dead_letter_queue_url) == (0, 0)
    drain(stack)

    for event in events:
        result = stack.result(event["eventId"])
        assert result["status"] == "CREATED"
        # A refusal leaves no exchange behind: the replay asked with a new key, not the refused one.
        (exchange,) = [e for e in stack.emulator.exchanges if e.id == result["exchangeId"]]
        assert exchange.idempotency_key == idempotency_key(event["eventId"], 1)
        assert exchange.idempotency_key != idempotency_key(event["eventId"], 0)
    assert len(stack.emulator.exchanges) == 5  # no duplicates
    again = output_json(invoke(cli, stack, "replay", "--error-code", "InvalidScope", "--json"))
    assert (again["scanned"], again["moved"]) == (0, 0)


def test_after_a_timeout_the_replay_reuses_the_key_and_dwolla_deduplicates(stack, cli):
    """The exchange was created but the answer never came: the replay must not create a second one."""
    stack.emulator.faults.timeout_after_create_rate = 1.0
    stack.emulator.faults.timeout_delay = 0.6
    gives_up_at_once = stack.consumer(DWOLLA_READ_TIMEOUT="0.2", MAX_RECEIVE_COUNT="1")
    event = link_event()
    stack.publish(event)
    drain(stack, gives_up_at_once)
    (letter,) = stack.dead_letters()
    assert reason(letter)["errorCode"] == "Timeout"
    assert int(stack.result(event["eventId"])["keyGeneration"]) == 0
    stack.emulator.wait_for_stats(lambda stats: stats.in_flight == 0)
    (created,) = stack.emulator.exchanges  # Dwolla did create it
    stack.emulator.faults.timeout_after_create_rate = 0.0

    assert output_json(invoke(cli, stack, "replay", "--event-id", event["eventId"], "--json"))["moved"] == 1
    drain(stack)
    result = stack.result(event["eventId"])
    assert (result["status"], result["exchangeId"]) == ("CREATED", created.id)
    assert created.idempotency_key == idempotency_key(event["eventId"], 0)
    assert len(stack.emulator.exchanges) == 1
    assert stack.emulator.stats.idempotent_replays == 1


def test_after_a_transient_failure_the_replay_sends_the_same_key(stack, cli):
    stack.emulator.faults.server_error_rate = 1.0
    event = link_event()
    stack.publish(event)
    drain(stack, stack.consumer(MAX_RECEIVE_COUNT="1"))
    assert reason(stack.dead_letters()[0])["errorCode"] == "ServerError"
    stack.emulator.faults.server_error_rate = 0.0
    invoke(cli, stack, "replay", "--yes")
    drain(stack)
    (exchange,) = stack.emulator.exchanges
    assert exchange.idempotency_key == idempotency_key(event["eventId"], 0)


def test_an_event_already_created_is_not_sent_to_dwolla_again(stack, cli):
    event = link_event()
    stack.publish(event)
    drain(stack)
    posts = stack.emulator.stats.exchange_posts
    dead_letter(stack, event, "ServerError")  # e.g. a duplicate delivery that failed on its own
    assert output_json(invoke(cli, stack, "replay", "--yes", "--json"))["moved"] == 1
    drain(stack)
    assert stack.emulator.stats.exchange_posts == posts
    assert len(stack.emulator.exchanges) == 1
    assert stack.result(event["eventId"])["status"] == "CREATED"
    assert stack.dead_letters() == []


def test_a_refusal_after_a_timeout_must_not_lead_to_a_duplicate(stack, cli):
    stack.emulator.faults.timeout_after_create_rate = 1.0
    stack.emulator.faults.timeout_delay = 0.6
    consumer = stack.consumer(DWOLLA_READ_TIMEOUT="0.2")
    event = link_event()
    stack.publish(event)
    source = stack.event_source(consumer.handle_batch)
    assert source.poll_once().failed == 1  # timed out; Dwolla created the exchange
    stack.emulator.wait_for_stats(lambda stats: stats.in_flight == 0)
    stack.emulator.faults.timeout_after_create_rate = 0.0
    stack.emulator.set_scope_enabled(False)
    source.drain()  # the retry is refused (InvalidScope, permanent): FAILED, dead-lettered
    assert reason(stack.dead_letters()[0])["errorCode"] == "InvalidScope"
    stack.emulator.set_scope_enabled(True)
    invoke(cli, stack, "replay", "--yes")
    drain(stack)
    assert stack.result(event["eventId"])["status"] == "CREATED"
    assert len(stack.emulator.exchanges) == 1
