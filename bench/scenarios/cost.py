"""8. What a million events cost in a month, and which memory size, measured the way Lambda Power Tuning does.

Power Tuning runs the function at each memory size and prices the measured durations. Lambda gives a
function CPU in proportion to its memory (one vCPU at 1,769 MB), which a laptop cannot reproduce
exactly: here the handler's worker process runs under a CFS CPU quota of that share of one core (a
cgroup, as container runtimes limit CPU), while moto and the Dwolla emulator run unrestricted, as
DynamoDB and Dwolla are not in the Lambda's CPU. Where no cgroup can be written, the duration is
modelled from the unrestricted run's CPU time instead, and the output says so. This machine's x86 cores
are not Lambda's Graviton ones, so the figures are estimates of the shape, not a bill.

Calls are counted, not assumed: a real build_consumer on a stack with the outcome bus on, its boto3
session counted (bench/counters.py). What no local run can show (SQS's idle polling, how often Lambda
recycles a container) is modelled in named constants below and marked so in the table.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench import cpu_quota, pricing
from bench.context import Context
from bench.cost_model import (
    EVENTS,
    STEADY_BATCH,
    Counted,
    cost_lines,
    fixed_lines,
    item_bytes,
    lambda_cost,
    memory_verdict,
    modelled_ms,
    share_of,
)
from bench.report import Check, Detail, ScenarioResult, write_scenario_json
from bench.scenarios.floor import MODES, interleaved, median, workers
from bench.stack import bench_stack, fresh_bodies, quiet_handler, synthetic_event
from bench.wiring import counted_consumer
from bench.workers import BatchTiming, BatchWorker
from exchange_linker_tools.emulator import FaultPlan
from exchange_linker_tools.local_stack import LocalStack
from exchange_linker_tools.template import function_properties, load_template

OUTCOME_BUS = "bench-outcomes"
COUNTED_BATCHES = 5


def count_calls(context: Context, size: int) -> Counted:
    """The real build_consumer on a stack with the outcome bus on: its calls per event, after a warm-up."""
    with (
        bench_stack(context.aws_endpoint, parameters={"OutcomeEventBusName": OUTCOME_BUS}) as stack,
        quiet_handler(),
    ):
        stack.session.client("events").create_event_bus(Name=OUTCOME_BUS)
        consumer, counter = counted_consumer(stack)
        consumer.handle_batch(synthetic_event(stack, fresh_bodies(size)))  # cold: secrets, token, partners
        counter.calls.clear()
        for _ in range(COUNTED_BATCHES):
            response = consumer.handle_batch(synthetic_event(stack, fresh_bodies(size)))
            if response.get("batchItemFailures"):
                raise RuntimeError(f"a warm happy-path batch reported failures: {response}")
        events = COUNTED_BATCHES * size
        items = stack.dynamodb.scan(TableName=stack.resources.table_name).get("Items", [])
    return Counted(
        per_event={key: n / events for key, n in counter.calls.items()},
        item_bytes=max((item_bytes(dict(item)) for item in items), default=0),
    )


@contextmanager
def quotas(pair: dict[str, BatchWorker]) -> Iterator[dict[str, cpu_quota.Quota] | None]:
    """A quota per worker, or None (and the table is modelled) when this machine will not let us set one."""
    if cpu_quota.available() is None:
        yield None
        return
    with ExitStack() as held:
        try:
            limits = {mode: held.enter_context(cpu_quota.quota(worker.pid)) for mode, worker in pair.items()}
        except OSError:  # a cgroup tree that looks writable but refuses (a container without delegation)
            limits = None
        yield limits


def power_tuning(
    context: Context, stack: LocalStack, size: int, memory_sizes: list[int], steady_mb: int
) -> tuple[str, dict[int, dict[str, Any]], float]:
    """Median batch duration of handler and floor at each memory size; and the handler's batch of one.

    Memory sizes take turns batch by batch (the quota changes between two batches), with one unrestricted
    batch per turn for the model, so drift in the machine's load hits every size alike.
    """
    repeats = context.sizes.cost_repeats
    free: dict[str, list[BatchTiming]] = {mode: [] for mode in MODES}  # unrestricted
    timings: dict[int, dict[str, list[BatchTiming]]] = {mb: {mode: [] for mode in MODES} for mb in memory_sizes}
    single: list[BatchTiming] = []
    with workers(stack, context.results_dir / "cost_handler.log") as pair, quotas(pair) as limits:
        interleaved(stack, pair, size, 2)  # warm: consumer built, token, partners, threads, connections
        method = cpu_quota.available() if limits is not None else None
        for _ in range(repeats):
            for memory_mb in [None, *memory_sizes] if limits is not None else [None]:
                for limit in (limits or {}).values():
                    limit.set(None if memory_mb is None else share_of(memory_mb))
                for mode, batch in interleaved(stack, pair, size, 1).items():
                    (free if memory_mb is None else timings[memory_mb])[mode] += batch
            if limits is not None:
                limits["handler"].set(share_of(steady_mb))
            single.append(pair["handler"].handle(synthetic_event(stack, fresh_bodies(STEADY_BATCH))))
    rows: dict[int, dict[str, Any]] = {}
    for memory_mb in memory_sizes:
        share = share_of(memory_mb)
        model = {mode: median([modelled_ms(t.ms, t.cpu_ms, share) for t in free[mode]]) for mode in MODES}
        measured = timings[memory_mb] if limits is not None else free
        rows[memory_mb] = {
            "cpu_share": share,
            "handler_ms": median([t.ms for t in timings[memory_mb]["handler"]]) if limits else model["handler"],
            "floor_ms": median([t.ms for t in timings[memory_mb]["floor"]]) if limits else model["floor"],
            "handler_model_ms": model["handler"],
            "floor_model_ms": model["floor"],
            "handler_cpu_ms": median([t.cpu_ms for t in measured["handler"]]),
            "peak_rss_mib": max(t.peak_rss_kb for t in measured["handler"]) / 1024,
            "log_bytes_per_event": median([t.log_bytes for t in measured["handler"]]) / size,
        }
    steady_share = share_of(steady_mb)
    steady_ms = median([t.ms if limits is not None else modelled_ms(t.ms, t.cpu_ms, steady_share) for t in single])
    if method:
        label = f"measured under a CPU quota ({method}, {cpu_quota.PERIOD_US // 1000} ms period)"
    else:
        label = "MODELLED: no writable cgroup here; duration = max(unrestricted wall time, CPU time / share)"
    return label, rows, steady_ms


def metric_names(log_file: Path) -> set[str]:
    """Distinct (metric, dimensions) in the EMF lines the handler wrote: CloudWatch bills each as a metric."""
    names: set[str] = set()
    for line in log_file.read_text(encoding="utf-8").splitlines():
        if '"CloudWatchMetrics"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for dimensions in directive["Dimensions"]:
                key = ",".join(f"{d}={document.get(d)}" for d in dimensions)
                names.update(f"{metric['Name']} ({key})" for metric in directive["Metrics"])
    return names


def run(context: Context) -> ScenarioResult:
    sizes = context.sizes
    size = sizes.floor_batch
    properties = function_properties(load_template(), "LinkCompletedFunction")
    memory_mb = int(properties["MemorySize"])
    memory_sizes = sorted({*sizes.cost_memory_sizes, memory_mb})
    latency_ms = sizes.batch_latency * 1000
    result = ScenarioResult("cost", "monthly cost of 1M events, and the memory size (Power Tuning style)")
    counted = count_calls(context, size)
    with bench_stack(context.aws_endpoint, faults=FaultPlan(latency=sizes.batch_latency)) as stack:
        method, rows, steady_ms = power_tuning(context, stack, size, memory_sizes, memory_mb)
    metrics = metric_names(context.results_dir / "cost_handler.log")
    chosen = rows[memory_mb]
    log_bytes = chosen["log_bytes_per_event"]
    burst = cost_lines(counted, chosen["handler_ms"], memory_mb, size, log_bytes)
    steady = cost_lines(counted, steady_ms, memory_mb, STEADY_BATCH, log_bytes)
    fixed = fixed_lines(len(metrics))
    with_bus = sum(cost for _, cost, _ in burst), sum(cost for _, cost, _ in steady)
    eventbridge = EVENTS * counted.per("events", {"PutEvents"}) * pricing.EVENTBRIDGE_PER_EVENT
    total_fixed = sum(cost for _, cost, _ in fixed)
    result.details.append(
        Detail(
            f"cost of {EVENTS:,} events in a month, USD, us-east-1 list prices (bench/pricing.py), free tiers "
            f"left out; Dwolla answering in {latency_ms:.0f} ms",
            ["line", f"batches of {size} (backlog)", f"batches of {STEADY_BATCH} (steady 0.4/s)", "how"],
            [
                [name, f"{cost:.4f}", f"{steady_cost:.4f}", how]
                for (name, cost, how), (_, steady_cost, _) in zip(burst, steady, strict=True)
            ]
            + [[f"per month: {name}", f"{cost:.4f}", f"{cost:.4f}", how] for name, cost, how in fixed]
            + [
                [
                    "total, outcome bus off (template default)",
                    f"{with_bus[0] - eventbridge + total_fixed:.2f}",
                    f"{with_bus[1] - eventbridge + total_fixed:.2f}",
                    "",
                ],
                ["total, outcome bus on", f"{with_bus[0] + total_fixed:.2f}", f"{with_bus[1] + total_fixed:.2f}", ""],
            ],
        )
    )
    table_rows = []
    for mb, row in rows.items():
        lambda_usd = lambda_cost(row["handler_ms"], mb, size)
        table_rows.append(
            [
                f"{mb}{' (template)' if mb == memory_mb else ''}",
                f"{row['cpu_share']:.3f}",
                f"{row['handler_ms']:.0f}",
                f"{row['handler_model_ms']:.0f}",
                f"{row['floor_ms']:.0f}",
                f"{row['handler_ms'] / row['floor_ms']:.2f}x",
                f"{math.ceil(row['handler_ms']) / 1000 * mb / 1024:.4f}",
                f"{lambda_usd:.3f}",
                f"{row['peak_rss_mib']:.0f} MiB",
            ]
        )
        row["lambda_usd_per_million"] = lambda_usd
    result.details.append(
        Detail(
            f"memory size, batch of {size}, Dwolla {latency_ms:.0f} ms, median of {sizes.cost_repeats}: {method}",
            [
                "MB",
                "vCPU share",
                "handler ms",
                "model ms",
                "floor ms",
                "handler / floor",
                "GB-s per batch",
                "Lambda $/1M",
                "RSS",
            ],
            table_rows,
        )
    )
    cheapest = min(rows, key=lambda mb: rows[mb]["lambda_usd_per_million"])
    result.checks = [
        Check(
            f"1M events/month, {memory_mb} MB, outcome bus off: batches of {size} / of {STEADY_BATCH}",
            f"${with_bus[0] - eventbridge + total_fixed:.2f} / ${with_bus[1] - eventbridge + total_fixed:.2f} "
            f"(of which ${total_fixed:.2f} fixed)",
            value=with_bus[1] - eventbridge + total_fixed,
        ),
        Check(
            f"Lambda at {memory_mb} MB: batch of {size} / of {STEADY_BATCH}",
            f"{chosen['handler_ms']:.0f} ms / {steady_ms:.0f} ms; "
            f"${lambda_cost(chosen['handler_ms'], memory_mb, size):.3f}"
            f" / ${lambda_cost(steady_ms, memory_mb, STEADY_BATCH):.3f} per 1M events",
            value=chosen["handler_ms"],
        ),
        Check(
            "cheapest memory size for Lambda (Power Tuning style)",
            f"{cheapest} MB (${rows[cheapest]['lambda_usd_per_million']:.3f}/1M); template: {memory_mb} MB "
            f"(${chosen['lambda_usd_per_million']:.3f}/1M, {chosen['handler_ms']:.0f} ms)",
            value=cheapest,
        ),
        Check(
            f"peak RSS at {memory_mb} MB",
            f"{chosen['peak_rss_mib']:.0f} MiB",
            f"< {memory_mb} MB",
            chosen["peak_rss_mib"] < memory_mb,
            chosen["peak_rss_mib"],
        ),
    ]
    result.notes.append(f"memory size against the template's: {memory_verdict(rows, memory_mb)}")
    result.notes.append(f"duration per memory size: {method}")
    result.notes.append(
        "model ms = max(wall time, CPU time / vCPU share) of the unrestricted batches taken in the same turns: "
        "a cross-check; on a loaded machine the quota cannot always be had, the model's CPU time still can"
    )
    result.notes.append(
        "counted: AWS calls of a real build_consumer (outcome bus on) per warm event: "
        + ", ".join(f"{key} {n:.2f}" for key, n in sorted(counted.per_event.items()))
    )
    result.notes.append(f"custom metrics seen: {', '.join(sorted(metrics))}")
    result.data = {
        "memory_mb": memory_mb,
        "method": method,
        "calls_per_event": counted.per_event,
        "item_bytes": counted.item_bytes,
        "memory_sizes": {str(mb): row for mb, row in rows.items()},
        "steady_batch_ms": steady_ms,
        "lines": {
            "batch": [list(line) for line in burst],
            "steady": [list(line) for line in steady],
            "fixed": [list(line) for line in fixed],
        },
        "total_usd": {
            "batch_bus_off": with_bus[0] - eventbridge + total_fixed,
            "steady_bus_off": with_bus[1] - eventbridge + total_fixed,
            "batch_bus_on": with_bus[0] + total_fixed,
            "steady_bus_on": with_bus[1] + total_fixed,
        },
        "json": str(context.results_dir / "cost.json"),
    }
    write_scenario_json(context.results_dir / "cost.json", result.data)
    return result
