"""Outcome events reach a real (moto) EventBridge bus, routed by a rule to a test queue.

At-least-once: whatever happens between the result write and the bus (PutEvents failing for a while, the
bus missing, the consumer killed right after writing the row), the outcome event arrives once it can.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.adapters.dynamodb_results import DynamoDbResults
from exchange_linker.bootstrap import build_consumer
from exchange_linker_cli.main import cli
from exchange_linker_tools.outcome_bus import OutcomeSubscriber
from tests.conftest import link_event
from tests.integration.helpers import deliver

pytestmark = pytest.mark.integration


def test_created_and_failed_outcomes_on_the_bus(bus_stack):
    stack = bus_stack
    bus = OutcomeSubscriber.attach(stack)
    good, bad = link_event(), link_event(token="invalid-token-x")
    stack.publish(good)
    stack.publish(bad)
    deliver(stack)
    by_type = {event["detail-type"]: event for event in bus.received()}
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


def test_published_outcomes_validate_against_the_outbound_schema(bus_stack):
    import jsonschema

    from exchange_linker_cli.schemas import exchange_outcome_schema

    stack = bus_stack
    bus = OutcomeSubscriber.attach(stack)
    stack.publish(link_event())
    stack.publish(link_event(customerId=None, token="reauth-x"))
    deliver(stack)
    details = [event["detail"] for event in bus.received()]
    assert len(details) == 2
    validator = jsonschema.Draft202012Validator(exchange_outcome_schema())
    for detail in details:
        validator.validate(detail)


def test_an_outcome_whose_bus_is_missing_arrives_once_the_bus_exists(bus_stack):
    """Regression (issue 11): PutEvents refused (no such bus) used to lose the event for good."""
    stack = bus_stack
    event = link_event()
    stack.publish(event)
    deliver(stack, stream_polls=2)  # the bus is missing for a while
    assert stack.result(event["eventId"])["status"] == "CREATED"  # the table never waits for the bus
    bus = OutcomeSubscriber.attach(stack)
    deliver(stack)
    (arrived,) = bus.received()
    assert (arrived["detail-type"], arrived["detail"]["eventId"]) == ("Exchange Created", event["eventId"])


def test_an_outcome_survives_put_events_failing_for_a_while(bus_stack, monkeypatch):
    """Regression (issue 11): PutEvents answering 500 (after the SDK's retries) used to lose the event."""
    from exchange_linker_tools.chaos.proxy import AwsFaultProxy, AwsFaultRates

    stack = bus_stack
    bus = OutcomeSubscriber.attach(stack)
    with AwsFaultProxy(stack.aws_endpoint, seed=3, rates=AwsFaultRates(events_internal=1.0)) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", proxy.url)
        event = link_event(token="invalid-x")
        stack.publish(event)
        deliver(stack, stream_polls=2)
        assert bus.received() == []
        assert proxy.injected().get("events:InternalException", 0) >= 1
        proxy.rates = AwsFaultRates()  # EventBridge heals
        deliver(stack)
    (arrived,) = bus.received()
    assert (arrived["detail-type"], arrived["detail"]["eventId"]) == ("Exchange Failed", event["eventId"])


class ContainerKilled(BaseException):
    """The Lambda container dies: nothing after this point runs (not an Exception, so nothing catches it)."""


class KilledAfterTheWrite(DynamoDbResults):
    """Writes the CREATED result, then the container is killed once, before anything else can happen."""

    killed = False

    def put(self, result, **kwargs):
        recorded = super().put(result, **kwargs)
        if result.status == "CREATED" and not KilledAfterTheWrite.killed:
            KilledAfterTheWrite.killed = True
            raise ContainerKilled
        return recorded


def test_an_outcome_survives_a_kill_between_the_result_write_and_the_publish(bus_stack):
    """Regression (issue 11): the row said CREATED, but the event was never published, not even on redelivery."""
    stack = bus_stack
    bus = OutcomeSubscriber.attach(stack)
    consumer = build_consumer(stack.settings(), results=KilledAfterTheWrite(AwsClients(), stack.resources.table_name))

    class Lambda:
        """A killed runtime fails the whole invocation; Lambda's poller then retries the batch."""

        def handle_batch(self, event, context):
            try:
                return consumer.handle_batch(event, context)
            except ContainerKilled:
                raise RuntimeError("Runtime exited without providing a reason") from None

    event = link_event()
    stack.publish(event)
    deliver(stack, Lambda())
    assert KilledAfterTheWrite.killed
    assert stack.result(event["eventId"])["status"] == "CREATED"
    assert len(stack.emulator.exchanges) == 1
    (arrived,) = bus.received()
    assert (arrived["detail-type"], arrived["detail"]["eventId"]) == ("Exchange Created", event["eventId"])


def failure_documents(stack) -> list[dict]:
    """What the outcome publisher's mapping gave up on (looked at, left on the queue)."""
    url = stack.stream_mapping.failure_queue_url
    messages = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def test_an_outage_longer_than_every_retry_is_kept_on_the_failure_queue_then_republished(bus_stack, monkeypatch):
    """Nothing silently lost: the mapping describes the batch on its failure queue; the operator republishes."""
    stack = bus_stack
    event = link_event()
    stack.publish(event)
    deliver(stack)  # the bus is missing through every one of the mapping's retries
    (document,) = failure_documents(stack)
    assert document["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert document["requestContext"]["approximateInvokeCount"] == stack.stream_mapping.maximum_retry_attempts + 1
    assert (document["DDBStreamBatchInfo"]["streamArn"], document["DDBStreamBatchInfo"]["batchSize"]) == (
        stack.stream_mapping.stream_arn,
        1,
    )
    bus = OutcomeSubscriber.attach(stack)
    deliver(stack)
    assert bus.received() == []  # the mapping moved on: only the republish brings it back
    for name, value in stack.resources.outputs().items():
        monkeypatch.setenv(name, value)
    dry = CliRunner().invoke(cli, ["republish-outcomes", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"Exchange Created: {event['eventId']}:CREATED" in dry.output
    assert bus.received() == []
    assert len(failure_documents(stack)) == 1  # a dry run leaves the queue as it was
    done = CliRunner().invoke(cli, ["republish-outcomes"])
    assert done.exit_code == 0, done.output
    (arrived,) = bus.received()
    assert arrived["detail"]["outcomeId"] == f"{event['eventId']}:CREATED"
    assert failure_documents(stack) == []


def test_no_secret_reaches_the_stream_the_outcome_events_or_the_publishers_logs(bus_stack, capfd, captured_logs):
    from tests.conftest import FINICITY_RECEIPT

    stack = bus_stack
    bus = OutcomeSubscriber.attach(stack)
    for event in (
        link_event(token="processor-sandbox-SECRET1"),
        link_event(token="invalid-SECRET2"),
        link_event(token=None, plaid={"publicToken": "public-SECRET3"}),
        link_event(partner="Finicity", token=None, finicity={**FINICITY_RECEIPT, "receiptId": "cr_SECRET4"}),
    ):
        stack.publish(event)
    deliver(stack)
    announced = bus.received()
    assert len(announced) == 4
    stream = stack.streams
    (shard,) = stream.describe_stream(StreamArn=stack.stream_mapping.stream_arn)["StreamDescription"]["Shards"]
    iterator = stream.get_shard_iterator(
        StreamArn=stack.stream_mapping.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = stream.get_records(ShardIterator=iterator)["Records"]
    captured = capfd.readouterr()
    logs = captured_logs.getvalue() + captured.out + captured.err
    assert "outcome event published" in logs  # the publisher's logs were captured at all
    everything = json.dumps(announced) + json.dumps(records, default=str) + logs
    for secret in ("SECRET1", "SECRET2", "SECRET3", "SECRET4"):
        assert secret not in everything
