"""The chaos run's outcome publisher: a process of its own, replaced if it dies, nothing left unannounced."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from exchange_linker_tools.chaos.driver import ChaosConfig, chaos_stack
from exchange_linker_tools.chaos.outbox import OutcomeRelay
from exchange_linker_tools.chaos.verify_messages import check_outcomes
from exchange_linker_tools.local_stack import LocalStack
from tests.chaos.test_last_receive import wait_for
from tests.conftest import link_event


def terminal(stack: LocalStack, event_ids: list[str]) -> bool:
    rows = [stack.result(event_id) for event_id in event_ids]
    return all(row is not None and row.get("status") in {"CREATED", "FAILED"} for row in rows)


def test_a_killed_publisher_is_replaced_and_every_outcome_announced(tmp_path: Path) -> None:
    config = ChaosConfig(seed=13, workers=1, run_dir=tmp_path)
    with chaos_stack(config) as (stack, proxy, fleet):
        relay = OutcomeRelay(stack, proxy, tmp_path)
        relay.start()
        fleet.start()
        try:
            first = [link_event(), link_event(token="invalid-token-x")]
            for event in first:
                stack.publish(event)
            wait_for(lambda: terminal(stack, [e["eventId"] for e in first]), 60, "the first events to end")
            publisher = relay.pid
            assert publisher is not None
            assert publisher != os.getpid()  # not a thread of the driver: its interpreter cannot starve it

            def announced(count: int) -> bool:
                relay.check()
                return len(relay.announced) >= count

            wait_for(lambda: announced(2), 60, "the first outcomes on the bus")
            os.kill(publisher, signal.SIGKILL)  # the publisher's container dies
            second = [link_event()]
            stack.publish(second[0])
            wait_for(lambda: terminal(stack, [second[0]["eventId"]]), 60, "the next event to end")
            wait_for(lambda: announced(3), 60, "a new publisher to announce it")
            assert relay.crashes == 1
            assert relay.pid != publisher
        finally:
            fleet.stop()
            relay.finish()
        count, missing = check_outcomes(stack.results(), relay.announced)
        assert missing == []
        assert count == 3
