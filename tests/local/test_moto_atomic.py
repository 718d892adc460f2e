"""moto's DynamoDB writes are atomic per request, as DynamoDB's are: of racing conditional writes, one wins.

moto's server answers each request on a thread of its own, and its UpdateItem reads the item, evaluates
the condition, then writes: two `attribute_not_exists(eventId)` claims that interleave both succeed. The
chaos run found it (two copies of one eventId in one batch both passed the write-ahead intent and both
POSTed); DynamoDB never lets that happen. The condition's evaluation is slowed here so the interleaving
happens on every run instead of now and then.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import moto.dynamodb.models as dynamodb_models
import pytest
from botocore.exceptions import ClientError

RACERS = 6


@pytest.fixture
def slow_conditions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widen the window between moto's read of the item and its write (the condition's evaluation)."""
    parser = dynamodb_models.create_condition_expression_parser

    def slowly(*args: object, **kwargs: object) -> object:
        time.sleep(0.05)
        return parser(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(dynamodb_models, "create_condition_expression_parser", slowly)


def claim(table: str, event_id: str, owner: str, start: threading.Barrier) -> bool:
    client = boto3.client("dynamodb")
    start.wait()
    try:
        client.update_item(
            TableName=table,
            Key={"eventId": {"S": event_id}},
            UpdateExpression="SET #owner = :owner",
            ConditionExpression="attribute_not_exists(eventId)",
            ExpressionAttributeNames={"#owner": "owner"},
            ExpressionAttributeValues={":owner": {"S": owner}},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def test_of_racing_conditional_claims_exactly_one_wins(stack, slow_conditions) -> None:
    table = stack.resources.table_name
    start = threading.Barrier(RACERS)
    with ThreadPoolExecutor(RACERS) as pool:
        won = list(pool.map(lambda n: claim(table, "race-1", f"copy-{n}", start), range(RACERS)))
    assert won.count(True) == 1
    owner = stack.dynamodb.get_item(TableName=table, Key={"eventId": {"S": "race-1"}}, ConsistentRead=True)
    assert owner["Item"]["owner"]["S"] == f"copy-{won.index(True)}"
