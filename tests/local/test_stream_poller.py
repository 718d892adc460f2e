"""The stream poller behaves as Lambda's DynamoDB event source mapping does, against moto's real stream."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration


def write(stack, event_id: str, status: str = "CREATED") -> None:
    stack.dynamodb.put_item(
        TableName=stack.resources.table_name,
        Item={"eventId": {"S": event_id}, "status": {"S": status}, "updatedAt": {"S": "2026-11-20T18:04:06.120Z"}},
    )


class Script:
    """A handler that records what it was given and answers what the test says."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.batches: list[list[str]] = []

    def __call__(self, event, context):
        keys = [record["dynamodb"]["Keys"]["eventId"]["S"] for record in event["Records"]]
        self.batches.append(keys)
        return self.answer(event["Records"], len(self.batches))


def test_records_are_lambda_shaped(bus_stack):
    write(bus_stack, "e1")
    handler = Script(lambda records, n: {"batchItemFailures": []})
    seen = []
    bus_stack.stream_source(lambda event, context: seen.append(event) or handler(event, context)).drain()
    (record,) = seen[0]["Records"]
    assert (record["eventSource"], record["eventName"]) == ("aws:dynamodb", "INSERT")
    assert record["eventSourceARN"] == bus_stack.stream_mapping.stream_arn
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
    assert record["dynamodb"]["NewImage"]["status"] == {"S": "CREATED"}
    assert record["dynamodb"]["SequenceNumber"]
    json.dumps(seen)  # a real Lambda event is JSON


def test_a_reported_record_is_retried_with_everything_after_it_and_nothing_before(bus_stack):
    for event_id in ("e1", "e2", "e3"):
        write(bus_stack, event_id)

    def answer(records, n):
        return {"batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]} if n == 1 else {}

    handler = Script(answer)
    bus_stack.stream_source(handler).drain()
    assert handler.batches == [["e1", "e2", "e3"], ["e2", "e3"]]


def test_a_handler_error_bisects_the_batch_without_counting_a_retry(bus_stack):
    for event_id in ("e1", "e2", "e3", "e4"):
        write(bus_stack, event_id)

    def answer(records, n):
        if n == 1:
            raise RuntimeError("crash")

    handler = Script(answer)
    reports = []
    bus_stack.stream_source(handler).drain(on_poll=reports.append)
    assert handler.batches[:3] == [["e1", "e2", "e3", "e4"], ["e1", "e2"], ["e3", "e4"]]
    assert sum(report.retries for report in reports) == 0


@pytest.mark.parametrize("identifier", ["", None, "not-a-sequence-number"])
def test_an_unreadable_item_identifier_fails_the_whole_batch(bus_stack, identifier):
    write(bus_stack, "e1")
    write(bus_stack, "e2")
    handler = Script(lambda records, n: {"batchItemFailures": [{"itemIdentifier": identifier}]} if n == 1 else {})
    bus_stack.stream_source(handler).drain()
    assert handler.batches[1] == ["e1"]  # bisected: the whole batch counted as failed


def test_the_checkpoint_survives_a_new_container(bus_stack):
    write(bus_stack, "e1")
    first = Script(lambda records, n: {})
    bus_stack.stream_source(first).drain()
    write(bus_stack, "e2")
    second = Script(lambda records, n: {})
    bus_stack.stream_source(second).drain()
    assert (first.batches, second.batches) == ([["e1"]], [["e2"]])


class StuckStream:
    """moto after its sequence-number race: two records share a number, and reading after it returns the last
    record again, forever (moto numbers records len(items) + start without a lock)."""

    ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000"

    def __init__(self) -> None:
        self.records = [self._record("r1", "100", "e1"), self._record("r2", "100", "e2")]

    @staticmethod
    def _record(record_id: str, sequence: str, event_id: str) -> dict:
        image = {"eventId": {"S": event_id}, "status": {"S": "CREATED"}}
        change = {"Keys": {"eventId": {"S": event_id}}, "NewImage": image, "SequenceNumber": sequence}
        return {"eventID": record_id, "eventName": "INSERT", "eventVersion": "1.1", "dynamodb": change}

    def describe_stream(self, **_):
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}

    def get_shard_iterator(self, **_):
        return {"ShardIterator": "start"}

    def get_records(self, **arguments):
        if arguments["ShardIterator"] == "start":
            return {"Records": self.records, "NextShardIterator": "stuck"}
        return {"Records": self.records[-1:], "NextShardIterator": "stuck"}


def test_a_record_the_stream_hands_out_again_is_delivered_once(bus_stack):
    from exchange_linker_tools.stream_poller import DynamoDbStreamEventSource

    handler = Script(lambda records, n: {})
    source = DynamoDbStreamEventSource(
        StuckStream(), bus_stack.sqs, bus_stack.stream_mapping, handler, region="us-east-1"
    )
    source.drain(max_polls=20)
    assert handler.batches == [["e1", "e2"]]
