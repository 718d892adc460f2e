"""What every scenario gets: the sizes to run at, the shared moto endpoint, where to write files."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Sizes:
    batch_sizes: tuple[int, ...] = (1, 2, 5, 10)
    batch_repeats: int = 5
    batch_latency: float = 0.1  # the emulator's answer time for each exchange POST, seconds
    fleet_containers: int = 4
    fleet_events: int = 1000
    simulated_lifetimes: int = 3  # token lifetimes of fake time the simulated fleet run covers
    cold_start_repeats: int = 7
    memory_events: int = 10_000
    memory_step: int = 1000  # RSS is reported every this many events
    pipeline_events: int = 10_000
    profile: bool = True  # py-spy on the pipeline, -X importtime on the cold start
    warm_up: bool = True  # an unmeasured cold-start probe first, so the measured ones find a shared token
    floor_batch: int = 10  # records per batch for the handler-vs-floor comparison (the template's BatchSize)
    floor_repeats: int = 15  # batches of each at batch_latency, interleaved; the median is quoted
    floor_latencies: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4)  # the Dwolla-latency sweep, seconds
    floor_sweep_repeats: int = 7  # batches of each per sweep point
    cost_memory_sizes: tuple[int, ...] = (128, 256, 512, 1024)  # MB, the Power Tuning-style table
    cost_repeats: int = 9  # batches per memory size
    rate_limit_rps: float = 20.0  # the emulator's rate limit over the whole API, requests per second
    rate_limit_burst: float = 20.0  # its token bucket: requests allowed at once after a quiet spell
    rate_limit_events: int = 2000  # the backlog drained
    rate_limit_containers: int = 5  # concurrent pollers: the template's MaximumConcurrency default
    rate_limit_latency: float = 0.1  # the emulator's answer time for each exchange POST, seconds
    rate_limit_deadline_factor: float = 2.0  # stop after this many times the time the limit allows


FULL = Sizes()
QUICK = Sizes(
    batch_repeats=3,
    fleet_events=200,
    cold_start_repeats=3,
    memory_events=1000,
    memory_step=100,
    pipeline_events=500,
    floor_repeats=7,
    floor_sweep_repeats=3,
    cost_repeats=5,
    rate_limit_events=400,
)
TINY = Sizes(
    batch_sizes=(1, 2),
    batch_repeats=1,
    batch_latency=0.02,
    fleet_containers=2,
    fleet_events=20,
    cold_start_repeats=1,
    memory_events=20,
    memory_step=10,
    pipeline_events=20,
    profile=False,
    warm_up=False,
    floor_batch=2,
    floor_repeats=1,
    floor_latencies=(0.02,),
    floor_sweep_repeats=1,
    cost_memory_sizes=(1024,),
    cost_repeats=1,
    rate_limit_events=40,
    rate_limit_containers=2,
    rate_limit_latency=0.02,
)


@dataclass
class Context:
    sizes: Sizes
    aws_endpoint: str
    results_dir: Path
    memo: dict[str, Any] = field(default_factory=dict)

    def with_sizes(self, **changes: Any) -> Context:
        return replace(self, sizes=replace(self.sizes, **changes))
