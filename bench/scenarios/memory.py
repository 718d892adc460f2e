"""5. Memory: peak RSS of a process that holds only the handler, processing many events through one container.

moto runs in its own process and the emulator in this one, so the worker's RSS is the handler's own.
"""

from __future__ import annotations

import os
from typing import Any

from bench.child import JsonLinesChild
from bench.context import Context
from bench.report import Check, Detail, ScenarioResult
from bench.stack import bench_stack, fresh_bodies, synthetic_event

LIMIT_MIB = 128
GROWTH_ALLOWANCE_MIB = 2.0  # allocator noise between two samples of a steady process


def mib(kb: int) -> float:
    return kb / 1024


class Worker(JsonLinesChild):
    """bench/probes/memory_worker.py: says its RSS once started and once the handler is imported."""

    def __init__(self, environment: dict[str, str]) -> None:
        super().__init__("memory worker", "bench.probes.memory_worker", environment=environment)
        self.started = self.read()
        self.imported = self.read()

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.ask(event)


def run(context: Context) -> ScenarioResult:
    sizes = context.sizes
    result = ScenarioResult("memory", "RSS of a process holding only the handler, one container")
    samples: list[tuple[int, float]] = []  # (events so far, RSS MiB)
    failures = 0
    with bench_stack(context.aws_endpoint) as stack:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")}
        worker = Worker({**environment, **stack.environment()})
        try:
            done = 0
            while done < sizes.memory_events:
                count = min(10, sizes.memory_events - done)
                answer = worker.handle(synthetic_event(stack, fresh_bodies(count)))
                failures += answer["failures"]
                done += count
                if done % sizes.memory_step == 0 or done == sizes.memory_events:
                    samples.append((done, mib(answer["VmRSS"])))
            peak = mib(answer["VmHWM"])
        finally:
            worker.close()
        created = stack.emulator.stats.exchanges_created
    first, last = samples[0][1], samples[-1][1]
    result.checks = [
        Check(
            f"peak RSS (VmHWM), {sizes.memory_events} events",
            f"{peak:.1f} MiB (after import: {mib(worker.imported['VmRSS']):.1f} MiB)",
            f"< {LIMIT_MIB} MiB",
            peak < LIMIT_MIB,
            peak,
        ),
        Check(
            f"RSS growth, first {sizes.memory_step} to last event",
            f"{last - first:+.1f} MiB ({first:.1f} -> {last:.1f})",
            f"<= {GROWTH_ALLOWANCE_MIB:.0f} MiB (none)",
            last - first <= GROWTH_ALLOWANCE_MIB,
            last - first,
        ),
        Check(
            "events processed",
            f"{created} exchanges, {failures} reported failures",
            "all created",
            created == sizes.memory_events and failures == 0,
            created,
        ),
    ]
    result.details.append(
        Detail(
            f"RSS of the handler process every {sizes.memory_step} events (MiB)",
            ["events", "RSS"],
            [["0 (imported)", f"{mib(worker.imported['VmRSS']):.1f}"]]
            + [[str(events), f"{rss:.1f}"] for events, rss in samples],
        )
    )
    result.notes.append(
        "method: the real lambda_handler in a subprocess fed Lambda events over a pipe (RSS from /proc/self/status);"
        " moto runs in another process and the emulator in the parent, so the RSS is the handler's alone"
    )
    result.data = {"rss_mib": samples, "peak_mib": peak, "imported_mib": mib(worker.imported["VmRSS"])}
    return result
