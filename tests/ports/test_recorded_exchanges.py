"""The reconciliation's read port (reconcile/service.py RecordedExchanges), held against MemoryResults and
DynamoDbRecordedExchanges alike, on rows written through the ResultsStore port as the consumer writes them.

Each test writes its own customers, and a window in a year no other test writes in: the DynamoDB side shares
one table per module.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.adapters.dynamodb_reconcile import DynamoDbRecordedExchanges
from exchange_linker.adapters.dynamodb_results import DynamoDbResults
from exchange_linker.contracts.results import ExchangeResult, ResultsStore, Status
from exchange_linker.reconcile.compare import RecordedExchange
from exchange_linker.reconcile.service import RecordedExchanges
from exchange_linker_tools.fakes import MemoryResults
from exchange_linker_tools.local_stack import LocalStack

Table = tuple[ResultsStore, RecordedExchanges]


@pytest.fixture(params=["memory", pytest.param("dynamodb", marks=pytest.mark.integration)])
def table(request: pytest.FixtureRequest) -> Table:
    if request.param == "memory":
        memory = MemoryResults()
        return memory, memory
    stack: LocalStack = request.getfixturevalue("port_stack")
    name = stack.resources.table_name
    return DynamoDbResults(AwsClients(), name), DynamoDbRecordedExchanges(AwsClients(), name)


@pytest.fixture
def write(table: Table) -> Callable[..., ExchangeResult]:
    def put(status: Status, updated_at: str, customer_id: str | None, **fields: object) -> ExchangeResult:
        exchange = {"exchange_id": f"x-{uuid.uuid4()}"} if status is Status.CREATED else {}
        row = ExchangeResult(
            f"evt-{uuid.uuid4()}", status, 1, updated_at, partner="Plaid", customer_id=customer_id, **exchange, **fields
        )
        assert table[0].put(row)
        return row

    return put


def customer() -> str:
    return str(uuid.uuid4())


def as_recorded(row: ExchangeResult) -> RecordedExchange:
    return RecordedExchange(row.event_id, str(row.exchange_id), row.customer_id, "Plaid")


def test_an_owner_s_created_items_are_all_of_them_whenever_written(
    table: Table, write: Callable[..., ExchangeResult]
) -> None:
    mine, other = customer(), customer()
    old = write(Status.CREATED, "2019-01-01T00:00:00.000Z", mine)
    new = write(Status.CREATED, "2031-06-01T00:00:00.000Z", mine)
    write(Status.FAILED, "2031-06-01T00:00:00.000Z", mine, error_code="NotFound")
    write(Status.RETRYING, "2031-06-01T00:00:00.000Z", mine, error_code="Timeout", exchange_may_exist=True)
    write(Status.CREATED, "2031-06-01T00:00:00.000Z", other)
    found = table[1].created_of(mine)
    assert sorted(found, key=lambda r: r.event_id) == sorted(map(as_recorded, (old, new)), key=lambda r: r.event_id)


def test_the_account_s_items_are_those_without_a_customer(table: Table, write: Callable[..., ExchangeResult]) -> None:
    account = write(Status.CREATED, "2031-06-02T00:00:00.000Z", None)
    write(Status.CREATED, "2031-06-02T00:00:00.000Z", customer())
    found = table[1].created_of(None)
    assert as_recorded(account) in found
    assert all(item.customer_id is None for item in found)


def test_a_window_s_owners_named_an_exchange_or_may_have_made_one(
    table: Table, write: Callable[..., ExchangeResult]
) -> None:
    created, uncertain, refused, outside = customer(), customer(), customer(), customer()
    write(Status.CREATED, "2032-03-01T10:00:00.000Z", created)
    write(Status.RETRYING, "2032-03-01T11:00:00.000Z", uncertain, error_code="Timeout", exchange_may_exist=True)
    write(Status.FAILED, "2032-03-01T12:00:00.000Z", refused, error_code="NotFound")
    write(Status.CREATED, "2032-03-02T10:00:00.001Z", outside)
    write(Status.CREATED, "2032-03-01T13:00:00.000Z", None)
    owners = table[1].owners_updated_between("2032-03-01T00:00:00.000Z", "2032-03-02T10:00:00.000Z")
    assert owners == {created, uncertain, None}
