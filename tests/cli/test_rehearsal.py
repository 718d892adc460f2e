"""The on-call loop of docs/runbook.md ("Rehearse a replay"), step by step against a live local stack.

start the stack → Dwolla refuses a customer's exchanges (InvalidScope) → publish 5 events → `dlq` shows
them with their reason → the fault is cleared → `replay --dry-run` → `replay` → `status` shows 5 CREATED,
and the emulator holds exactly 5 exchanges for that customer: none lost, none twice.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
import uuid
from typing import Any

import pytest

from tests.cli.conftest import EXE, REPO, LiveStack

pytestmark = pytest.mark.integration

CUSTOMER = "5b29279d-6359-4c87-a318-e09095532733"
EVENTS = [f"rehearsal-scope-{n}" for n in range(1, 6)]


def el(stack: LiveStack, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [str(EXE), *args],
        cwd=REPO,
        env=stack.shell_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == expect, f"exchange-linker {' '.join(args)}\n{completed.stderr}"
    return completed


def emulator_exchanges(stack: LiveStack) -> list[dict[str, Any]]:
    url = dwolla_url(stack)
    with urllib.request.urlopen(f"{url}/_emulator/exchanges", timeout=5) as answer:
        body = json.load(answer)
    exchanges = body["exchanges"] if isinstance(body, dict) else body
    return [exchange for exchange in exchanges if exchange.get("customerId") == CUSTOMER]


def dwolla_url(stack: LiveStack) -> str:
    for line in stack.env_file.read_text().splitlines():
        if line.startswith("export DWOLLA_API_URL="):
            return line.split("=", 1)[1].strip("'\"")
    raise AssertionError("the local stack's env file names no DWOLLA_API_URL")


def wait_for(stack: LiveStack, event_id: str) -> dict[str, Any]:
    (row,) = json.loads(el(stack, "status", "--event-id", event_id, "--wait", "30", "--json").stdout)
    return row


def test_rehearse_invalid_scope_then_replay(live_stack: LiveStack) -> None:
    stack = live_stack
    el(stack, "emulator", "fault", "--code", "InvalidScope", "--customer-id", CUSTOMER)
    for event_id in EVENTS:
        token = f"processor-sandbox-{uuid.uuid4()}"
        el(stack, "publish", "--partner", "Plaid", "--token", token, "--customer-id", CUSTOMER, "--event-id", event_id)
    assert {wait_for(stack, event_id)["errorCode"] for event_id in EVENTS} == {"InvalidScope"}

    inventory = json.loads(el(stack, "dlq", "--json").stdout)
    assert "InvalidScope" in json.dumps(inventory)
    listed = json.loads(el(stack, "replay", "--error-code", "invalidscope", "--dry-run", "--json").stdout)
    matched = [row for row in listed["events"] if row.get("eventId") in EVENTS]
    assert len(matched) == 5
    assert all(row.get("errorMessage") for row in matched), "the dry run shows each reason in words"
    assert emulator_exchanges(stack) == []

    el(stack, "emulator", "clear")
    moved = json.loads(el(stack, "replay", "--error-code", "InvalidScope", "--json").stdout)
    assert moved["moved"] >= 5

    deadline = time.monotonic() + 60
    while {wait_for(stack, event_id)["status"] for event_id in EVENTS} != {"CREATED"}:
        assert time.monotonic() < deadline, "the replayed events did not all end CREATED"
        time.sleep(0.5)
    exchanges = emulator_exchanges(stack)
    assert len(exchanges) == 5, exchanges
    assert len({exchange["id"] for exchange in exchanges}) == 5
    again = json.loads(el(stack, "replay", "--error-code", "InvalidScope", "--json").stdout)
    assert again["moved"] == 0
