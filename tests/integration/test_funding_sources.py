"""Issue 14: a bank funding source made from the exchange, against moto server and the emulator over HTTP.

The event asks for it with `fundingSource`; after the exchange is recorded CREATED the consumer POSTs the
funding source with its own Idempotency-Key and records its URL. Exactly one exchange and one funding source
per event, whatever fails in between; a replay resumes at the funding-source step.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from exchange_linker.bootstrap import build_consumer
from exchange_linker.contracts.results import Status
from exchange_linker.dwolla.funding_sources import funding_source_key
from exchange_linker.errors import DependencyError
from exchange_linker.ingest.processor import InboundMessage, Outcome
from exchange_linker_tools.chaos.proxy import DYNAMODB_ACCESS_DENIED
from exchange_linker_tools.outcome_bus import OutcomeSubscriber
from tests.conftest import CUSTOMER_ID, link_event
from tests.contract.recorder import recording_proxy
from tests.integration.helpers import deliver, drain, reason, replay_everything
from tests.integration.interleaving import Killed, RealStore, held_copy

pytestmark = pytest.mark.integration

FUNDING = {"name": "Jane Doe's Checking", "bankAccountType": "checking"}
UPDATE_ITEM = "DynamoDB_20120810.UpdateItem"


def asking(**fields):
    return link_event(**{"fundingSource": FUNDING, **fields})


def poll_once(stack, consumer=None):
    return stack.event_source((consumer or stack.consumer()).handle_batch).poll_once()


@pytest.mark.parametrize("customer_id", [CUSTOMER_ID, None], ids=["customer", "account"])
def test_the_funding_source_is_created_from_the_exchange_and_recorded(stack, customer_id):
    event = asking(customerId=customer_id, fundingSource={**FUNDING, "bankAccountType": "savings"})
    stack.publish(event)
    drain(stack)
    (exchange,) = stack.emulator.exchanges
    (source,) = stack.emulator.funding_sources
    assert (source.exchange_id, source.customer_id) == (exchange.id, customer_id)
    assert (source.name, source.bank_account_type) == (FUNDING["name"], "savings")
    assert source.idempotency_key == funding_source_key(event["eventId"], 0)
    row = stack.result(event["eventId"])
    assert (row["status"], row["exchangeId"]) == ("CREATED", exchange.id)
    assert (row["fundingSourceStatus"], row["fundingSourceUrl"], row["fundingSourceId"]) == (
        "CREATED",
        source.location,
        source.id,
    )
    assert stack.dead_letters() == []


def test_without_the_field_no_funding_source_is_made_and_the_row_is_as_in_v1(stack):
    event = link_event()
    stack.publish(event)
    drain(stack)
    assert stack.emulator.funding_sources == []
    assert not [name for name in stack.result(event["eventId"]) if name.startswith("fundingSource")]


def test_a_permanent_refusal_is_dead_lettered_and_the_replay_resumes_at_the_funding_source(stack):
    rule = stack.emulator.add_fault_rule("Forbidden", customer_id=CUSTOMER_ID, operation="funding-source")
    event = asking()
    stack.publish(event)
    drain(stack)
    (exchange,) = stack.emulator.exchanges
    (letter,) = stack.dead_letters()
    why = reason(letter)
    assert (why["errorCode"], why["eventId"], why["exchangeUrl"]) == (
        "FundingSourceForbidden",
        event["eventId"],
        exchange.location,
    )
    assert why["errorMessage"].startswith("funding source:")
    row = stack.result(event["eventId"])
    assert (row["status"], row["exchangeId"]) == ("CREATED", exchange.id)  # the exchange stays recorded
    assert (row["fundingSourceStatus"], row["fundingSourceErrorCode"]) == ("FAILED", "FundingSourceForbidden")
    assert stack.emulator.funding_sources == []

    stack.emulator.remove_fault_rule(rule.id)  # Dwolla lets the application make funding sources again
    assert replay_everything(stack).moved == 1
    drain(stack)
    (source,) = stack.emulator.funding_sources
    row = stack.result(event["eventId"])
    assert (row["fundingSourceStatus"], row["fundingSourceUrl"]) == ("CREATED", source.location)
    assert "fundingSourceErrorCode" not in row
    assert stack.emulator.stats.exchange_posts == 1  # the replay never touched the exchange
    assert len(stack.emulator.exchanges) == 1
    assert stack.dead_letters() == []


def test_a_removed_exchange_is_a_permanent_funding_source_failure(stack):
    rule = stack.emulator.add_fault_rule("ServerError", customer_id=CUSTOMER_ID, operation="funding-source")
    event = asking()
    stack.publish(event)
    poll_once(stack)
    (exchange,) = stack.emulator.exchanges
    assert stack.result(event["eventId"])["fundingSourceStatus"] == "PENDING"
    stack.emulator.remove_fault_rule(rule.id)
    stack.emulator.remove_exchange(exchange.location)  # the customer removed the exchange meanwhile
    drain(stack)
    (letter,) = stack.dead_letters()
    assert reason(letter)["errorCode"] == "FundingSourceInactiveExchange"
    assert stack.result(event["eventId"])["status"] == "CREATED"


def test_a_transient_failure_is_retried_with_the_same_idempotency_key(stack):
    rule = stack.emulator.add_fault_rule("ServerError", customer_id=CUSTOMER_ID, operation="funding-source")
    event = asking()
    with recording_proxy(stack.emulator.url) as proxy:
        stack.emulator.public_url = proxy.url
        consumer = stack.consumer(DWOLLA_API_URL=proxy.url)
        stack.publish(event)
        poll_once(stack, consumer)
        row = stack.result(event["eventId"])
        assert (row["status"], row["fundingSourceStatus"]) == ("CREATED", "PENDING")
        assert row["fundingSourceErrorCode"] == "FundingSourceServerError"
        stack.emulator.remove_fault_rule(rule.id)
        drain(stack, consumer)
        posts = [e.request for e in proxy.take() if e.request.path.endswith("/funding-sources")]
    keys = {post.headers["Idempotency-Key"] for post in posts}
    assert len(posts) == 2
    assert keys == {funding_source_key(event["eventId"], 0)}
    (source,) = stack.emulator.funding_sources
    assert stack.result(event["eventId"])["fundingSourceUrl"] == source.location


@pytest.mark.parametrize("dwolla_forgot_the_key", [False, True], ids=["key-replayed", "duplicate-resource"])
def test_a_crash_between_the_funding_source_post_and_its_write_makes_no_second_one(
    stack, table_proxy, dwolla_forgot_the_key
):
    """The POST succeeds at Dwolla, the write never happens (as if the container died in between). The next
    receive asks again: with the same key Dwolla answers the first 201; once Dwolla forgot the key, it
    answers DuplicateResource naming the existing one. Either way that one is recorded, and only it exists."""
    rule = stack.emulator.add_fault_rule("ServerError", customer_id=CUSTOMER_ID, operation="funding-source")
    event = asking()
    stack.publish(event)
    poll_once(stack)  # the exchange is recorded CREATED; the funding source is pending
    stack.emulator.remove_fault_rule(rule.id)
    table_proxy.refuse(UPDATE_ITEM, DYNAMODB_ACCESS_DENIED)
    poll_once(stack)  # Dwolla makes the funding source; the table refuses to record it
    (made,) = stack.emulator.funding_sources
    assert stack.result(event["eventId"])["fundingSourceStatus"] == "PENDING"
    table_proxy.refuse(UPDATE_ITEM, None)
    if dwolla_forgot_the_key:
        stack.emulator.forget_idempotency_keys()
    drain(stack)
    assert stack.emulator.funding_sources == [made]
    row = stack.result(event["eventId"])
    assert (row["fundingSourceStatus"], row["fundingSourceUrl"], row["fundingSourceId"]) == (
        "CREATED",
        made.location,
        made.id,
    )
    assert len(stack.emulator.exchanges) == 1
    assert stack.dead_letters() == []


class KilledAfterTheCreatedWrite(RealStore):
    """The container dies right after recording CREATED, before the funding-source POST."""

    def put(self, result: Any, **kwargs: Any) -> bool:
        written = self._inner.put(result, **kwargs)
        if result.status is Status.CREATED:
            raise Killed
        return written


def test_the_copy_that_finds_the_exchange_recorded_by_a_dead_copy_makes_the_funding_source(stack):
    """Chaos run 3 (chaos-007485): a redelivered copy read the item, the first copy recorded CREATED and
    died before its funding-source POST; the redelivery, refused its intent, ended "already created" and
    its receipt deleted the message: no funding source, ever. A copy that finds the event CREATED with its
    own request finishes what the event still asks for."""
    event = asking()
    held, redelivered = held_copy(stack, event, receive_count=2)
    killed = KilledAfterTheCreatedWrite(stack)
    with pytest.raises(Killed):
        build_consumer(stack.settings(), results=killed).processor.process(
            InboundMessage("first", json.dumps(event), receive_count=1)
        )
    assert stack.result(event["eventId"])["fundingSourceStatus"] == "PENDING"
    held.go.set()
    assert redelivered.result(timeout=10) is Outcome.FUNDING_SOURCE_CREATED
    (exchange,) = stack.emulator.exchanges
    (source,) = stack.emulator.funding_sources
    row = stack.result(event["eventId"])
    assert (row["exchangeId"], row["fundingSourceStatus"], row["fundingSourceId"]) == (
        exchange.id,
        "CREATED",
        source.id,
    )
    assert stack.dead_letters() == []


class ReadFailsOnce(RealStore):
    """Its first read fails as DynamoDB's 500 does (after boto3's own retries)."""

    failed = False

    def get(self, event_id: str) -> Any:
        if not self.failed:
            self.failed = True
            raise DependencyError("InternalServerError", "dynamodb: Internal server error", permanent=False)
        return self._inner.get(event_id)


def test_a_failed_read_of_a_created_event_is_never_taken_for_another_request(stack):
    """Chaos run 7 (chaos-009845): the redelivery's first read of the item failed (a DynamoDB 500), so its
    fingerprint was never computed; the failure path's refused RETRYING write then compared the item's
    fingerprint with an empty one, and the event's own message was dead-lettered as a ConflictingEvent
    ("its customerId, partner, credential, fundingSource differs"): no funding source recorded, ever."""
    event = asking()
    killed = KilledAfterTheCreatedWrite(stack)
    with pytest.raises(Killed):
        build_consumer(stack.settings(), results=killed).processor.process(
            InboundMessage("first", json.dumps(event), receive_count=1)
        )
    flaky = ReadFailsOnce(stack)
    redelivered = build_consumer(stack.settings(), results=flaky).processor
    outcome = redelivered.process(InboundMessage("again", json.dumps(event), receive_count=2))
    assert outcome is Outcome.FUNDING_SOURCE_CREATED
    assert stack.dead_letters() == []
    (source,) = stack.emulator.funding_sources
    row = stack.result(event["eventId"])
    assert (row["status"], row["fundingSourceStatus"], row["fundingSourceId"]) == ("CREATED", "CREATED", source.id)


def test_another_funding_source_under_the_same_event_id_is_a_conflicting_event(stack):
    event = asking()
    stack.publish(event)
    drain(stack)
    before = stack.result(event["eventId"])
    stack.publish({**event, "fundingSource": {**FUNDING, "name": "Another name"}})
    drain(stack)
    (letter,) = stack.dead_letters()
    why = reason(letter)
    assert why["errorCode"] == "ConflictingEvent"
    assert "fundingSource" in why["errorMessage"]
    assert "Another name" not in json.dumps(why)
    assert stack.result(event["eventId"]) == before
    assert len(stack.emulator.funding_sources) == 1


def test_an_event_created_before_funding_sources_existed_resumes_without_conflict(stack):
    """A row written before this feature has no fundingSource fingerprint: its redelivery asking for a
    funding source is no conflict, and the funding source is made from the recorded exchange."""
    event = link_event()
    stack.publish(event)
    drain(stack)
    stack.dynamodb.update_item(
        TableName=stack.resources.table_name,
        Key={"eventId": {"S": event["eventId"]}},
        UpdateExpression="REMOVE fingerprint.fundingSource",
    )
    stack.publish({**event, "fundingSource": FUNDING})
    drain(stack)
    (exchange,) = stack.emulator.exchanges
    (source,) = stack.emulator.funding_sources
    assert source.exchange_id == exchange.id
    assert stack.result(event["eventId"])["fundingSourceUrl"] == source.location
    assert stack.emulator.stats.exchange_posts == 1
    assert stack.dead_letters() == []


def test_the_outcome_events_say_when_the_funding_source_is_made(bus_stack):
    stack = bus_stack
    bus = OutcomeSubscriber.attach(stack)
    event = asking()
    stack.publish(event)
    deliver(stack)
    by_type = {received["detail-type"]: received["detail"] for received in bus.received()}
    assert set(by_type) == {"Exchange Created", "Funding Source Created"}
    row = stack.result(event["eventId"])
    created, funded = by_type["Exchange Created"], by_type["Funding Source Created"]
    assert (created["outcomeId"], created["fundingSourceStatus"]) == (f"{event['eventId']}:CREATED", "PENDING")
    assert funded["outcomeId"] == f"{event['eventId']}:fundingSource:CREATED"
    assert (funded["fundingSourceUrl"], funded["fundingSourceId"], funded["exchangeUrl"]) == (
        row["fundingSourceUrl"],
        row["fundingSourceId"],
        row["exchangeUrl"],
    )
