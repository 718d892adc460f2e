"""The seeded schedule: never calm at the start, hangs among the Dwolla faults, opening faults queued."""

from __future__ import annotations

import pytest

from exchange_linker_tools.chaos.schedule import HANG_ENDPOINTS, ScheduleSettings, build_schedule


@pytest.mark.parametrize("seed", range(40))
def test_the_first_phase_is_never_calm(seed: int) -> None:
    """A calm first phase met by slow cold starts made the small run 'accidentally calm' under load."""
    schedule = build_schedule(seed, ScheduleSettings(horizon=30))
    assert schedule.phases[0].label != "calm"
    assert schedule.opening  # queued for the first exchange POSTs, whenever they come


def test_hang_phases_hold_an_endpoint_some_past_the_function_timeout() -> None:
    hangs = [phase.hang for seed in range(10) for phase in build_schedule(seed, ScheduleSettings(horizon=300)).phases]
    held = [hang for hang in hangs if hang is not None]
    assert {endpoint for endpoint, _ in held} == set(HANG_ENDPOINTS)
    assert max(seconds for _, seconds in held) > 10.0


def test_slow_dynamodb_phases_hold_requests_past_the_consumers_read_timeout() -> None:
    slow = [p.slow_dynamodb for seed in range(10) for p in build_schedule(seed, ScheduleSettings(horizon=300)).phases]
    held = [seconds for seconds in slow if seconds is not None]
    assert held
    assert max(held) > 2.0  # the consumer's DynamoDB read timeout: its SDK retries while the first write lands
