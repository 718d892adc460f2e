"""Issue 11.4: the same eventId with different content is a ConflictingEvent, never silently "already created".

What identifies a request is what would be sent to Dwolla (customer, partner, credential); metadata and
occurredAt are ours, so a redelivery that differs only there is the same event.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.conftest import link_event
from tests.integration.helpers import drain, reason

pytestmark = pytest.mark.integration

OTHER_CUSTOMER = "3f2c4b1e-9a7d-4e36-8c51-2b6f0d9e4a17"


def created(stack, event):
    stack.publish(event)
    drain(stack)
    row = stack.result(event["eventId"])
    assert row["status"] == "CREATED"
    return row


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"token": "processor-sandbox-SECOND"}, "credential"),
        ({"token": None, "plaid": {"publicToken": "public-sandbox-SECOND"}}, "credential"),
        ({"customerId": OTHER_CUSTOMER}, "customerId"),
        ({"customerId": None}, "customerId"),
        ({"partner": "MX"}, "partner"),
    ],
)
def test_different_content_is_dead_lettered_and_the_first_result_stays(stack, change, field):
    first = link_event(token="processor-sandbox-FIRST")
    before = created(stack, first)
    second = {key: value for key, value in {**first, **change}.items() if value is not None}
    stack.publish(second)
    drain(stack)
    (letter,) = stack.dead_letters()
    why = reason(letter)
    assert (why["errorCode"], why["eventId"]) == ("ConflictingEvent", first["eventId"])
    assert field in why["errorMessage"]
    assert "FIRST" not in json.dumps(why)
    assert "SECOND" not in json.dumps(why)
    assert stack.result(first["eventId"]) == before
    assert len(stack.emulator.exchanges) == 1


def test_a_redelivery_differing_only_in_what_dwolla_never_sees_stays_a_no_op(stack):
    first = link_event(metadata={"channel": "ios"})
    before = created(stack, first)
    stack.publish(first)
    stack.publish({**first, "metadata": {"channel": "web"}, "occurredAt": "2026-11-21T00:00:00Z"})
    drain(stack)
    assert stack.dead_letters() == []
    assert stack.result(first["eventId"]) == before
    assert stack.emulator.stats.exchange_posts == 1


def test_fingerprints_are_keyed_and_per_event_so_a_short_credential_cannot_be_guessed_from_the_table(stack):
    # A low-entropy credential (a few thousand guesses would find it behind a plain SHA-256); not hex, so
    # it cannot turn up by chance inside a digest, an id or a timestamp in the dump.
    short = "zq41"
    one, two = link_event(token=short), link_event(token=short)
    rows = [created(stack, one), created(stack, two)]
    dump = json.dumps([stack.dynamodb.scan(TableName=stack.resources.table_name)["Items"]])
    plain = {hashlib.sha256(text.encode()).hexdigest() for text in (short, json.dumps({"token": short}))}
    assert not any(digest in dump for digest in plain)
    assert short not in dump
    assert set(rows[0]["fingerprint"]) == {"request", "customerId", "partner", "credential", "fundingSource"}
    assert rows[0]["fingerprint"]["credential"] != rows[1]["fingerprint"]["credential"]  # not linkable
