"""A container dying on a message's last attempt: the case that once left a DLQ message without a reason.

The random chaos runs rarely hit it (four transient failures, then a death on the fifth), so it is staged
here on purpose. SQS's redrive is set one receive after the function's last attempt, so the next
container still gets the message and ends it itself: created, or dead-lettered with its reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exchange_linker_tools.chaos.driver import ChaosConfig, chaos_stack, dead_letters
from exchange_linker_tools.emulator import FaultPlan
from tests.conftest import link_event


def wait_for[T](condition: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll a condition on the system's state (no fixed sleep stands in for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_death_on_the_last_attempt_still_ends_with_a_reason(tmp_path: Path) -> None:
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
                # moto creates an item key-first, then applies the update: a read in between sees the key alone
                return row if row is not None and int(row.get("attempts", 0)) == count else None

            return check

        wait_for(attempts(last - 1), 60, f"receive {last - 1} to fail")
        emulator.faults = FaultPlan(latency=30.0)  # the last receive now hangs inside the POST ...
        emulator.wait_for_stats(lambda stats: stats.in_flight >= 1, timeout=15)
        fleet.kill(0)  # ... and its container dies there; a new one starts
        emulator.faults = FaultPlan()

        # SQS keeps one spare receive after the function's last attempt: a new container gets the message
        # once more and ends it itself, created or dead-lettered with its reason, never silently redriven.
        def settled() -> dict[str, Any] | None:
            row = stack.result(event_id)
            return row if row is not None and row.get("status") in {"CREATED", "FAILED"} else None

        final = wait_for(settled, 60, "the spare receive to end the event")
        letters = dead_letters(stack)
        if final["status"] == "CREATED":
            assert letters == []
            (exchange,) = emulator.exchanges  # the dead container's request and the retry share one key
            assert final["exchangeId"] == exchange.id
        else:
            (letter,) = letters
            assert letter.error_code == final["errorCode"]
            assert len(emulator.exchanges) <= 1
    assert fleet.kills == 1
