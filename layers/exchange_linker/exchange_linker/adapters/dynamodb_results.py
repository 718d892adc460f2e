"""The results table: one item per eventId, never moved away from CREATED once it got there."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.contracts.results import ExchangeResult, Status

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

NOT_CREATED = "attribute_not_exists(eventId) OR #status <> :created"
_deserialize = TypeDeserializer().deserialize


class DynamoDbResults:
    """Implements results.ResultsStore with GetItem (consistent) and a conditional UpdateItem."""

    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    def get(self, event_id: str) -> ExchangeResult | None:
        with translated("dynamodb"):
            response = self._clients.dynamodb.get_item(
                TableName=self._table, Key={"eventId": {"S": event_id}}, ConsistentRead=True
            )
        item = response.get("Item")
        return from_item({k: _deserialize(v) for k, v in item.items()}) if item else None

    def put(self, result: ExchangeResult) -> bool:
        sets, removes, values = to_update(result)
        names = {f"#{name}": name for name in [*sets, *removes]}
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in sets)
        if removes:
            expression += " REMOVE " + ", ".join(f"#{name}" for name in removes)
        client = self._clients.dynamodb
        try:
            with translated("dynamodb"):
                client.update_item(
                    TableName=self._table,
                    Key={"eventId": {"S": result.event_id}},
                    UpdateExpression=expression,
                    ConditionExpression=NOT_CREATED,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues={**values, ":created": {"S": Status.CREATED.value}},
                )
        except Exception as error:
            if getattr(error, "code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True


def to_update(result: ExchangeResult) -> tuple[list[str], list[str], dict[str, AttributeValueTypeDef]]:
    """SET what this result knows; REMOVE what a CREATED or failed row must no longer show."""
    fields: dict[str, Any] = {
        "status": result.status.value,
        "attempts": result.attempts,
        "updatedAt": result.updated_at,
        "partner": result.partner,
        "customerId": result.customer_id,
        "metadata": result.metadata or None,
        "exchangeUrl": result.exchange_url,
        "exchangeId": result.exchange_id,
        "errorCode": result.error_code,
        "errorMessage": result.error_message,
        "keyGeneration": result.key_generation,
        "exchangeMayExist": True if result.exchange_may_exist else None,  # never cleared before CREATED
    }
    sets = [name for name, value in fields.items() if value is not None]
    created = result.status is Status.CREATED
    clearable = ["errorCode", "errorMessage", "exchangeMayExist"] if created else ["exchangeUrl", "exchangeId"]
    removes = [name for name in clearable if fields[name] is None]
    return sets, removes, {f":{name}": _attribute(fields[name]) for name in sets}


def _attribute(value: Any) -> AttributeValueTypeDef:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, dict):
        return {"M": {key: {"S": str(text)} for key, text in value.items()}}
    return {"S": str(value)}


def from_item(item: dict[str, Any]) -> ExchangeResult:
    def text(name: str) -> str | None:
        value = item.get(name)
        return value if isinstance(value, str) else None

    def number(name: str) -> int | None:
        value = item.get(name)
        return int(value) if isinstance(value, Decimal | int) else None

    metadata = item.get("metadata")
    return ExchangeResult(
        event_id=str(item["eventId"]),
        status=Status(item.get("status", Status.RETRYING.value)),
        attempts=number("attempts") or 0,
        updated_at=text("updatedAt") or "",
        partner=text("partner"),
        customer_id=text("customerId"),
        metadata={str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {},
        exchange_url=text("exchangeUrl"),
        exchange_id=text("exchangeId"),
        error_code=text("errorCode"),
        error_message=text("errorMessage"),
        key_generation=number("keyGeneration") or 0,
        exchange_may_exist=item.get("exchangeMayExist") is True,
    )
