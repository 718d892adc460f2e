"""Reconciliation against moto server and the Dwolla emulator over HTTP, after the real consumer made the exchanges.

An orphan (an exchange made at Dwolla that no item names) and a removed exchange are planted behind the
service's back; both must be found, nothing else, and nothing may be written anywhere while looking.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from exchange_linker.reconcile.service import Scope
from exchange_linker_tools.chaos.proxy import DYNAMODB_ACCESS_DENIED, AwsFaultProxy
from exchange_linker_tools.local_stack import LocalStack
from tests.conftest import CUSTOMER_ID, link_event
from tests.integration.helpers import drain
from tests.integration.reconcile.stack_helpers import (
    OTHER_CUSTOMER,
    consumer_creates_exchanges,
    plant_orphan,
    reconcile,
)

pytestmark = pytest.mark.integration
WRITES = [
    f"DynamoDB_20120810.{operation}"
    for operation in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
] + [f"secretsmanager.{operation}" for operation in ("PutSecretValue", "UpdateSecret", "CreateSecret")]


def test_what_the_consumer_made_agrees_with_dwolla(stack: LocalStack) -> None:
    consumer_creates_exchanges(stack)
    report = reconcile(stack)
    assert report.agrees, report.as_dict()
    assert report.owners == [None, OTHER_CUSTOMER, CUSTOMER_ID]
    assert report.as_dict()["countsByPartner"] == {
        "MX": {"recorded": 1, "atDwolla": 1},
        "Plaid": {"recorded": 3, "atDwolla": 3},
    }


def test_a_planted_orphan_and_a_removed_exchange_are_both_found(stack: LocalStack) -> None:
    events = consumer_creates_exchanges(stack)
    orphan = plant_orphan(stack, OTHER_CUSTOMER, partner="Plaid")
    account_orphan = plant_orphan(stack, None)
    recorded = {event_id: row for event_id, row in stack.results().items() if row.get("customerId") == CUSTOMER_ID}
    removed_event, removed = sorted(recorded.items())[0]
    stack.emulator.remove_exchange(removed["exchangeId"])

    found = reconcile(stack).as_dict()

    assert found["agrees"] is False
    assert [(u["customerId"], u["exchangeId"], u["partner"]) for u in found["unrecorded"]] == [
        (None, account_orphan, "Plaid"),  # owners in order: the account, then customers by id
        (OTHER_CUSTOMER, orphan, "Plaid"),
    ]
    assert [(r["eventId"], r["exchangeId"], r["customerId"]) for r in found["removed"]] == [
        (removed_event, removed["exchangeId"], CUSTOMER_ID)
    ]
    assert found["missing"] == []
    assert found["unread"] == []
    assert found["countsByPartner"]["Plaid"] == {"recorded": 3, "atDwolla": 4}  # 3 made, 1 removed, 2 planted
    assert len(events) == 4


def test_only_the_owners_of_the_window_are_read(stack: LocalStack) -> None:
    consumer_creates_exchanges(stack)
    plant_orphan(stack, OTHER_CUSTOMER)
    later = datetime.now(UTC) + timedelta(hours=1)
    before = stack.emulator.stats.exchange_reads

    report = reconcile(stack, Scope(since=later, until=later + timedelta(hours=1)))

    assert report.owners == []
    assert report.agrees
    assert stack.emulator.stats.exchange_reads == before  # nobody to ask Dwolla about


def test_given_customers_are_read_whatever_the_window(stack: LocalStack) -> None:
    consumer_creates_exchanges(stack)
    orphan = plant_orphan(stack, OTHER_CUSTOMER)
    report = reconcile(stack, Scope.of(customers=[CUSTOMER_ID.upper()]))
    assert report.owners == [CUSTOMER_ID]
    assert report.agrees
    report = reconcile(stack, Scope.of(customers=[OTHER_CUSTOMER], account=True))
    assert report.owners == [None, OTHER_CUSTOMER]
    assert [u["exchangeId"] for u in report.as_dict()["unrecorded"]] == [orphan]


def test_an_owner_dwolla_cannot_list_is_a_disagreement_not_an_agreement(stack: LocalStack) -> None:
    consumer_creates_exchanges(stack)
    unknown = "00000000-0000-0000-0000-000000000000"  # the emulator's unknown customer: 404
    report = reconcile(stack, Scope.of(customers=[CUSTOMER_ID, unknown]))
    assert not report.agrees
    assert report.as_dict()["unread"] == [{"customerId": unknown, "errorCode": "NotFound"}]


def test_the_reads_are_paced_to_the_requested_rate(stack: LocalStack) -> None:
    consumer_creates_exchanges(stack)
    before = stack.emulator.stats
    started = time.monotonic()
    reconcile(stack, RECONCILE_REQUESTS_PER_SECOND=8)
    elapsed = time.monotonic() - started
    after = stack.emulator.stats
    requests = sum(
        getattr(after, name) - getattr(before, name) for name in ("token_requests", "partner_lookups", "exchange_reads")
    )
    assert requests >= 4  # partners and three owners' lists at least
    assert elapsed >= (requests - 1) / 8  # evenly spaced: n requests span n-1 intervals


def test_reconciling_writes_nothing_anywhere(stack: LocalStack, aws_endpoint: str, monkeypatch) -> None:
    consumer_creates_exchanges(stack)
    plant_orphan(stack)
    # no shared token: the reconciliation must get one from Dwolla, and still not share it (a write)
    stack.secretsmanager.put_secret_value(SecretId=stack.resources.token_secret_id, SecretString="{}")
    tokens_before = stack.emulator.stats.tokens_issued
    items_before = stack.results()
    exchanges_before = stack.emulator.exchanges
    posts_before = stack.emulator.stats.exchange_posts
    with AwsFaultProxy(aws_endpoint, seed=1) as proxy:
        for write in WRITES:
            proxy.refuse(write, DYNAMODB_ACCESS_DENIED)
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", proxy.url)
        report = reconcile(stack)
        assert proxy.injected() == {}  # no write was even tried
        assert proxy.counts().get("dynamodb:forwarded", 0) > 0  # and the table was read through it
    assert len(report.unrecorded) == 1
    assert stack.results() == items_before
    assert stack.emulator.exchanges == exchanges_before
    assert stack.emulator.stats.exchange_posts == posts_before
    assert stack.emulator.stats.tokens_issued == tokens_before + 1
    secret = stack.secretsmanager.get_secret_value(SecretId=stack.resources.token_secret_id)["SecretString"]
    assert secret == "{}"


def test_a_customer_with_many_exchanges_is_read_whole_across_pages(stack: LocalStack) -> None:
    """Dwolla pages lists (limit/offset, a `next` link): the oldest exchange, on the last page, still counts."""
    stack.emulator.page_exchange_lists(2)
    for _ in range(5):
        stack.publish(json.dumps(link_event()))
    drain(stack)
    oldest = stack.emulator.exchanges[0]
    stack.emulator.remove_exchange(oldest.id)
    before = stack.emulator.stats.exchange_reads

    report = reconcile(stack, Scope.of(customers=[CUSTOMER_ID]))

    assert stack.emulator.stats.exchange_reads - before == 3  # pages of 2, 2 and 1
    assert [item.exchange_id for item in report.result.removed] == [oldest.id]
    assert report.result.unrecorded == []
    assert report.result.missing == []
    assert report.result.counts == {"Plaid": (5, 4)}


def test_the_window_holds_owners_whose_exchange_exists_or_may_exist_not_those_dwolla_refused(stack: LocalStack) -> None:
    """A customer Dwolla does not know (every event NotFound) made no exchange: not judged, so no 404 to
    report. A customer whose attempt's outcome is unknown may have one: judged, and here it does."""
    uncertain = "1c0d6a53-33a8-4a4b-9a53-0c5a8f3a9e77"
    stack.publish(json.dumps(link_event(customerId="00000000-0000-0000-0000-000000000000")))
    stack.emulator.queue_faults("server_error_after_create")
    stack.publish(json.dumps(link_event(customerId=uncertain)))
    stack.event_source(stack.consumer().handle_batch).poll_once()
    (made,) = stack.emulator.exchanges

    report = reconcile(stack)

    assert report.owners == [uncertain]
    assert [(owner, exchange.exchange_id) for owner, exchange in report.unrecorded] == [(uncertain, made.id)]
