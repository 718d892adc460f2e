"""The results store against moto server: every write to an item is conditional on its request's
fingerprint, and the owner index shows each owner's recorded and possible exchanges, the account's too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.adapters.dynamodb_results import DynamoDbResults
from exchange_linker.contracts.results import ExchangeResult, KeyState, OwnerEntry, Status
from exchange_linker.timestamps import timestamp
from tests.conftest import CUSTOMER_ID

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
OURS = {"request": "a" * 64, "customerId": "c", "partner": "p", "credential": "1"}
THEIRS = {**OURS, "request": "b" * 64, "credential": "2"}


def row(status: Status, fingerprint=OURS, event_id: str = "e1", **fields) -> ExchangeResult:
    fields.setdefault("partner", "Plaid")
    return ExchangeResult(event_id, status, 1, timestamp(NOW), fingerprint=fingerprint, **fields)


@pytest.fixture
def store(stack) -> DynamoDbResults:
    return DynamoDbResults(AwsClients(), stack.resources.table_name)


@pytest.mark.parametrize(
    "theirs",
    [
        row(Status.RETRYING, THEIRS, error_code="ServerError", exchange_may_exist=True, uncertain_since="x"),
        row(Status.FAILED, THEIRS, error_code="InvalidScope", key_generation=1),
        row(Status.CREATED, THEIRS, exchange_id="x2", exchange_url="https://dwolla.test/exchanges/x2"),
    ],
    ids=["RETRYING", "FAILED", "CREATED"],
)
def test_no_write_of_another_request_touches_the_item(store, theirs):
    assert store.put(row(Status.RETRYING, exchange_may_exist=True, uncertain_since=timestamp(NOW)))
    before = store.get("e1")
    assert not store.put(theirs)
    assert not store.put(theirs, expected=KeyState.of(before))
    assert store.get("e1") == before


def test_an_item_written_before_fingerprints_takes_the_first_one_and_keeps_it(store):
    assert store.put(row(Status.RETRYING, fingerprint={}))
    assert store.put(row(Status.RETRYING))
    assert not store.put(row(Status.FAILED, THEIRS))
    assert store.get("e1").fingerprint == OURS


def test_the_owner_index_shows_what_the_account_and_each_customer_made_or_may_have_made(store):
    since = timestamp(NOW - timedelta(minutes=1))
    assert store.put(row(Status.CREATED, event_id="acct-1", exchange_id="x1", exchange_url="u1"))
    assert store.put(row(Status.RETRYING, event_id="acct-2", exchange_may_exist=True, uncertain_since=since))
    assert store.put(row(Status.FAILED, event_id="acct-3", error_code="InvalidScope"))  # nothing made
    assert store.put(row(Status.CREATED, event_id="acct-mx", partner="MX", exchange_id="x3", exchange_url="u3"))
    assert store.put(
        row(Status.CREATED, event_id="cust-1", customer_id=CUSTOMER_ID, exchange_id="x4", exchange_url="u4")
    )
    account = sorted(store.owner_activity(None, "Plaid", since), key=lambda entry: entry.event_id)
    assert account == [
        OwnerEntry("acct-1", Status.CREATED, "x1"),
        OwnerEntry("acct-2", Status.RETRYING, None, exchange_may_exist=True, uncertain_since=since),
    ]
    assert store.owner_activity(CUSTOMER_ID, "Plaid", since) == [OwnerEntry("cust-1", Status.CREATED, "x4")]
    assert store.owner_activity(None, "Plaid", timestamp(NOW + timedelta(minutes=1))) == []
