"""7. The floor: the real handler beside the least a consumer of this design can do, in one run.

Two worker processes (bench/probes/batch_worker.py) on the same moto server and the same Dwolla emulator:
`handler` runs `app.lambda_handler` as Lambda would, `floor` does per record exactly one consistent
GetItem, the POST and one UpdateItem on 10 threads started once, with a warm token. Each gets fresh
Lambda-shaped batches in turn (ABBA order, so drift in the machine's load hits both), and each times its
batch itself, so the pipe and the JSON of the event do not count.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.context import Context
from bench.plot import floor_sweep_plot
from bench.report import Check, Detail, ScenarioResult, write_scenario_json
from bench.stack import bench_stack, fresh_bodies, synthetic_event
from bench.workers import BatchTiming, BatchWorker, function_environment
from exchange_linker_tools.emulator import FaultPlan
from exchange_linker_tools.local_stack import LocalStack

TARGET_RATIO = 1.25
WARM_BATCHES = 2  # the first builds the consumer (token, partners, clients); the second fills the pools
MODES = ("handler", "floor")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextmanager
def workers(stack: LocalStack, log_file: Path) -> Iterator[dict[str, BatchWorker]]:
    """Both workers; the handler's stdout (its logs and metrics) goes to `log_file`, to be measured."""
    environment = function_environment(stack.environment())
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_text("")
    with ExitStack() as started:
        yield {
            mode: started.enter_context(
                BatchWorker(mode, environment, log_file=str(log_file) if mode == "handler" else None)
            )
            for mode in MODES
        }


def interleaved(
    stack: LocalStack, pair: dict[str, BatchWorker], size: int, repeats: int
) -> dict[str, list[BatchTiming]]:
    """`repeats` fresh batches through each worker, ABBA, so neither always runs right after the other."""
    timings: dict[str, list[BatchTiming]] = {mode: [] for mode in pair}
    for index in range(repeats):
        order = list(pair) if index % 2 == 0 else list(reversed(pair))
        for mode in order:
            timing = pair[mode].handle(synthetic_event(stack, fresh_bodies(size)))
            if timing.failures:
                raise RuntimeError(f"the {mode} worker failed {timing.failures} records of a happy-path batch")
            timings[mode].append(timing)
    return timings


def summary(timings: list[BatchTiming], size: int) -> dict[str, Any]:
    return {
        "median_ms": median([t.ms for t in timings]),
        "min_ms": min(t.ms for t in timings),
        "max_ms": max(t.ms for t in timings),
        "cpu_ms": median([t.cpu_ms for t in timings]),
        "log_bytes_per_event": median([t.log_bytes for t in timings]) / size,
        "samples_ms": [round(t.ms, 1) for t in timings],
    }


def run(context: Context) -> ScenarioResult:
    sizes = context.sizes
    size, main_latency = sizes.floor_batch, sizes.batch_latency
    latencies = sorted({*sizes.floor_latencies, main_latency})
    result = ScenarioResult("floor", f"batch of {size}: the real handler vs the ideal minimal consumer")
    sweep: dict[float, dict[str, dict[str, Any]]] = {}
    log_file = context.results_dir / "floor_handler.log"
    with (
        bench_stack(context.aws_endpoint, faults=FaultPlan(latency=main_latency)) as stack,
        workers(stack, log_file) as pair,
    ):
        first = {mode: worker.handle(synthetic_event(stack, fresh_bodies(size))) for mode, worker in pair.items()}
        for _ in range(WARM_BATCHES - 1):
            interleaved(stack, pair, size, 1)
        for latency in latencies:
            stack.emulator.faults.latency = latency
            repeats = sizes.floor_repeats if latency == main_latency else sizes.floor_sweep_repeats
            timings = interleaved(stack, pair, size, repeats)
            sweep[latency] = {mode: summary(timings[mode], size) for mode in MODES}
    main = sweep[main_latency]
    handler, floor = main["handler"]["median_ms"], main["floor"]["median_ms"]
    ratio = handler / floor
    latency_ms = main_latency * 1000
    series = {mode: [sweep[latency][mode]["median_ms"] for latency in latencies] for mode in MODES}
    plot = floor_sweep_plot(
        context.results_dir / "floor_sweep.png", [latency * 1000 for latency in latencies], series, TARGET_RATIO, size
    )
    result.checks = [
        Check(
            f"batch of {size}, Dwolla {latency_ms:.0f} ms: handler / floor",
            f"{handler:.0f} / {floor:.0f} ms = {ratio:.2f}x (median of {sizes.floor_repeats} each)",
            f"<= {TARGET_RATIO}x",
            ratio <= TARGET_RATIO,
            ratio,
        ),
        Check(
            "CPU per batch in the worker process, handler / floor",
            f"{main['handler']['cpu_ms']:.1f} / {main['floor']['cpu_ms']:.1f} ms",
            value=main["handler"]["cpu_ms"],
        ),
        Check(
            "first batch of a fresh worker (consumer built, token, partners), handler / floor",
            f"{first['handler'].ms:.0f} / {first['floor'].ms:.0f} ms (the floor fetched its token before timing)",
            value=first["handler"].ms,
        ),
        Check(
            "handler log output per event (JSON logs + EMF metrics)",
            f"{main['handler']['log_bytes_per_event']:.0f} bytes",
            value=main["handler"]["log_bytes_per_event"],
        ),
    ]
    result.details.append(
        Detail(
            f"batch of {size}: handler vs floor by Dwolla latency, median ms "
            f"({sizes.floor_repeats} batches each at {latency_ms:.0f} ms, {sizes.floor_sweep_repeats} elsewhere)",
            ["Dwolla latency", "handler", "floor", "handler / floor", "handler CPU", "floor CPU"],
            [
                [
                    f"{latency * 1000:.0f} ms",
                    f"{sweep[latency]['handler']['median_ms']:.0f}",
                    f"{sweep[latency]['floor']['median_ms']:.0f}",
                    f"{sweep[latency]['handler']['median_ms'] / sweep[latency]['floor']['median_ms']:.2f}x",
                    f"{sweep[latency]['handler']['cpu_ms']:.1f}",
                    f"{sweep[latency]['floor']['cpu_ms']:.1f}",
                ]
                for latency in latencies
            ],
        )
    )
    result.notes.append(
        "method: two worker processes on the same moto server and Dwolla emulator, fresh Lambda-shaped batches "
        "in ABBA order, each batch timed inside its worker; the floor does one consistent GetItem, the POST "
        "and one UpdateItem (the handler's item) per record on 10 warm threads"
    )
    result.notes.append(f"plot: {plot}")
    sweep_json = context.results_dir / "floor_sweep.json"
    result.data = {
        "batch": size,
        "dwolla_latency_ms": latency_ms,
        "handler_ms": handler,
        "floor_ms": floor,
        "ratio": ratio,
        "repeats": sizes.floor_repeats,
        "sweep_repeats": sizes.floor_sweep_repeats,
        "first_batch_ms": {mode: timing.ms for mode, timing in first.items()},
        "log_bytes_per_event": main["handler"]["log_bytes_per_event"],
        "sweep": {f"{latency * 1000:.0f}": points for latency, points in sweep.items()},
        "plot": str(plot),
        "json": str(sweep_json),
    }
    write_scenario_json(sweep_json, result.data)
    return result
