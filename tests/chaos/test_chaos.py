"""The real pipeline under seeded chaos: killed containers, Dwolla and AWS faults, expired tokens, replays.

The small run is part of `make test`; `make chaos` runs the large one (CHAOS_EVENTS, default 3000;
CHAOS_PUBLISH_RATE, default 40/s, and CHAOS_PUBLISH_WINDOW, default 100: the consumer sets the pace;
Idempotency-Key expiry and same-id twins are on: CHAOS_KEY_EXPIRY=0 and CHAOS_CONFLICT_SHARE=0 turn
them off, CHAOS_CONFLICT_SHARE, default 0.02, sets the twins' share; CHAOS_FUNDING_SHARE, default 0.05,
the share of events that also ask for a funding source).
CHAOS_SEED picks the fault schedule and the traffic; a failing seed replays with the same schedule.
Worker logs and report.json stay in the test's tmp_path.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exchange_linker_tools.chaos import ChaosConfig, ChaosReport, format_report, run_chaos
from exchange_linker_tools.chaos.schedule import ScheduleSettings


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, "").strip() or default)


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, "").strip() or default)


def key_expiry() -> bool:
    """On unless CHAOS_KEY_EXPIRY=0: the consumer reconciles after Dwolla forgets a key."""
    return os.environ.get("CHAOS_KEY_EXPIRY", "").strip() != "0"


def assert_invariants(report: ChaosReport) -> None:
    verdict = report.verdict
    print(format_report(report))  # pytest shows it with -s, and always on failure
    assert report.settled, "the queue and the replays did not settle in time"
    assert verdict.lost == []  # 1. every event CREATED, or FAILED with its message in the DLQ
    assert verdict.duplicates == {}  # 2. at most one exchange per event ...
    assert verdict.created_mismatches == []  # ... exactly one per CREATED event, the table's
    assert verdict.orphan_exchanges == []
    assert verdict.unattributed_exchanges == []
    assert verdict.reasonless == []  # 3. every DLQ message has a reason
    assert verdict.leaks == []  # 4. no secret in any output
    assert verdict.unexpected == []  # every event ended where its content says it should
    assert verdict.unsettled == []
    assert verdict.attributes_lost == []  # 6. every sender attribute reached the DLQ as sent
    assert verdict.conflicts_missing == []  # 7. the losing version of an eventId is a ConflictingEvent
    assert verdict.outcomes_missing == []  # 8. every terminal result has an outcome event on the bus
    assert verdict.funding_problems == []  # 9. one funding source per CREATED event that asked, none for others
    assert verdict.outcomes_announced > 0
    assert sum(verdict.by_outcome.values()) == report.events
    # The checks looked at real data: logs were captured, and the scan finds credentials where they may be.
    assert report.leak_scan_control > 0
    assert report.worker_totals["received"] >= report.messages_published
    assert report.worker_totals.get("handler_errors", 0) == 0


def assert_chaotic(report: ChaosReport) -> None:
    """The run was not accidentally calm (the schedule's opening faults hit the first exchange POSTs)."""
    assert report.kills >= 1
    assert report.token_expiries >= 1
    assert len(report.dwolla_faults) >= 3
    assert report.traffic_kinds["with_10_attributes"] > 0
    assert report.traffic_kinds["at_256_KiB_failed"] > 0
    assert report.verdict.attributes_kept > 0
    if report.traffic_kinds["asking_for_a_funding_source"]:
        assert report.verdict.funding_sources_made > 0


@pytest.mark.timeout(150)
def test_small_chaos_run(tmp_path: Path) -> None:
    """About 40 s on 2 cores: faults for at most 25 s (publishing takes ~16 s), then settling; key expiry and
    twins on, as in the large run."""
    config = ChaosConfig(
        seed=env_int("CHAOS_SEED", 1),
        events=env_int("CHAOS_SMALL_EVENTS", 150),
        workers=env_int("CHAOS_WORKERS", 2),
        run_dir=tmp_path,
        chaos_seconds=25,
        settle_seconds=60,
        key_expiry=key_expiry(),
        conflict_share=env_float("CHAOS_CONFLICT_SHARE", 0.02),
        funding_share=env_float("CHAOS_FUNDING_SHARE", 0.05),
    )
    report = run_chaos(config)
    assert_invariants(report)
    assert_chaotic(report)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_large_chaos_run(tmp_path: Path) -> None:
    events = env_int("CHAOS_EVENTS", 3000)
    workers = env_int("CHAOS_WORKERS", 2)
    chaos_seconds = max(600, events / 6)  # 10,000 events take ~15 min at ~11/s; faults stop then whatever happens
    config = ChaosConfig(
        # Faster than two workers drain the queue under faults (~11 events/s on a shared 2-core machine):
        # the window, not the rate, sets the pace, so no run waits on its publisher.
        publish_rate=float(os.environ.get("CHAOS_PUBLISH_RATE", "").strip() or 40.0),
        publish_window=env_int("CHAOS_PUBLISH_WINDOW", 100),
        seed=env_int("CHAOS_SEED", 7),
        events=events,
        workers=workers,
        run_dir=Path(os.environ["CHAOS_RUN_DIR"]) if os.environ.get("CHAOS_RUN_DIR") else tmp_path,
        visibility_timeout=20,  # kills are rarer here, so a longer margin over slow batches costs little
        chaos_seconds=chaos_seconds,
        settle_seconds=360,
        schedule=ScheduleSettings(
            horizon=chaos_seconds, kill_every=(8.0, 20.0), replay_every=(20.0, 40.0), workers=workers
        ),
        # Fewer permanent failures than the small run: every replay scans the whole DLQ, and moto's
        # receive is quadratic in a queue's length (~130 messages stay cheap, ~300 do not).
        # At 10,000 events the DLQ would keep ~400 messages: cap the permanent ones near 160.
        permanent_share=min(0.025, 100 / events),
        invalid_share=min(0.01, 40 / events),
        garbage_share=min(0.005, 20 / events),
        oversized_share=0.002,  # each 256 KiB body goes through moto's list-scanning queue: a few suffice
        key_expiry=key_expiry(),  # the consumer reconciles after Dwolla forgot a key (issue 11)
        conflict_share=env_float("CHAOS_CONFLICT_SHARE", 0.02),  # the losers dead-lettered ConflictingEvent
        funding_share=env_float("CHAOS_FUNDING_SHARE", 0.05),  # issue 14: one funding source each, never two
    )
    report = run_chaos(config)
    assert_invariants(report)
    assert_chaotic(report)
    assert report.aws_faults, "no AWS fault was injected"
    assert report.dwolla["idempotent_replays"] > 0  # retries after unknown outcomes were de-duplicated
    assert set(report.dwolla_faults) >= {"server_error", "unavailable", "rate_limit", "timeout_after_create"}
    assert report.hangs, "no Dwolla endpoint was hung"
    assert any(name.startswith("events:") for name in report.aws_faults), "PutEvents never failed"
