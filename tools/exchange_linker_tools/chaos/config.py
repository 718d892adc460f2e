"""A chaos run's settings and its report (what happened, and the verdict)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from exchange_linker_tools.chaos.schedule import ScheduleSettings
from exchange_linker_tools.chaos.verify import Verdict


@dataclass
class ChaosConfig:
    seed: int = 1
    events: int = 150
    workers: int = 2
    run_dir: Path = field(default_factory=lambda: Path("chaos-run"))
    publish_rate: float = 10.0  # messages per second
    # The queue never holds more (visible, in flight, or delayed by a retry's back-off): moto scans it on
    # every receive and delete, and a window the back-off fills keeps the workers idle.
    publish_window: int = 50
    permanent_share: float = 0.06  # events Dwolla refuses for good (scripted credentials, unknown customer)
    invalid_share: float = 0.03  # contract violations with a usable eventId
    garbage_share: float = 0.01  # bodies that are not events at all
    attribute_share: float = 0.05  # events sent with sender attributes (half of them 10, SQS's maximum)
    # Dwolla forgets its Idempotency-Keys as the clocks move a day (chaos.keys): only for a consumer that
    # reconciles after 24 h with an injectable clock (bootstrap.build_consumer(now=...)); a blind re-POST
    # after a forgotten key is a second exchange by design.
    key_expiry: bool = False
    conflict_share: float = 0.0  # CREATED events also published with another credential under the same eventId
    funding_share: float = 0.0  # valid events that also ask for a funding source from their exchange (issue 14)
    oversized_share: float = 0.01  # of the CREATED and of the FAILED events: padded to exactly 256 KiB
    retry_delay: int = 1
    visibility_timeout: int = 12  # above the longest batch seen under AWS throttling (~10 s)
    read_timeout: float = 0.5
    function_timeout: float = 10.0  # the function's Timeout, scaled: an invocation past it is SIGKILLed
    cool_down: float = 2.0
    backoff: tuple[float, float, float] = (1.0, 2.0, 8.0)  # backoff.py's first retry, 429 penalty, maximum
    chaos_seconds: float = 900.0  # faults stop after this even if the traffic has not drained
    settle_seconds: float = 120.0
    settle_rounds: int = 8
    aws_endpoint: str | None = None  # default: a moto server process of the run's own
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)


@dataclass
class ReplayRound:
    at: float
    scanned: int
    moved: int
    by_code: dict[str, int]
    reason_from: dict[str, int]


@dataclass
class ChaosReport:
    seed: int
    events: int
    duplicates_published: int
    messages_published: int
    workers: int
    elapsed_seconds: float
    chaos_seconds: float
    settle_seconds: float
    settled: bool
    phases: dict[str, int]
    dwolla_faults: dict[str, int]
    dwolla: dict[str, int]
    aws_faults: dict[str, int]
    kills: int
    kills_mid_batch: int
    kills_during_cold_start: int
    deadline_kills: int
    hangs: dict[str, int]
    refused_write_phases: int
    outcome_events: dict[str, int]
    traffic_kinds: dict[str, int]  # events with sender attributes, with 10 of them, at the 256 KiB limit
    token_expiries: int
    key_expiries: dict[str, int]  # days passed (clocks moved), Idempotency-Keys Dwolla forgot
    skipped_actions: int
    worker_crashes: int
    worker_totals: dict[str, int]
    max_batch_seconds: float
    replays: list[ReplayRound]
    issued_tokens: int
    leak_scan_control: int  # DLQ bodies in which the scan found the marker (bodies may hold credentials)
    verdict: Verdict
    run_dir: str

    @property
    def replayed_messages(self) -> int:
        return sum(round_.moved for round_ in self.replays)

    @property
    def replayed_redriven(self) -> int:
        """Replayed messages SQS's own redrive had moved (no reason attribute; the table gave the reason)."""
        return sum(round_.reason_from.get("results", 0) for round_ in self.replays)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdict"] = {**asdict(self.verdict), "ok": self.verdict.ok}
        data["replayedMessages"] = self.replayed_messages
        data["replayedRedriven"] = self.replayed_redriven
        return data
