"""Issue 11.1: Dwolla answered 201 but the results table refuses every write. The exchange URL is never lost.

The table sits behind the AWS fault proxy (boto3's own AWS_ENDPOINT_URL_DYNAMODB), which answers every
UpdateItem with AccessDenied, as after a broken IAM deploy, while reads still work. It starts refusing
once the first POST is at Dwolla: the intent written ahead of it went through (a table that refuses the
intent gets no POST at all).
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from exchange_linker.contracts.dead_letter import EVIDENCE_ATTRIBUTE
from exchange_linker_tools.chaos.proxy import DYNAMODB_ACCESS_DENIED
from exchange_linker_tools.emulator import FaultPlan
from tests.conftest import link_event
from tests.integration.helpers import a_day_later, drain, log_lines, reason, replay_everything

pytestmark = pytest.mark.integration

UPDATE_ITEM = "DynamoDB_20120810.UpdateItem"
OTHER_CUSTOMER = "3f2c4b1e-9a7d-4e36-8c51-2b6f0d9e4a17"


def drain_while_the_table_breaks(stack, proxy, **overrides: str) -> None:
    """The consumer drains the queue; the table refuses every write from the moment the first POST is at
    Dwolla on (its intent, written just before, went through; later receives cannot write theirs, so they
    send nothing)."""
    stack.emulator.hang("exchange-post")
    with ThreadPoolExecutor(max_workers=1) as pool:
        draining = pool.submit(drain, stack, stack.consumer(**overrides))
        stack.emulator.wait_for_stats(lambda stats: stats.hanging == 1)
        proxy.refuse(UPDATE_ITEM, DYNAMODB_ACCESS_DENIED)
        stack.emulator.heal()
        draining.result(timeout=120)


def test_the_url_is_logged_dead_lettered_and_recorded_on_replay_without_a_second_post(
    stack, table_proxy, captured_logs
):
    event = link_event()
    stack.publish(event)
    drain_while_the_table_breaks(stack, table_proxy, MAX_RECEIVE_COUNT="1")  # the 201 on the last receive
    (exchange,) = stack.emulator.exchanges
    (letter,) = stack.dead_letters()
    why = reason(letter)
    assert (why["errorCode"], why["eventId"]) == ("ResultNotRecorded", event["eventId"])
    assert why["exchangeUrl"] == exchange.location
    assert any(
        line.get("eventId") == event["eventId"] and line.get("exchangeUrl") == exchange.location
        for line in log_lines(captured_logs, "ERROR")
    )

    table_proxy.refuse(UPDATE_ITEM, None)  # a day later the table is fixed; Dwolla forgot the key
    stack.emulator.forget_idempotency_keys()
    posts = stack.emulator.stats.exchange_posts
    assert replay_everything(stack).moved == 1
    drain(stack, stack.consumer(now=a_day_later))
    row = stack.result(event["eventId"])
    assert (row["status"], row["exchangeUrl"], row["exchangeId"]) == ("CREATED", exchange.location, exchange.id)
    assert row["reconciled"] is True
    assert stack.emulator.stats.exchange_posts == posts
    assert len(stack.emulator.exchanges) == 1
    assert stack.dead_letters() == []


def test_an_unknown_outcome_whose_every_write_was_refused_is_reconciled_a_day_later_not_posted_again(
    stack, table_proxy
):
    """Dwolla never gave an outcome (a 500 after it made the exchange) and the table refused every write
    after the intent: later receives send nothing (their intent cannot be written) and the intent alone
    says the exchange may exist. Its replay a day later must not POST blindly: Dwolla's list finds it."""
    stack.emulator.faults = FaultPlan(server_error_after_create_rate=1.0, conflicts_after_server_error=50)
    event = link_event()
    stack.publish(event)
    drain_while_the_table_breaks(stack, table_proxy)
    (letter,) = stack.dead_letters()
    assert reason(letter)["errorCode"] == "AccessDeniedException"  # the last receive's own failure
    assert stack.emulator.stats.exchange_posts == 1
    row = stack.result(event["eventId"])
    assert (row["status"], row["exchangeMayExist"]) == ("RETRYING", True)  # the intent, nothing after it
    stack.emulator.faults = FaultPlan()
    table_proxy.refuse(UPDATE_ITEM, None)
    stack.emulator.forget_idempotency_keys()
    posts = stack.emulator.stats.exchange_posts
    assert replay_everything(stack).moved == 1
    drain(stack, stack.consumer(now=a_day_later))
    (exchange,) = stack.emulator.exchanges
    row = stack.result(event["eventId"])
    assert (row["status"], row["exchangeId"], row["reconciled"]) == ("CREATED", exchange.id, True)
    assert stack.emulator.stats.exchange_posts == posts
    assert stack.dead_letters() == []


@pytest.mark.parametrize("forged", ["another customer's", "another partner's", "unknown", "off host"])
def test_an_exchange_url_that_fails_verification_is_never_recorded(stack, forged):
    other = link_event(customerId=OTHER_CUSTOMER) if forged == "another customer's" else link_event(partner="MX")
    stack.publish(other)
    drain(stack)
    (theirs,) = stack.emulator.exchanges
    url = {
        "another customer's": theirs.location,
        "another partner's": theirs.location,
        "unknown": f"{stack.emulator.url}/exchanges/{uuid.uuid4()}",
        "off host": f"https://dwolla.example/exchanges/{theirs.id}",
    }[forged]
    event = link_event()
    stack.publish(event, attributes={EVIDENCE_ATTRIBUTE: json.dumps({"exchangeUrl": url})})
    drain(stack)
    row = stack.result(event["eventId"])
    assert (row["status"], row["errorCode"], row.get("exchangeUrl")) == ("FAILED", "ExchangeMayExist", None)
    (letter,) = stack.dead_letters()
    assert reason(letter)["errorCode"] == "ExchangeMayExist"
    assert len(stack.emulator.exchanges) == 1  # nothing was POSTed for it either: a person decides
