"""`exchange-linker replay --dry-run` selects with every kind of filter, alone and combined, over real SQS."""

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
        ([], set(LETTERS)),
        (["--error-code", "InvalidScope"], {"scope-plaid", "scope-mx"}),
        (["--error-code", "NotFound", "--error-code", "InvalidEvent"], {"notfound-plaid", "invalid-yodlee"}),
        (["--event-id", "evt-scope-mx", "--event-id", "evt-reauth-flinks"], {"scope-mx", "reauth-flinks"}),
        (["--customer-id", OTHER_CUSTOMER.upper()], {"scope-mx", "notfound-plaid"}),
        (["--partner", "plaid"], {"scope-plaid", "notfound-plaid"}),
        (["--partner", "YODLEE"], {"invalid-yodlee"}),  # an invalid event is still selectable
        (
            ["--failed-after", "2026-11-21", "--failed-before", "2026-11-22T00:00:00Z"],
            {"notfound-plaid", "invalid-yodlee"},
        ),
        (["--error-code", "InvalidScope", "--partner", "Plaid"], {"scope-plaid"}),
        (["--error-code", "InvalidScope", "--customer-id", CUSTOMER_ID, "--failed-after", "2026-11-20T12:00Z"], set()),
    ],
    ids=[
        "all",
        "code",
        "codes",
        "event-ids",
        "customer",
        "partner",
        "invalid-partner",
        "window",
        "code+partner",
        "none",
    ],
)
def test_filters(shared_stack, cli, letters, arguments, expected):
    stack = shared_stack
    summary = output_json(invoke(cli, stack, "replay", "--dry-run", "--json", *arguments))
    assert {letters[row["eventId"]] for row in summary["events"]} == expected
    assert {row["action"] for row in summary["events"]} <= {"would-move"}
    assert (summary["scanned"], summary["matched"], summary["moved"]) == (len(LETTERS), len(expected), 0)
    assert depth(stack, stack.resources.dead_letter_queue_url) == (len(LETTERS), 0)
