"""The owner index (`byOwner`): every parsed event's item names its owner, a customer or the account, so
reconciliation sees what each owner's other events recorded or may have made (see ingest/reconcile.py)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.contracts.results import OwnerEntry, Status

BY_OWNER = "byOwner"
ACCOUNT_OWNER = "#account"  # never a customer id (those are UUIDs)
_deserialize = TypeDeserializer().deserialize


def owner_of(customer_id: str | None) -> str:
    return customer_id or ACCOUNT_OWNER


def owner_activity(
    clients: AwsClients, table: str, customer_id: str | None, partner: str, since: str
) -> list[OwnerEntry]:
    """The owner's items of `partner` written at or after `since` holding an exchange or one that may exist."""
    pages = clients.dynamodb.get_paginator("query").paginate(
        TableName=table,
        IndexName=BY_OWNER,
        KeyConditionExpression="#owner = :owner AND #updatedAt >= :since",
        FilterExpression="#partner = :partner AND (attribute_exists(#exchangeId) OR attribute_exists(#mayExist))",
        ExpressionAttributeNames={
            "#owner": "owner",
            "#updatedAt": "updatedAt",
            "#partner": "partner",
            "#exchangeId": "exchangeId",
            "#mayExist": "exchangeMayExist",
        },
        ExpressionAttributeValues={
            ":owner": {"S": owner_of(customer_id)},
            ":since": {"S": since},
            ":partner": {"S": partner},
        },
    )
    with translated("dynamodb"):
        items = [{k: _deserialize(v) for k, v in item.items()} for page in pages for item in page["Items"]]
    return [_entry(item) for item in items]


def _entry(item: dict[str, Any]) -> OwnerEntry:
    def text(name: str) -> str | None:
        value = item.get(name)
        return value if isinstance(value, str) else None

    return OwnerEntry(
        event_id=str(item["eventId"]),
        status=Status(item.get("status", Status.RETRYING.value)),
        exchange_id=text("exchangeId"),
        exchange_may_exist=item.get("exchangeMayExist") is True,
        uncertain_since=text("uncertainSince"),
    )
