"""Reads the results table for `exchange-linker status` (GetItem by event, the byCustomer index by customer)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.errors import AwsError
from exchange_linker_cli.failures import usage

CUSTOMER_INDEX = "byCustomer"
_deserialize = TypeDeserializer().deserialize


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    row = {name: _deserialize(value) for name, value in item.items()}
    return {name: int(value) if name in {"attempts", "keyGeneration"} else value for name, value in row.items()}


@contextmanager
def table_named(table: str) -> Iterator[None]:
    """A missing table is the operator's wrong name (exit 2), not an AWS failure."""
    try:
        with translated("dynamodb"):
            yield
    except AwsError as error:
        if error.code == "ResourceNotFoundException":
            raise usage(
                f"no results table named {table!r} (ResourceNotFoundException): check --table-name, "
                "--stack-name or RESULTS_TABLE_NAME"
            ) from None
        raise


def check_table(clients: AwsClients, table: str) -> None:
    with table_named(table):
        clients.dynamodb.describe_table(TableName=table)


def results_by_event(clients: AwsClients, table: str, event_id: str) -> list[dict[str, Any]]:
    with table_named(table):
        item = clients.dynamodb.get_item(TableName=table, Key={"eventId": {"S": event_id}}).get("Item")
    return [_plain(item)] if item else []


def results_by_customer(clients: AwsClients, table: str, customer_id: str, limit: int) -> list[dict[str, Any]]:
    with table_named(table):
        response = clients.dynamodb.query(
            TableName=table,
            IndexName=CUSTOMER_INDEX,
            KeyConditionExpression="customerId = :customer",
            ExpressionAttributeValues={":customer": {"S": customer_id.lower()}},
            ScanIndexForward=False,
            Limit=limit,
        )
    return [_plain(item) for item in response["Items"]]
