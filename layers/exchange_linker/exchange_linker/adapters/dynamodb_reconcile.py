"""The results table as reconciliation reads it: Scan and Query only, never a write.

The owners of a window are those with an item written in it that names an exchange (CREATED) or may have
made one (exchangeMayExist): an event Dwolla refused made none, and its customer may not exist at Dwolla.
That is a Scan filtered on `updatedAt` (paginated by boto3's paginator): the table has no index on the time
alone. That reads the whole table once per run, acceptable for an operator tool
and a daily schedule (see README, "Reconciliation", for the cost). A customer's CREATED items come from
the `byCustomer` index. The account's own come from a filtered Scan, not from `byOwner`: items written
before the `owner` attribute existed are not in that index, and a CREATED item missing from the read
would make its exchange look unrecorded (a false alarm); `customerId` is on every item since the start.
"""

from __future__ import annotations

from typing import Any

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.adapters.dynamodb_results import BY_CUSTOMER
from exchange_linker.reconcile.compare import Owner, RecordedExchange

CREATED = {":created": {"S": "CREATED"}}
ITEM_NAMES = {"#status": "status", "#customerId": "customerId", "#partner": "partner"}
ITEM_PROJECTION = "eventId, exchangeId, #customerId, #partner"


class DynamoDbRecordedExchanges:
    """Implements reconcile.service.RecordedExchanges."""

    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    def owners_updated_between(self, since: str, until: str) -> set[Owner]:
        items = self._pages(
            "scan",
            FilterExpression="#updatedAt BETWEEN :since AND :until AND (#status = :created OR #mayExist = :true)",
            ProjectionExpression="#customerId",
            ExpressionAttributeNames={
                "#updatedAt": "updatedAt",
                "#customerId": "customerId",
                "#status": "status",
                "#mayExist": "exchangeMayExist",
            },
            ExpressionAttributeValues={
                ":since": {"S": since},
                ":until": {"S": until},
                ":true": {"BOOL": True},
                **CREATED,
            },
        )
        return {item.get("customerId", {}).get("S") for item in items}

    def created_of(self, owner: Owner) -> list[RecordedExchange]:
        if owner is None:
            items = self._pages(
                "scan",
                FilterExpression="attribute_not_exists(#customerId) AND #status = :created",
                ProjectionExpression=ITEM_PROJECTION,
                ExpressionAttributeNames=ITEM_NAMES,
                ExpressionAttributeValues=CREATED,
            )
        else:
            items = self._pages(
                "query",
                IndexName=BY_CUSTOMER,
                KeyConditionExpression="#customerId = :customer",
                FilterExpression="#status = :created",
                ProjectionExpression=ITEM_PROJECTION,
                ExpressionAttributeNames=ITEM_NAMES,
                ExpressionAttributeValues={**CREATED, ":customer": {"S": owner}},
            )
        return [
            RecordedExchange(
                event_id=item["eventId"]["S"],
                exchange_id=item["exchangeId"]["S"],
                customer_id=owner,
                partner=item.get("partner", {}).get("S", ""),
            )
            for item in items
            if "S" in item.get("exchangeId", {})
        ]

    def _pages(self, operation: str, **arguments: Any) -> list[dict[str, Any]]:
        paginator = self._clients.dynamodb.get_paginator(operation)  # type: ignore[call-overload]
        with translated("dynamodb"):
            return [item for page in paginator.paginate(TableName=self._table, **arguments) for item in page["Items"]]
