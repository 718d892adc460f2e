"""`make run ARGS=--keep-running` is a live system: what is published or replayed in a second terminal is
processed by the consumer, and the CLI there finds the stack by itself (its env file).
"""

from __future__ import annotations

import json
import time

import pytest

from tests.cli.conftest import CUSTOMER_ID_FOR_REHEARSAL, LiveStack, run_cli

pytestmark = pytest.mark.integration

UNKNOWN_CUSTOMER_EVENT = "622bb042-ec18-551f-a2b4-510ae9af418b"  # events/unknown-customer.json: NotFound


# Maps keyed by data (error codes, partners, statuses), not by field names.
DATA_MAPS = {"byErrorCode", "byPartner", "heldBackByErrorCode", "countsByStatus", "metadata"}


def keys(value) -> set[str]:
    """Every field name in a JSON answer."""
    if isinstance(value, dict):
        return set(value) | {key for name, item in value.items() if name not in DATA_MAPS for key in keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys(item)}
    return set()


def cli_json(stack: LiveStack, *args: str):
    result = run_cli(*args, "--json", env=stack.cli_env)
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)  # stdout holds the JSON and nothing else
    assert {key for key in keys(answer) if "_" in key or key[:1].isupper()} == set(), "one key style: camelCase"
    return answer


def eventually(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


def test_the_env_file_names_the_stack(live_stack):
    text = live_stack.env_file.read_text()
    for name in ("AWS_ENDPOINT_URL", "DEAD_LETTER_QUEUE_URL", "LINK_COMPLETED_QUEUE_URL", "RESULTS_TABLE_NAME"):
        assert f"export {name}=" in text
    assert "export DWOLLA_API_URL=http://127.0.0.1:" in text


def test_a_published_event_is_processed(live_stack):
    published = cli_json(
        live_stack, "publish", "--partner", "Plaid", "--token", "processor-live-1", "--customer-id",
        CUSTOMER_ID_FOR_REHEARSAL, "--event-id", "live-1",
    )  # fmt: skip
    assert published["eventId"] == "live-1"
    (row,) = cli_json(live_stack, "status", "--event-id", "live-1", "--wait", "20")
    assert row["status"] == "CREATED"
    assert row["exchangeId"]
    assert "live-1" in live_stack.log_file.read_text()  # the consumer's log goes to the run's log file


def test_a_replayed_message_is_processed_and_comes_back_with_its_new_reason(live_stack):
    dlq = cli_json(live_stack, "dlq")
    assert dlq["byErrorCode"]["NotFound"] == 1
    reasons = {(reason["errorCode"], reason["errorMessage"]) for reason in dlq["reasons"]}
    assert ("InvalidEvent", "body: is not valid JSON") in reasons  # a body that is not JSON has its reason too
    moved = cli_json(live_stack, "replay", "--error-code", "notfound")
    assert (moved["moved"], moved["heldBack"]) == (1, 0)

    def replayed_once():
        rows = cli_json(live_stack, "replay", "--error-code", "NotFound", "--dry-run")["events"]
        return rows if rows and rows[0]["replayCount"] == 1 else None

    (row,) = eventually(replayed_once)
    assert (row["eventId"], row["errorMessage"]) == (UNKNOWN_CUSTOMER_EVENT, "The requested resource was not found.")
    (result,) = cli_json(live_stack, "status", "--event-id", UNKNOWN_CUSTOMER_EVENT)
    assert result["attempts"] >= 1


def test_stack_name_works_as_on_aws(live_stack):
    assert cli_json(live_stack, "dlq", "--stack-name", "exchange-linker-local")["depth"] >= 7
    result = run_cli("dlq", "--stack-name", "exchange-linker-production", env=live_stack.cli_env)
    assert result.exit_code == 2
    assert "no stack named 'exchange-linker-production' in the local stack" in result.stderr


def test_ctrl_c_stops_everything_and_removes_the_env_file(live_stack):
    code, stdout, stderr = live_stack.stop()
    assert code == 0, stderr[-2000:]
    assert not live_stack.env_file.exists()
    summary = json.loads(stdout)  # --json: nothing else on stdout, the environment included
    assert summary["envFile"] == str(live_stack.env_file)
    assert summary["environment"]["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert summary["countsByStatus"] == {"CREATED": 12, "FAILED": 7}
    assert "Stopped" in stderr
    result = run_cli("dlq", env=live_stack.cli_env)  # a second terminal, afterwards
    assert result.exit_code == 2
    assert result.stderr.startswith("exchange-linker dlq: no dead-letter queue URL")
