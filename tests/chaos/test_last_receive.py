"""A container dying on a message's last allowed receive: the one way a DLQ message arrives without a reason.

The random chaos runs rarely hit this (it needs four transient failures, then a death on the fifth), so
it is staged here on purpose: SQS's own redrive moves the message, the reason survives only in the
table, and a replay (which reads it from there) still gets the event through, with one exchange.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from exchange_linker_tools.chaos.driver import ChaosConfig, chaos_stack, dead_letters, replay_transient
from exchange_linker_tools.emulator import FaultPlan
from tests.conftest import link_event

T = TypeVar("T")


def wait_for(condition: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll a condition on the system's state (no fixed sleep stands in for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_death_on_the_last_receive_leaves_the_reason_only_in_the_table(tmp_path: Path) -> None:
    config = ChaosConfig(seed=11, workers=1, run_dir=tmp_path, retry_delay=2, visibility_timeout=3, read_timeout=10)
    with chaos_stack(config) as (stack, _, fleet):
        emulator = stack.emulator
        last = stack.resources.max_receive_count
        event = link_event()
        event_id = event["eventId"]
        emulator.faults = FaultPlan(server_error_rate=1.0)
        stack.publish(event)
        fleet.start()

        def attempts(count: int) -> Callable[[], dict[str, Any] | None]:
            def check() -> dict[str, Any] | None:
                row = stack.result(event_id)
                return row if row is not None and int(row["attempts"]) == count else None

            return check

        wait_for(attempts(last - 1), 60, f"receive {last - 1} to fail")
        emulator.faults = FaultPlan(latency=30.0)  # the last receive now hangs inside the POST ...
        emulator.wait_for_stats(lambda stats: stats.in_flight >= 1, timeout=15)
        fleet.kill(0)  # ... and its container dies there; a new one starts
        emulator.faults = FaultPlan()

        (letter,) = wait_for(lambda: dead_letters(stack), 30, "SQS to redrive the message")
        assert "errorCode" not in letter.attributes  # moved by SQS: no reason attached
        row = stack.result(event_id)
        assert row is not None
        assert (row["status"], row["errorCode"], int(row["attempts"])) == ("RETRYING", "ServerError", last - 1)

        replayed = replay_transient(stack, time.monotonic())  # the replay finds the reason in the table
        assert (replayed.moved, replayed.reason_from) == (1, {"results": 1})
        wait_for(lambda: (stack.result(event_id) or {}).get("status") == "CREATED", 30, "the replay to succeed")
        (exchange,) = emulator.exchanges  # created by the request the dead container left behind, once
        final = stack.result(event_id)
        assert final is not None
        assert final["exchangeId"] == exchange.id
    assert fleet.kills == 1
