"""A worker's invocation knows the function's timeout, as on AWS: its time budget ends a hung call in time.

The consumer's deadline comes from `context.get_remaining_time_in_millis()` less DEADLINE_MARGIN_SECONDS.
A worker whose context counted down from another timeout than the one its watchdog enforces would never
reach that code: every hang would end in a SIGKILL, and the chaos run would not exercise the time budget.
"""

from __future__ import annotations

import json
from pathlib import Path

from exchange_linker_tools.chaos.driver import ChaosConfig, chaos_stack
from exchange_linker_tools.chaos.fleet import Fleet
from tests.chaos.test_last_receive import wait_for
from tests.conftest import link_event


def invocation_seconds(fleet: Fleet) -> list[float]:
    """How long each finished invocation took, from the workers' `invoked` markers."""
    seconds = []
    for worker in fleet.workers:
        for line in worker.err.read_text(errors="replace").splitlines():
            if line.startswith('{"chaos"') and json.loads(line)["chaos"] == "invoked":
                seconds.append(float(json.loads(line)["seconds"]))
    return seconds


def test_a_hung_post_ends_within_the_function_timeout_not_by_sigkill(tmp_path: Path) -> None:
    # The read timeout alone would wait 60 s: only the time budget can end the call before the watchdog.
    config = ChaosConfig(seed=12, workers=1, run_dir=tmp_path, function_timeout=6.0, read_timeout=60)
    with chaos_stack(config) as (stack, _, fleet):
        stack.emulator.hang("exchange-post", 60)
        event = link_event()
        stack.publish(event)
        fleet.start()

        def answered_or_killed() -> bool:
            fleet.check()  # the driver's watchdog: SIGKILL past the function's timeout
            return bool(fleet.deadline_kills or invocation_seconds(fleet))

        wait_for(answered_or_killed, 60, "the first invocation to answer or be killed")
        assert fleet.deadline_kills == 0, "the invocation ran into the function's timeout"
        (seconds,) = invocation_seconds(fleet)
        assert seconds < config.function_timeout
        row = stack.result(event["eventId"])  # the POST's outcome is unknown: recorded for the next attempt
        assert row is not None
        assert row["status"] == "RETRYING"
        stack.emulator.heal()
