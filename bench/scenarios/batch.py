"""1. Batch concurrency: one warm handle_batch() with a 100 ms Dwolla, concurrent vs sequential."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

from bench.context import Context
from bench.counters import AwsCallCounter, PeakInFlight
from bench.plot import batch_latency_plot
from bench.report import Check, Detail, ScenarioResult
from bench.stack import bench_stack, delete_messages, quiet_handler, sqs_event
from bench.wiring import counted_consumer, memory_results_consumer
from exchange_linker_tools.emulator import FaultPlan
from exchange_linker_tools.local_stack import LocalStack

CONCURRENT, SEQUENTIAL, NO_MOTO = "concurrent (10)", "sequential (1)", "concurrent (10), results in a dict"
MODES = {CONCURRENT: "10", SEQUENTIAL: "1", NO_MOTO: "10"}


Handle = Callable[[dict[str, Any]], Mapping[str, object]]


def _time_batch(stack: LocalStack, handle: Handle, size: int) -> tuple[float, int]:
    """Milliseconds for one handle_batch of `size` fresh records, and the peak of POSTs in flight."""
    event, messages = sqs_event(stack, size)
    with PeakInFlight(stack.emulator) as peak:
        started = time.perf_counter()
        response = handle(event)
        elapsed = (time.perf_counter() - started) * 1000
    delete_messages(stack, messages)
    if response.get("batchItemFailures"):
        raise RuntimeError(f"a warm happy-path batch reported failures: {response}")
    return elapsed, peak.peak


def run(context: Context) -> ScenarioResult:
    sizes = context.sizes
    latency_ms = sizes.batch_latency * 1000
    result = ScenarioResult("batch", "one warm batch, Dwolla answering each exchange POST after the latency")
    medians: dict[str, list[float]] = {}
    peaks: dict[str, int] = {}
    dynamodb: dict[str, AwsCallCounter] = {}
    with bench_stack(context.aws_endpoint, faults=FaultPlan(latency=sizes.batch_latency)) as stack, quiet_handler():
        consumers = {
            label: (memory_results_consumer if label == NO_MOTO else counted_consumer)(stack, DWOLLA_MAX_CONCURRENCY=n)
            for label, n in MODES.items()
        }
        for consumer, _ in consumers.values():  # warm: token, partners, clients and connections
            _time_batch(stack, consumer.handle_batch, max(sizes.batch_sizes))
        for _, counter in consumers.values():
            counter.latency_ms.clear()
        runs: dict[str, list[list[tuple[float, int]]]] = {label: [[] for _ in sizes.batch_sizes] for label in MODES}
        for index, size in enumerate(sizes.batch_sizes):
            for _ in range(sizes.batch_repeats):  # modes interleaved, so drift in the machine's load hits both
                for label, (consumer, _) in consumers.items():
                    runs[label][index].append(_time_batch(stack, consumer.handle_batch, size))
        for label, by_size in runs.items():
            medians[label] = [statistics.median(ms for ms, _ in points) for points in by_size]
            peaks[label] = max(peak for points in by_size for _, peak in points)
            dynamodb[label] = consumers[label][1]
    concurrent, sequential, no_moto = medians[CONCURRENT], medians[SEQUENTIAL], medians[NO_MOTO]
    biggest = sizes.batch_sizes[-1]
    round_trip = concurrent[0]  # one record: GetItem + POST (+latency) + UpdateItem
    plot = batch_latency_plot(
        context.results_dir / "batch_latency.png", list(sizes.batch_sizes), medians, round_trip, latency_ms
    )
    result.checks = [
        Check("one record's round trip (batch of 1)", f"{round_trip:.0f} ms", value=round_trip),
        Check(
            f"batch of {biggest}, concurrent / one round trip",
            f"{concurrent[-1]:.0f} ms = {concurrent[-1] / round_trip:.2f}x",
            "<= 1.5x",
            concurrent[-1] <= 1.5 * round_trip,
            concurrent[-1] / round_trip,
        ),
        Check(
            f"batch of {biggest}, concurrent / Dwolla latency",
            f"{concurrent[-1] / latency_ms:.2f}x of {latency_ms:.0f} ms",
            value=concurrent[-1] / latency_ms,
        ),
        Check(
            f"batch of {biggest}, concurrent / sequential",
            f"{concurrent[-1]:.0f} / {sequential[-1]:.0f} ms = {concurrent[-1] / sequential[-1]:.2f}x",
            value=concurrent[-1] / sequential[-1],
        ),
        Check(
            "exchange POSTs in flight at once (peak)",
            f"{peaks[CONCURRENT]} concurrent, {peaks[SEQUENTIAL]} sequential",
            f">= {biggest} concurrent",
            peaks[CONCURRENT] >= biggest,
            peaks[CONCURRENT],
        ),
        Check(
            f"batch of {biggest}, concurrent, results in a dict (no moto) / its batch of 1",
            f"{no_moto[-1]:.0f} / {no_moto[0]:.0f} ms = {no_moto[-1] / no_moto[0]:.2f}x "
            f"({no_moto[-1] / latency_ms:.2f}x of {latency_ms:.0f} ms)",
            value=no_moto[-1] / no_moto[0],
        ),
    ]
    result.details.append(
        Detail(
            f"batch latency, median of {sizes.batch_repeats} (ms), Dwolla answering after {latency_ms:.0f} ms",
            ["records", *medians],
            [
                [str(size), *(f"{medians[label][i]:.0f}" for label in medians)]
                for i, size in enumerate(sizes.batch_sizes)
            ],
        )
    )
    moto = {
        label: {op: statistics.median(ms) for op, ms in counter.latency_ms.items() if op.startswith("dynamodb")}
        for label, counter in dynamodb.items()
        if label != NO_MOTO
    }
    operations = sorted({op for ops in moto.values() for op in ops})
    result.details.append(
        Detail(
            "DynamoDB (moto) call latency seen by the consumer, median ms over the measured batches",
            ["mode", *operations],
            [[label, *(f"{ops.get(op, 0):.1f}" for op in operations)] for label, ops in moto.items()],
        )
    )
    result.data = {
        "batch_sizes": list(sizes.batch_sizes),
        "median_ms": medians,
        "round_trip_ms": round_trip,
        "dwolla_latency_ms": latency_ms,
        "peak_in_flight": peaks,
        "dynamodb_median_ms": moto,
        "plot": str(plot),
    }
    result.notes.append(f"plot: {plot}")
    return result
