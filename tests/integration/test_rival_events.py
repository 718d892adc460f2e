"""Issue 11 (chaos): reconciliation a day after an unknown outcome never takes another event's exchange.

Dwolla's list carries no Idempotency-Key, so the table must show every exchange an event may have made:
each POST is preceded by its intent on the event's item, and the owner index (the account's too) shows
it to the reconciliation of the owner's other events. Everything runs against moto server and the
emulator over HTTP; "a day" is the consumer's clock and the emulator forgetting its keys.
"""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from exchange_linker.bootstrap import build_consumer
from exchange_linker.contracts.results import Status
from exchange_linker.ingest.processor import InboundMessage, Outcome, RecordProcessor, RetryableError
from exchange_linker_tools.chaos.proxy import DYNAMODB_ACCESS_DENIED, AwsFaultProxy
from exchange_linker_tools.emulator import FaultPlan
from tests.conftest import FINICITY_RECEIPT, link_event
from tests.integration.helpers import a_day_later, drain, reason, replay_everything
from tests.integration.interleaving import GatedStore, Killed, RealStore

pytestmark = pytest.mark.integration

UPDATE_ITEM = "DynamoDB_20120810.UpdateItem"
ACCOUNT = {"customerId": None, "partner": "Finicity", "token": None, "finicity": FINICITY_RECEIPT}


def a_day_ago() -> datetime:
    return datetime.now(UTC) - timedelta(hours=25)


def message(event: dict[str, Any], receive_count: int, name: str = "m") -> InboundMessage:
    return InboundMessage(f"{name}-{receive_count}", json.dumps(event), receive_count=receive_count)


def uncertain_a_day_ago(stack, event: dict[str, Any]) -> None:
    """The event's first attempt, 25 h ago, ended without an outcome (a 500: nothing was made)."""
    stack.emulator.faults = FaultPlan(server_error_rate=1.0)
    with pytest.raises(RetryableError):
        stack.consumer(now=a_day_ago).processor.process(message(event, 1))
    stack.emulator.faults = FaultPlan()
    assert stack.result(event["eventId"])["exchangeMayExist"] is True


def in_background(processor: RecordProcessor, event: dict[str, Any]) -> Future[Outcome]:
    pool = ThreadPoolExecutor(max_workers=1)
    running = pool.submit(processor.process, message(event, 1, "b"))
    pool.shutdown(wait=False)
    return running


def assert_goes_to_a_person_naming(stack, event: dict[str, Any], rival: dict[str, Any], posts: int) -> None:
    (letter,) = stack.dead_letters()
    why = reason(letter)
    assert (why["errorCode"], why["eventId"]) == ("ExchangeMayExist", event["eventId"])
    assert rival["eventId"] in why["errorMessage"]
    row = stack.result(event["eventId"])
    assert (row["status"], row.get("exchangeId")) == ("FAILED", None)
    assert stack.emulator.stats.exchange_posts == posts


def assert_one_exchange_each(stack, *events: dict[str, Any]) -> None:
    rows = [stack.result(event["eventId"]) for event in events]
    assert [row["status"] for row in rows] == ["CREATED"] * len(events)
    assert sorted(row["exchangeId"] for row in rows) == sorted(e.id for e in stack.emulator.exchanges)


def test_an_account_event_never_takes_the_exchange_another_account_event_made_but_could_not_record(
    stack, aws_endpoint, monkeypatch
):
    mine, theirs = link_event(**ACCOUNT), link_event(**ACCOUNT)
    uncertain_a_day_ago(stack, mine)
    with AwsFaultProxy(aws_endpoint, seed=1) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.url)  # its container reaches the table through it
        stack.emulator.hang("exchange-post")
        running = in_background(stack.consumer().processor, theirs)
        stack.emulator.wait_for_stats(lambda stats: stats.hanging == 1)  # its POST is at Dwolla
        proxy.refuse(UPDATE_ITEM, DYNAMODB_ACCESS_DENIED)  # from now on the table refuses its writes
        stack.emulator.heal()
        with pytest.raises(RetryableError):
            running.result(timeout=10)
        monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB")
    (made,) = stack.emulator.exchanges
    assert stack.result(theirs["eventId"]) is None or "exchangeId" not in stack.result(theirs["eventId"])
    posts = stack.emulator.stats.exchange_posts

    assert stack.consumer().processor.process(message(mine, 2)) is Outcome.FAILED
    assert_goes_to_a_person_naming(stack, mine, theirs, posts)

    # The other event's redelivery records its own exchange (same key, within Dwolla's window) ...
    assert stack.consumer().processor.process(message(theirs, 2, "b")) is Outcome.CREATED
    assert stack.result(theirs["eventId"])["exchangeId"] == made.id
    # ... and the replay of this one finds nothing of its own: a fresh key, its own exchange.
    assert replay_everything(stack).moved == 1
    drain(stack)
    assert len(stack.emulator.exchanges) == 2
    assert_one_exchange_each(stack, mine, theirs)


class HeldCreatedWrite(GatedStore):
    """The CREATED write waits at a gate: a container paused between Dwolla's 201 and it."""

    def put(self, result: Any, **kwargs: Any) -> bool:
        if result.status is Status.CREATED:
            self._hold("the held write")
        return self._inner.put(result, **kwargs)


def test_a_customer_event_never_takes_the_exchange_of_an_event_still_in_flight(stack):
    mine, theirs = link_event(), link_event()
    uncertain_a_day_ago(stack, mine)
    held = HeldCreatedWrite(stack)
    running = in_background(build_consumer(stack.settings(), results=held).processor, theirs)
    assert held.waiting.wait(10)  # Dwolla made its exchange; it is not recorded yet
    posts = stack.emulator.stats.exchange_posts

    assert stack.consumer().processor.process(message(mine, 2)) is Outcome.FAILED
    assert_goes_to_a_person_naming(stack, mine, theirs, posts)

    held.go.set()
    assert running.result(timeout=10) is Outcome.CREATED
    assert replay_everything(stack).moved == 1
    drain(stack)
    assert len(stack.emulator.exchanges) == 2
    assert_one_exchange_each(stack, mine, theirs)


class KilledBeforeTheCreatedWrite(RealStore):
    def put(self, result: Any, **kwargs: Any) -> bool:
        if result.status is Status.CREATED:
            raise Killed
        return self._inner.put(result, **kwargs)


@pytest.mark.parametrize("fields", [{}, ACCOUNT], ids=["customer", "account"])
def test_a_kill_between_the_post_and_the_write_is_reconciled_a_day_later_not_posted_again(stack, fields):
    event = link_event(**fields)
    killed = KilledBeforeTheCreatedWrite(stack)
    with pytest.raises(Killed):
        build_consumer(stack.settings(), results=killed).processor.process(message(event, 1))
    (made,) = stack.emulator.exchanges
    stack.emulator.forget_idempotency_keys()
    posts = stack.emulator.stats.exchange_posts
    assert stack.consumer(now=a_day_later).processor.process(message(event, 2)) is Outcome.RECONCILED
    row = stack.result(event["eventId"])
    assert (row["status"], row["exchangeId"], row["reconciled"]) == ("CREATED", made.id, True)
    assert stack.emulator.stats.exchange_posts == posts
    assert len(stack.emulator.exchanges) == 1
