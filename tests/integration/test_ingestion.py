"""Events delivered by EventBridge and by SNS (raw delivery), wired as template.yaml declares them."""

import json

import pytest

from exchange_linker_tools.local_stack import local_stack
from tests.conftest import link_event
from tests.integration.helpers import drain

pytestmark = pytest.mark.integration


@pytest.fixture
def ingestion_stack(aws_endpoint):
    """A stack provisioned with both optional ingestion paths switched on by their parameters."""
    import uuid

    import boto3

    session, suffix = boto3.session.Session(), uuid.uuid4().hex[:8]  # moto lives for the whole session
    topic_arn = session.client("sns").create_topic(Name=f"linking-events-{suffix}")["TopicArn"]
    bus = f"linking-bus-{suffix}"
    session.client("events").create_event_bus(Name=bus)
    parameters = {"IngestionTopicArn": topic_arn, "IngestionEventBusName": bus}
    with local_stack(aws_endpoint=aws_endpoint, parameters=parameters, seed=11) as stack:
        yield stack, topic_arn, bus


def test_sns_and_eventbridge_deliveries_become_exchanges(ingestion_stack):
    stack, topic_arn, bus = ingestion_stack
    via_sns, via_eventbridge, ignored = link_event(), link_event(partner="MX"), link_event()
    stack.session.client("sns").publish(TopicArn=topic_arn, Message=json.dumps(via_sns))
    events = stack.session.client("events")
    entries = [
        {
            "Source": "com.example.linking",
            "DetailType": "Link Completed",
            "Detail": json.dumps(via_eventbridge),
            "EventBusName": bus,
        },
        {
            "Source": "com.example.linking",
            "DetailType": "Link Started",
            "Detail": json.dumps(ignored),
            "EventBusName": bus,
        },
    ]
    assert events.put_events(Entries=entries)["FailedEntryCount"] == 0
    drain(stack)
    assert stack.result(via_sns["eventId"])["status"] == "CREATED"
    assert stack.result(via_eventbridge["eventId"])["status"] == "CREATED"
    assert stack.result(ignored["eventId"]) is None  # the rule forwards "Link Completed" only
    assert len(stack.emulator.exchanges) == 2


def test_ingestion_is_off_by_default(stack):
    subscriptions = stack.session.client("sns").list_subscriptions()["Subscriptions"]
    assert not [s for s in subscriptions if s["Endpoint"] == stack.resources.queue_arn]
    rules = stack.session.client("events").list_rules(NamePrefix=stack.resources.stack_name)["Rules"]
    assert rules == []
