"""`exchange-linker replay --dry-run` selects with every kind of filter, alone and combined, over real SQS.

InvalidEvent messages are selected but held back unless their code is named: the same body fails again.
"""

from __future__ import annotations

import pytest

from tests.conftest import CUSTOMER_ID, link_event
from tests.replay.conftest import dead_letter, depth, invoke, output_json

pytestmark = pytest.mark.integration

OTHER_CUSTOMER = "0d2b5a57-8c58-4a6b-9d1e-3f0c2b7e9a41"
LETTERS = {
    # name: (event fields, error code, failedAt)
    "scope-plaid": ({"partner": "Plaid"}, "InvalidScope", "2026-11-20T10:00:00.000Z"),
    "scope-mx": ({"partner": "MX", "customerId": OTHER_CUSTOMER}, "InvalidScope", "2026-11-20T14:00:00.000Z"),
    "notfound-plaid": ({"partner": "Plaid", "customerId": OTHER_CUSTOMER}, "NotFound", "2026-11-21T09:00:00.000Z"),
    "invalid-yodlee": ({"partner": "Yodlee", "customerId": None}, "InvalidEvent", "2026-11-21T12:00:00.000Z"),
    "reauth-flinks": ({"partner": "Flinks"}, "UpdateCredentials", "2026-11-22T08:00:00.000Z"),
}


@pytest.fixture(scope="module")
def letters(shared_stack):
    """The DLQ every test here scans; dry runs must leave it exactly so (each test checks)."""
    ids = {}
    for name, (fields, code, failed_at) in LETTERS.items():
        event = link_event(eventId=f"evt-{name}", **fields)
        dead_letter(shared_stack, event, code, failed_at=failed_at)
        ids[event["eventId"]] = name
    return ids


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ([], set(LETTERS) - {"invalid-yodlee"}),
        (["--error-code", "InvalidScope"], {"scope-plaid", "scope-mx"}),
        (["--error-code", "invalidscope"], {"scope-plaid", "scope-mx"}),  # any case
        (["--error-code", "NotFound", "--error-code", "InvalidEvent"], {"notfound-plaid", "invalid-yodlee"}),
        (["--event-id", "evt-scope-mx", "--event-id", "evt-reauth-flinks"], {"scope-mx", "reauth-flinks"}),
        (["--customer-id", OTHER_CUSTOMER.upper()], {"scope-mx", "notfound-plaid"}),
        (["--partner", "plaid"], {"scope-plaid", "notfound-plaid"}),
        (["--partner", "YODLEE"], set()),  # an invalid event is selected, but held back
        (["--partner", "YODLEE", "--error-code", "InvalidEvent"], {"invalid-yodlee"}),  # unless its code is named
        (["--failed-after", "2026-11-21", "--failed-before", "2026-11-22T00:00:00Z"], {"notfound-plaid"}),
        (["--error-code", "InvalidScope", "--partner", "Plaid"], {"scope-plaid"}),
        (["--error-code", "InvalidScope", "--customer-id", CUSTOMER_ID, "--failed-after", "2026-11-20T12:00Z"], set()),
    ],
    ids=[
        "all",
        "code",
        "code-any-case",
        "codes",
        "event-ids",
        "customer",
        "partner",
        "invalid-partner",
        "invalid-by-code",
        "window",
        "code+partner",
        "none",
    ],
)
def test_filters(shared_stack, cli, letters, arguments, expected):
    stack = shared_stack
    summary = output_json(invoke(cli, stack, "replay", "--dry-run", "--json", *arguments))
    would = {letters[row["eventId"]] for row in summary["events"] if row["action"] == "would-move"}
    held = {letters[row["eventId"]] for row in summary["events"] if row["action"] == "held-back"}
    assert would == expected
    assert held <= {"invalid-yodlee"}
    assert {row["action"] for row in summary["events"]} <= {"would-move", "held-back"}
    assert (summary["scanned"], summary["matched"], summary["moved"]) == (len(LETTERS), len(expected), 0)
    assert summary["heldBack"] == len(held)
    assert summary["notMatched"] == len(LETTERS) - len(expected) - len(held)
    assert summary["leftInDlq"] == len(LETTERS)
    assert depth(stack, stack.resources.dead_letter_queue_url) == (len(LETTERS), 0)


def test_reasons_are_shown_in_words(shared_stack, cli, letters):
    result = invoke(cli, shared_stack, "replay", "--dry-run", "--error-code", "NotFound")
    assert result.exit_code == 0, result.stderr
    header, row = result.stdout.splitlines()  # not a terminal: TSV, a header and one line per message
    assert header.split("\t")[:5] == ["eventId", "customerId", "partner", "errorCode", "errorMessage"]
    assert row.split("\t")[3:5] == ["NotFound", "NotFound happened"]
    assert "Would move 1 (NotFound 1)" in result.stderr


def test_an_unknown_error_code_lists_the_known_ones(shared_stack, cli, letters):
    result = invoke(cli, shared_stack, "replay", "--dry-run", "--error-code", "InvalidScop")
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("exchange-linker replay: unknown error code InvalidScop")
    assert {"InvalidScope", "NotFound", "ConflictingEvent"} <= set(line.replace(",", " ").split())


def test_a_code_unknown_to_the_catalogue_but_in_the_dlq_is_accepted(shared_stack, cli, letters):
    dead_letter(shared_stack, link_event(eventId="evt-new-code"), "InvalidResourceState")  # a Dwolla code new to us
    try:
        summary = output_json(
            invoke(cli, shared_stack, "replay", "--dry-run", "--json", "--error-code", "invalidresourcestate")
        )
        assert [row["eventId"] for row in summary["events"]] == ["evt-new-code"]
    finally:
        invoke(cli, shared_stack, "replay", "--json", "--event-id", "evt-new-code")  # out again: others count the DLQ
        shared_stack.sqs.purge_queue(QueueUrl=shared_stack.resources.queue_url)
