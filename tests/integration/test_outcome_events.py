"""Outcome events reach a real (moto) EventBridge bus, routed by a rule to a test queue."""

import json

import pytest

from tests.conftest import link_event
from tests.integration.helpers import drain

pytestmark = pytest.mark.integration


@pytest.fixture
def outcome_queue(stack):
    bus = f"{stack.resources.stack_name}-outcomes"
    events = stack.session.client("events")
    events.create_event_bus(Name=bus)
    queue_url = stack.sqs.create_queue(QueueName=f"{bus}-target")["QueueUrl"]
    queue_arn = stack.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="all-outcomes", EventBusName=bus, EventPattern=json.dumps({"source": ["exchange-linker"]}))
    events.put_targets(Rule="all-outcomes", EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])
    return bus, queue_url


def received(stack, queue_url):
    messages = stack.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def test_created_and_failed_outcomes_on_the_bus(stack, outcome_queue):
    bus, queue_url = outcome_queue
    good, bad = link_event(), link_event(token="invalid-token-x")
    stack.publish(good)
    stack.publish(bad)
    drain(stack, stack.consumer(OUTCOME_EVENT_BUS_NAME=bus))
    by_type = {event["detail-type"]: event for event in received(stack, queue_url)}
    created, failed = by_type["Exchange Created"], by_type["Exchange Failed"]
    assert created["source"] == "exchange-linker"
    row = stack.result(good["eventId"])
    assert created["detail"]["eventId"] == good["eventId"]
    assert (created["detail"]["exchangeUrl"], created["detail"]["exchangeId"]) == (
        row["exchangeUrl"],
        row["exchangeId"],
    )
    assert (failed["detail"]["eventId"], failed["detail"]["errorCode"]) == (bad["eventId"], "InvalidExchangeToken")
    assert "invalid-token-x" not in json.dumps(failed)


def test_an_unreachable_bus_loses_no_outcome(stack):
    event = link_event()
    stack.publish(event)
    drain(stack, stack.consumer(OUTCOME_EVENT_BUS_NAME="no-such-bus"))
    assert stack.result(event["eventId"])["status"] == "CREATED"


def test_published_outcomes_validate_against_the_outbound_schema(stack, outcome_queue):
    import jsonschema

    from exchange_linker_cli.schemas import exchange_outcome_schema

    bus, queue_url = outcome_queue
    stack.publish(link_event())
    stack.publish(link_event(customerId=None, token="reauth-x"))
    drain(stack, stack.consumer(OUTCOME_EVENT_BUS_NAME=bus))
    details = [event["detail"] for event in received(stack, queue_url)]
    assert len(details) == 2
    validator = jsonschema.Draft202012Validator(exchange_outcome_schema())
    for detail in details:
        validator.validate(detail)
