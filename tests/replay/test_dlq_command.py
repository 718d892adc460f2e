"""`exchange-linker dlq`: what the DLQ holds, without consuming anything."""

from __future__ import annotations

import json

import pytest

from tests.conftest import link_event
from tests.replay.conftest import dead_letter, depth, invoke, output_json, redrive_by_sqs

pytestmark = pytest.mark.integration


@pytest.fixture
def mixed_dlq(stack):
    dead_letter(stack, link_event(partner="Plaid"), "InvalidScope", failed_at="2026-11-20T10:00:00.000Z")
    dead_letter(stack, link_event(partner="MX"), "InvalidScope", failed_at="2026-11-20T11:00:00.000Z")
    dead_letter(stack, link_event(partner="Plaid"), "NotFound", failed_at="2026-11-19T08:30:00.000Z")
    redrive_by_sqs(stack, json.dumps(link_event(partner="Flinks")))  # no attributes, no result: reason unknown
    return stack


def test_summary_by_code_partner_and_age(mixed_dlq, cli):
    stack = mixed_dlq
    summary = output_json(invoke(cli, stack, "dlq", "--json"))
    assert (summary["depth"], summary["scanned"]) == (4, 4)
    assert summary["byErrorCode"] == {"InvalidScope": 2, "NotFound": 1, "Unknown": 1}
    assert summary["byPartner"] == {"Plaid": 2, "MX": 1, "Flinks": 1}
    assert summary["oldestFailedAt"] == "2026-11-19T08:30:00.000Z"
    assert summary["oldestAgeSeconds"] > 0
    assert summary["reasons"] == [
        {"errorCode": "InvalidScope", "errorMessage": "InvalidScope happened", "messages": 2},
        {"errorCode": "NotFound", "errorMessage": "NotFound happened", "messages": 1},
        {"errorCode": "Unknown", "errorMessage": None, "messages": 1},
    ]
    assert depth(stack, stack.resources.dead_letter_queue_url) == (4, 0)  # nothing consumed, nothing hidden


def test_reasons_for_people(mixed_dlq, cli):
    result = invoke(cli, mixed_dlq, "dlq")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()  # not a terminal: TSV, the reasons with their counts
    assert lines == [
        "errorCode\tmessages\terrorMessage",
        "InvalidScope\t2\tInvalidScope happened",
        "NotFound\t1\tNotFound happened",
        "Unknown\t1\tno reason recorded (SQS's redrive moved it; no result in the table)",
    ]
    assert "Dead-letter queue: 4 messages" in result.stderr
    assert "Oldest failure: 2026-11-19T08:30:00.000Z" in result.stderr
    assert depth(mixed_dlq, mixed_dlq.resources.dead_letter_queue_url) == (4, 0)


def test_an_empty_dlq(stack, cli):
    summary = output_json(invoke(cli, stack, "dlq", "--json"))
    assert summary == {
        "depth": 0,
        "scanned": 0,
        "byErrorCode": {},
        "byPartner": {},
        "oldestFailedAt": None,
        "oldestAgeSeconds": None,
        "reasons": [],
        "exchangeMayExist": 0,
    }


def test_events_whose_exchange_may_exist_are_flagged(stack, cli):
    """Their replay asks Dwolla before any POST (or waits for a person): an operator should know."""
    flagged = dead_letter(stack, link_event(), "Conflict", may_exist_since="2026-11-19T08:30:00.000Z")
    dead_letter(stack, link_event(), "ExchangeMayExist", may_exist_since="unknown")
    dead_letter(stack, link_event(), "NotFound")
    assert output_json(invoke(cli, stack, "dlq", "--json"))["exchangeMayExist"] == 2
    assert "2 may already have an exchange at Dwolla" in invoke(cli, stack, "dlq").stderr
    rows = output_json(invoke(cli, stack, "replay", "--error-code", "Conflict", "--dry-run", "--json"))["events"]
    assert [(row["eventId"], row["exchangeMayExist"], row["exchangeMayExistSince"]) for row in rows] == [
        (json.loads(flagged)["eventId"], True, "2026-11-19T08:30:00.000Z")
    ]
    assert "2 may already have an exchange at Dwolla" in invoke(cli, stack, "replay", "--dry-run").stderr


def test_a_missing_dlq_is_a_clear_error(stack, cli):
    missing = stack.resources.dead_letter_queue_url + "-gone"
    result = invoke(cli, stack, "dlq", "--dlq-url", missing)
    assert result.exit_code == 2
    assert result.stderr == (
        f"exchange-linker dlq: no dead-letter queue at {missing} (QueueDoesNotExist): check --dlq-url, "
        "--stack-name or DEAD_LETTER_QUEUE_URL\n"
    )
