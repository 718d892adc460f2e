"""`exchange-linker reconcile` against moto server and the emulator: exit codes, JSON, the table, read-only."""

from __future__ import annotations

import json

import pytest

from exchange_linker_tools.live import register_stack
from exchange_linker_tools.local_stack import LocalStack
from tests.cli.conftest import one_line, run_cli
from tests.conftest import CUSTOMER_ID
from tests.integration.reconcile.stack_helpers import OTHER_CUSTOMER, consumer_creates_exchanges, plant_orphan

pytestmark = pytest.mark.integration


def environment(stack: LocalStack) -> dict[str, str | None]:
    """What the functions are given, as an operator's shell (or the local stack's env file) has it."""
    names = ("RESULTS_TABLE_NAME", "DWOLLA_API_URL", "DWOLLA_CREDENTIALS_SECRET_ID", "DWOLLA_TOKEN_SECRET_ID")
    return {name: stack.resources.function_environment[name] for name in names}


def test_agreement_exits_0_with_json_and_nothing_else_on_stdout(stack: LocalStack) -> None:
    consumer_creates_exchanges(stack)
    result = run_cli("reconcile", "--json", env=environment(stack))
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["agrees"] is True
    assert found["customers"] == [OTHER_CUSTOMER, CUSTOMER_ID]
    assert found["account"] is True
    assert found["countsByPartner"] == {"MX": {"recorded": 1, "atDwolla": 1}, "Plaid": {"recorded": 3, "atDwolla": 3}}


def test_an_orphan_and_a_removed_exchange_exit_1_and_are_named(stack: LocalStack) -> None:
    consumer_creates_exchanges(stack)
    orphan = plant_orphan(stack, OTHER_CUSTOMER)
    removed_event, removed = sorted(
        (event_id, row) for event_id, row in stack.results().items() if row.get("customerId") == CUSTOMER_ID
    )[0]
    stack.emulator.remove_exchange(removed["exchangeId"])

    result = run_cli("reconcile", "--json", env=environment(stack))

    assert result.exit_code == 1
    assert result.stderr.strip() == "exchange-linker reconcile: 2 disagreement(s) between the table and Dwolla"
    found = json.loads(result.stdout)
    assert set(found) >= {"agrees", "since", "until", "unrecorded", "missing", "removed", "unread", "countsByPartner"}
    assert [(u["customerId"], u["exchangeId"], u["partner"], u["status"]) for u in found["unrecorded"]] == [
        (OTHER_CUSTOMER, orphan, "Plaid", "active")
    ]
    assert found["removed"] == [
        {"eventId": removed_event, "exchangeId": removed["exchangeId"], "customerId": CUSTOMER_ID, "partner": "Plaid"}
    ]


def test_without_a_terminal_the_disagreements_are_tab_separated_ids_whole(stack: LocalStack) -> None:
    consumer_creates_exchanges(stack)
    orphan = plant_orphan(stack, None)
    result = run_cli("reconcile", "--account", env=environment(stack))
    assert result.exit_code == 1
    header, *rows = result.stdout.splitlines()
    assert header.split("\t") == ["disagreement", "customerId", "exchangeId", "eventId", "partner", "detail"]
    assert [row.split("\t")[:5] for row in rows] == [["unrecorded", "account", orphan, "-", "Plaid"]]
    assert "By partner: Plaid 1 recorded / 2 at Dwolla" in result.stderr


def test_the_stack_name_finds_the_table_the_host_and_the_credentials(stack: LocalStack) -> None:
    consumer_creates_exchanges(stack)
    register_stack(stack)
    result = run_cli("reconcile", "--stack-name", stack.resources.stack_name, "--customer-id", CUSTOMER_ID, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["customers"] == [CUSTOMER_ID]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--since", "2026-11-21", "--until", "2026-11-20"], "--since (2026-11-21T00:00:00+00:00) is after --until"),
        (["--since", "yesterday"], "'yesterday' is not an ISO 8601 time"),
        (["--rate", "0"], "0.0 is not in the range x>0"),
        (["--account", "--since", "2026-11-20"], "leave them out with --customer-id or --account"),
    ],
)
def test_usage_errors_exit_2_in_one_line(stack: LocalStack, arguments: list[str], message: str) -> None:
    line = one_line(run_cli("reconcile", *arguments, env=environment(stack)), 2)
    assert message in line


def test_no_dwolla_host_is_a_usage_error(stack: LocalStack) -> None:
    env = {**environment(stack), "DWOLLA_API_URL": None, "DWOLLA_ENVIRONMENT": None}
    assert "no Dwolla host" in one_line(run_cli("reconcile", env=env), 2)


def test_aws_unreachable_exits_3(stack: LocalStack, closed_port: int) -> None:
    env = {**environment(stack), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port}"}
    assert "cannot reach AWS" in one_line(run_cli("reconcile", env=env), 3)


def test_help_ends_with_a_worked_example() -> None:
    result = run_cli("reconcile", "--help")
    assert result.exit_code == 0
    assert result.stdout.rstrip().splitlines()[-1].lstrip().startswith("exchange-linker reconcile --customer-id")
