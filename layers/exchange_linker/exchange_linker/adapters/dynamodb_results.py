"""The results table: one item per eventId, never moved away from CREATED once it got there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.adapters.owner_index import owner_activity, owner_of
from exchange_linker.contracts.results import (
    ExchangeResult,
    FundingSourceResult,
    FundingSourceStatus,
    KeyState,
    OwnerEntry,
    Status,
)
from exchange_linker.dwolla.fingerprint import REQUEST

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize
# Set once and kept: the first unknown outcome's time, the first content's fingerprint.
KEPT_ONCE_SET = frozenset({"uncertainSince", "fingerprint"})
KEY_STATE = ("exchangeMayExist", "uncertainSince", "intentId")
BY_CUSTOMER = "byCustomer"


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

    def recorded_exchanges(self, customer_id: str) -> dict[str, str]:
        pages = self._clients.dynamodb.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=BY_CUSTOMER,
            KeyConditionExpression="customerId = :customer",
            FilterExpression="attribute_exists(exchangeId)",
            ProjectionExpression="eventId, exchangeId",
            ExpressionAttributeValues={":customer": {"S": customer_id}},
        )
        with translated("dynamodb"):
            items = [item for page in pages for item in page["Items"]]
        return {item["exchangeId"]["S"]: item["eventId"]["S"] for item in items if "S" in item.get("exchangeId", {})}

    def owner_activity(self, customer_id: str | None, partner: str, since: str) -> list[OwnerEntry]:
        return owner_activity(self._clients, self._table, customer_id, partner, since)

    def put(self, result: ExchangeResult, *, expected: KeyState | None = None) -> bool:
        return self._update(result.event_id, to_update(result, expected))

    def put_funding_source(self, event_id: str, funding: FundingSourceResult, *, attempts: int, at: str) -> bool:
        return self._update(event_id, funding_source_update(funding, attempts=attempts, at=at))

    def _update(self, event_id: str, update: Update) -> bool:
        try:
            with translated("dynamodb"):
                self._clients.dynamodb.update_item(
                    TableName=self._table,
                    Key={"eventId": {"S": event_id}},
                    UpdateExpression=update.expression,
                    ConditionExpression=update.condition,
                    ExpressionAttributeNames=update.names,
                    ExpressionAttributeValues=update.values,
                )
        except Exception as error:
            if getattr(error, "code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True


@dataclass
class Update:
    """One UpdateItem: SET/REMOVE clauses and the condition, with their name and value placeholders."""

    sets: list[str] = field(default_factory=list)
    removes: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, AttributeValueTypeDef] = field(default_factory=dict)

    def name(self, attribute: str) -> str:
        self.names[f"#{attribute}"] = attribute
        return f"#{attribute}"

    def value(self, placeholder: str, value: Any) -> str:
        self.values[f":{placeholder}"] = _serialize(value)
        return f":{placeholder}"

    @property
    def expression(self) -> str:
        text = "SET " + ", ".join(self.sets)
        return text + (" REMOVE " + ", ".join(self.removes) if self.removes else "")

    @property
    def condition(self) -> str:
        return " AND ".join(self.conditions)


def to_update(result: ExchangeResult, expected: KeyState | None = None) -> Update:
    """SET what this result knows; REMOVE what a CREATED or failed row must no longer show.

    Without `expected` the key state only grows (exchangeMayExist is sticky, uncertainSince kept once
    set); with it the write is conditional on that state and replaces it.
    """
    fields = item_fields(result)
    update = Update()
    for attribute, value in fields.items():
        if value is None:
            continue
        name, placeholder = update.name(attribute), update.value(attribute, value)
        keep = attribute in KEPT_ONCE_SET and not (expected is not None and attribute in KEY_STATE)
        update.sets.append(f"{name} = if_not_exists({name}, {placeholder})" if keep else f"{name} = {placeholder}")
    created = result.status is Status.CREATED
    clearable = ["errorCode", "errorMessage", *KEY_STATE] if created else ["exchangeUrl", "exchangeId", "reconciled"]
    if expected is not None:
        clearable += [attribute for attribute in KEY_STATE if attribute not in clearable]
    update.removes = [update.name(attribute) for attribute in clearable if fields[attribute] is None]
    update.conditions = _condition(update, expected) + _same_request(update, result, expected)
    return update


def funding_source_update(funding: FundingSourceResult, *, attempts: int, at: str) -> Update:
    """Only the funding-source fields (and updatedAt, attempts) of a CREATED row; never its status.

    Condition: the row is CREATED and its funding source is not, so a recorded funding source is never
    overwritten by a slower copy's failure, and nothing is written for an exchange that is not recorded.
    """
    update = Update()
    fields = funding_fields(funding) | {"updatedAt": at, "attempts": attempts}
    for attribute, value in fields.items():
        if value is not None:
            update.sets.append(f"{update.name(attribute)} = {update.value(attribute, value)}")
    update.removes = [update.name(attribute) for attribute, value in fields.items() if value is None]
    status, funding_status = update.name("status"), update.name("fundingSourceStatus")
    created = update.value("created", Status.CREATED.value)
    update.conditions = [
        f"{status} = {created}",
        f"(attribute_not_exists({funding_status}) OR {funding_status} <> {created})",
    ]
    return update


def funding_fields(funding: FundingSourceResult | None) -> dict[str, Any]:
    if funding is None:
        return {}
    return {
        "fundingSourceStatus": funding.status.value,
        "fundingSourceUrl": funding.url,
        "fundingSourceId": funding.funding_source_id,
        "fundingSourceErrorCode": funding.error_code,
        "fundingSourceErrorMessage": funding.error_message,
        "fundingSourceKeyGeneration": funding.key_generation,
    }


def item_fields(result: ExchangeResult) -> dict[str, Any]:
    return {
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
        "exchangeMayExist": True if result.exchange_may_exist else None,
        "uncertainSince": result.uncertain_since if result.exchange_may_exist else None,
        "reconciled": True if result.reconciled else None,
        "intentId": result.intent_id,
        "fingerprint": dict(result.fingerprint) or None,
        "owner": owner_of(result.customer_id) if result.partner else None,  # an unparsed event has none
        # Only PENDING, with the CREATED write: the step's own writes are funding_source_update's.
        "fundingSourceStatus": result.funding_source.status.value if result.funding_source else None,
    }


def _condition(update: Update, expected: KeyState | None) -> list[str]:
    """Never touch a CREATED item; with `expected`, touch it only in exactly the state that was read."""
    if expected is not None and not expected.exists:
        return ["attribute_not_exists(eventId)"]
    status, created = update.name("status"), update.value("created", Status.CREATED.value)
    if expected is None:
        return [f"(attribute_not_exists(eventId) OR {status} <> {created})"]
    generation = update.name("keyGeneration")
    same_generation = f"{generation} = {update.value('expectedGeneration', expected.key_generation)}"
    if expected.key_generation == 0:
        same_generation = f"(attribute_not_exists({generation}) OR {same_generation})"
    may_exist, since, intent = update.name("exchangeMayExist"), update.name("uncertainSince"), update.name("intentId")
    return [
        f"{status} <> {created}",
        same_generation,
        f"{may_exist} = {update.value('true', True)}"
        if expected.exchange_may_exist
        else f"attribute_not_exists({may_exist})",
        f"{since} = {update.value('expectedSince', expected.uncertain_since)}"
        if expected.uncertain_since
        else f"attribute_not_exists({since})",
        f"{intent} = {update.value('expectedIntent', expected.intent_id)}"
        if expected.intent_id
        else f"attribute_not_exists({intent})",
    ]


def _same_request(update: Update, result: ExchangeResult, expected: KeyState | None) -> list[str]:
    """Every write to an existing item is conditional on its fingerprint: one eventId, one request."""
    digest = result.fingerprint.get(REQUEST)
    if not digest or (expected is not None and not expected.exists):
        return []
    path = f"{update.name('fingerprint')}.{update.name(REQUEST)}"
    return [f"(attribute_not_exists({path}) OR {path} = {update.value('request', digest)})"]


def from_item(item: dict[str, Any]) -> ExchangeResult:
    def text(name: str) -> str | None:
        value = item.get(name)
        return value if isinstance(value, str) else None

    def number(name: str) -> int | None:
        value = item.get(name)
        return int(value) if isinstance(value, Decimal | int) else None

    def strings(name: str) -> dict[str, str]:
        value = item.get(name)
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    return ExchangeResult(
        event_id=str(item["eventId"]),
        status=Status(item.get("status", Status.RETRYING.value)),
        attempts=number("attempts") or 0,
        updated_at=text("updatedAt") or "",
        partner=text("partner"),
        customer_id=text("customerId"),
        metadata=strings("metadata"),
        exchange_url=text("exchangeUrl"),
        exchange_id=text("exchangeId"),
        error_code=text("errorCode"),
        error_message=text("errorMessage"),
        key_generation=number("keyGeneration") or 0,
        exchange_may_exist=item.get("exchangeMayExist") is True,
        uncertain_since=text("uncertainSince"),
        reconciled=item.get("reconciled") is True,
        intent_id=text("intentId"),
        fingerprint=strings("fingerprint"),
        funding_source=_funding_source(item, text, number),
    )


def _funding_source(
    item: dict[str, Any], text: Callable[[str], str | None], number: Callable[[str], int | None]
) -> FundingSourceResult | None:
    status = text("fundingSourceStatus")
    if status is None or status not in FundingSourceStatus.__members__:
        return None
    return FundingSourceResult(
        status=FundingSourceStatus(status),
        url=text("fundingSourceUrl"),
        funding_source_id=text("fundingSourceId"),
        error_code=text("fundingSourceErrorCode"),
        error_message=text("fundingSourceErrorMessage"),
        key_generation=number("fundingSourceKeyGeneration") or 0,
    )
