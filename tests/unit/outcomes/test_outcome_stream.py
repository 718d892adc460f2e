"""The outbox's decision (which row changes are outcome events) and its batch publisher, with an in-memory bus."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from exchange_linker.contracts.outcome_event import OutcomeEvent
from exchange_linker.errors import AwsError
from exchange_linker.outcomes.stream import OutcomeStreamPublisher
from exchange_linker.outcomes.transition import outcome_of

CREATED_ROW = {
    "eventId": "e1",
    "status": "CREATED",
    "attempts": Decimal(2),
    "updatedAt": "2026-11-20T18:04:06.120Z",
    "partner": "Plaid",
    "customerId": "74a207b2-b7b7-4efa-8bf8-582148e7b980",
    "exchangeUrl": "https://api-sandbox.dwolla.com/exchanges/x1",
    "exchangeId": "x1",
    "keyGeneration": Decimal(0),
    "metadata": {"channel": "ios"},
}
FAILED_ROW = {
    "eventId": "e2",
    "status": "FAILED",
    "attempts": Decimal(1),
    "updatedAt": "2026-11-20T18:04:07.000Z",
    "partner": "MX",
    "errorCode": "InvalidExchangeToken",
    "errorMessage": "The exchange token is not valid",
}
RETRYING_ROW = {**FAILED_ROW, "status": "RETRYING", "errorCode": "ServerError"}


def test_a_row_that_became_created_is_an_exchange_created_event():
    event = outcome_of(None, CREATED_ROW)
    assert event is not None
    assert (event.detail_type, event.outcome_id, event.attempts) == ("Exchange Created", "e1:CREATED", 2)
    assert json.loads(event.detail_json()) == {
        "version": "1",
        "eventId": "e1",
        "status": "CREATED",
        "partner": "Plaid",
        "customerId": "74a207b2-b7b7-4efa-8bf8-582148e7b980",
        "exchangeUrl": "https://api-sandbox.dwolla.com/exchanges/x1",
        "exchangeId": "x1",
        "attempts": 2,
        "occurredAt": "2026-11-20T18:04:06.120Z",
        "outcomeId": "e1:CREATED",
    }


def test_a_row_that_became_failed_carries_its_error_code_but_never_the_message():
    event = outcome_of({"eventId": "e2", "status": "RETRYING"}, FAILED_ROW)
    assert event is not None
    detail = json.loads(event.detail_json())
    assert (event.detail_type, detail["errorCode"], detail["outcomeId"]) == (
        "Exchange Failed",
        "InvalidExchangeToken",
        "e2:FAILED",
    )
    assert "errorMessage" not in detail
    assert "customerId" not in detail  # an account exchange


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (None, RETRYING_ROW),  # a transient failure is no outcome
        (RETRYING_ROW, RETRYING_ROW),
        (FAILED_ROW, {**FAILED_ROW, "attempts": Decimal(2), "updatedAt": "later"}),  # rewritten after a crash
        (CREATED_ROW, CREATED_ROW),  # moto writes a record for an unchanged item; DynamoDB does not
        (CREATED_ROW, None),  # removed
        (None, {}),
    ],
)
def test_what_is_not_an_outcome(old, new):
    assert outcome_of(old, new) is None


def test_a_replayed_event_that_failed_then_succeeded_announces_both():
    assert outcome_of(None, {**CREATED_ROW, "status": "FAILED", "errorCode": "InvalidScope"}) is not None
    created = outcome_of({**CREATED_ROW, "status": "FAILED"}, CREATED_ROW)
    assert created is not None
    assert created.outcome_id == "e1:CREATED"


# ---------------------------------------------------------------- the batch publisher


class MemoryBus:
    def __init__(self, fail_on: set[str] | None = None) -> None:
        self.events: list[OutcomeEvent] = []
        self.fail_on = fail_on or set()

    def publish(self, event: OutcomeEvent) -> None:
        if event.event_id in self.fail_on:
            raise AwsError("events", "InternalException", "An internal error occurred.")
        self.events.append(event)


def image(row: dict[str, Any] | None) -> dict[str, Any]:
    def typed(value: Any) -> dict[str, Any]:
        if isinstance(value, Decimal):
            return {"N": str(value)}
        if isinstance(value, dict):
            return {"M": {key: typed(item) for key, item in value.items()}}
        return {"S": value}

    return {name: typed(value) for name, value in (row or {}).items()}


def record(sequence: int, new: dict[str, Any] | None, old: dict[str, Any] | None = None) -> dict[str, Any]:
    change: dict[str, Any] = {
        "Keys": {"eventId": {"S": (new or old or {})["eventId"]}},
        "SequenceNumber": str(sequence),
        "SizeBytes": 100,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new:
        change["NewImage"] = image(new)
    if old:
        change["OldImage"] = image(old)
    return {
        "eventID": f"id-{sequence}",
        "eventName": "MODIFY" if old and new else ("INSERT" if new else "REMOVE"),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": change,
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000",
    }


def test_publishes_every_outcome_of_a_batch_and_skips_the_rest():
    bus = MemoryBus()
    batch = {"Records": [record(1, RETRYING_ROW), record(2, CREATED_ROW), record(3, FAILED_ROW, RETRYING_ROW)]}
    assert OutcomeStreamPublisher(bus).handle_batch(batch) == {"batchItemFailures": []}
    assert [event.outcome_id for event in bus.events] == ["e1:CREATED", "e2:FAILED"]


def test_a_failed_publish_reports_that_record_and_every_later_one_unpublished():
    """Lambda retries a shard from the first reported record: publishing later ones would only repeat them."""
    bus = MemoryBus(fail_on={"e2"})
    later = {**CREATED_ROW, "eventId": "e3"}
    batch = {"Records": [record(1, CREATED_ROW), record(2, FAILED_ROW), record(3, RETRYING_ROW), record(4, later)]}
    publisher = OutcomeStreamPublisher(bus)
    response = publisher.handle_batch(batch)
    assert response == {
        "batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "3"}, {"itemIdentifier": "4"}]
    }
    assert [event.event_id for event in bus.events] == ["e1"]
    bus.fail_on.clear()  # EventBridge heals; Lambda retries from sequence number 2
    assert publisher.handle_batch({"Records": batch["Records"][1:]}) == {"batchItemFailures": []}
    assert [event.event_id for event in bus.events] == ["e1", "e2", "e3"]


def test_a_batch_where_everything_fails_is_an_answer_not_a_crash():
    bus = MemoryBus(fail_on={"e1"})
    response = OutcomeStreamPublisher(bus).handle_batch({"Records": [record(7, CREATED_ROW)]})
    assert response == {"batchItemFailures": [{"itemIdentifier": "7"}]}


# ---------------------------------------------------------------- issue 14: the funding source's own outcome
PENDING_ROW = {**CREATED_ROW, "fundingSourceStatus": "PENDING"}
FUNDED_ROW = {
    **CREATED_ROW,
    "fundingSourceStatus": "CREATED",
    "fundingSourceUrl": "https://api-sandbox.dwolla.com/funding-sources/f1",
    "fundingSourceId": "f1",
}
REFUSED_ROW = {**PENDING_ROW, "fundingSourceStatus": "FAILED", "fundingSourceErrorCode": "FundingSourceForbidden"}


def test_exchange_created_says_a_funding_source_is_pending_and_announces_nothing_else():
    from exchange_linker.outcomes.transition import outcomes_of

    (event,) = outcomes_of({"eventId": "e1", "status": "RETRYING"}, PENDING_ROW)
    assert (event.detail_type, event.outcome_id) == ("Exchange Created", "e1:CREATED")
    assert json.loads(event.detail_json())["fundingSourceStatus"] == "PENDING"


def test_a_funding_source_made_is_its_own_outcome_with_its_own_id():
    from exchange_linker.outcomes.transition import outcomes_of

    (event,) = outcomes_of(PENDING_ROW, FUNDED_ROW)
    detail = json.loads(event.detail_json())
    assert (event.detail_type, detail["outcomeId"]) == ("Funding Source Created", "e1:fundingSource:CREATED")
    assert (detail["fundingSourceUrl"], detail["fundingSourceId"], detail["exchangeId"]) == (
        FUNDED_ROW["fundingSourceUrl"],
        "f1",
        "x1",
    )
    assert "announcesFundingSource" not in detail
    assert "announces_funding_source" not in detail
    assert outcomes_of(FUNDED_ROW, {**FUNDED_ROW, "attempts": Decimal(3)}) == []  # the same outcome again


def test_a_refused_funding_source_is_announced_with_its_code_then_its_success_after_a_replay():
    from exchange_linker.outcomes.transition import outcomes_of

    (failed,) = outcomes_of(PENDING_ROW, REFUSED_ROW)
    detail = json.loads(failed.detail_json())
    assert (failed.detail_type, detail["outcomeId"]) == ("Funding Source Failed", "e1:fundingSource:FAILED")
    assert (detail["status"], detail["fundingSourceErrorCode"]) == ("CREATED", "FundingSourceForbidden")
    (created,) = outcomes_of(REFUSED_ROW, FUNDED_ROW)
    assert created.outcome_id == "e1:fundingSource:CREATED"
