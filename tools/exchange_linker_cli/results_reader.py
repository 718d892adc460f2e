"""Reads the results table for `exchange-linker status` (GetItem by event, the byCustomer index by customer)."""

from __future__ import annotations

from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer

CUSTOMER_INDEX = "byCustomer"
_deserialize = TypeDeserializer().deserialize


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    row = {name: _deserialize(value) for name, value in item.items()}
    return {name: int(value) if name in {"attempts", "keyGeneration"} else value for name, value in row.items()}


def results_by_event(table: str, event_id: str) -> list[dict[str, Any]]:
    item = boto3.client("dynamodb").get_item(TableName=table, Key={"eventId": {"S": event_id}}).get("Item")
    return [_plain(item)] if item else []


def results_by_customer(table: str, customer_id: str, limit: int) -> list[dict[str, Any]]:
    response = boto3.client("dynamodb").query(
        TableName=table,
        IndexName=CUSTOMER_INDEX,
        KeyConditionExpression="customerId = :customer",
        ExpressionAttributeValues={":customer": {"S": customer_id.lower()}},
        ScanIndexForward=False,
        Limit=limit,
    )
    return [_plain(item) for item in response["Items"]]
