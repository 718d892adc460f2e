"""The command line: which scenarios, at which sizes; prints the table and writes bench/results/."""

from __future__ import annotations

import argparse
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

from rich.console import Console

from bench.context import FULL, QUICK, Context, Sizes
from bench.machine import describe, load_average
from bench.report import ScenarioResult, render, write_json
from bench.scenarios import aws_calls, batch, cold_start, cost, floor, memory, pipeline, rate_limit, tokens
from bench.stack import moto_process

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SCENARIOS: dict[str, Callable[[Context], ScenarioResult]] = {
    "batch": batch.run,
    "floor": floor.run,
    "tokens": tokens.run,
    "aws-calls": aws_calls.run,
    "cold-start": cold_start.run,
    "memory": memory.run,
    "pipeline": pipeline.run,
    "cost": cost.run,
    "rate-limit": rate_limit.run,
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (a minute or two)")
    parser.add_argument("--only", action="append", choices=list(SCENARIOS), help="run this scenario (repeatable)")
    parser.add_argument("--pipeline-events", type=int, help="events for the pipeline scenario (default 10,000)")
    parser.add_argument("--memory-events", type=int, help="events for the memory scenario (default 10,000)")
    parser.add_argument(
        "--rate-limit-containers", type=int, help="concurrent containers for rate-limit (default 5: MaximumConcurrency)"
    )
    parser.add_argument("--no-profile", action="store_true", help="run the pipeline without py-spy")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed, not only on errors")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where results.json and plots go")
    return parser.parse_args(argv)


def sizes_from(args: argparse.Namespace) -> Sizes:
    sizes = QUICK if args.quick else FULL
    if args.pipeline_events:
        sizes = replace(sizes, pipeline_events=args.pipeline_events)
    if args.memory_events:
        sizes = replace(sizes, memory_events=args.memory_events, memory_step=max(1, args.memory_events // 10))
    if args.rate_limit_containers:
        sizes = replace(sizes, rate_limit_containers=args.rate_limit_containers)
    if args.no_profile:
        sizes = replace(sizes, profile=False)
    return sizes


def run_scenarios(names: list[str], sizes: Sizes, results_dir: Path, console: Console) -> list[ScenarioResult]:
    results: list[ScenarioResult] = []
    with moto_process() as endpoint:
        context = Context(sizes=sizes, aws_endpoint=endpoint, results_dir=results_dir)
        for name in names:
            console.print(f"[bold]running[/] {name} …")
            started = time.perf_counter()
            try:
                result = SCENARIOS[name](context)
            except Exception as error:  # one broken scenario must not hide the others' numbers
                console.print(traceback.format_exc(), markup=False)
                result = ScenarioResult(name, "failed", error=f"{type(error).__name__}: {error}")
            result.elapsed_seconds = time.perf_counter() - started
            console.print(f"  done in {result.elapsed_seconds:.1f} s")
            results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    console = Console()
    if not console.is_terminal:  # logs and pipes: wide enough for the tables, not 80 columns
        console = Console(width=150)
    sizes = sizes_from(args)
    names = args.only or list(SCENARIOS)
    machine = describe()
    results = run_scenarios(names, sizes, args.results_dir, console)
    machine["load average at end"] = load_average()
    render(console, machine, results)
    path = args.results_dir / "results.json"
    write_json(path, machine, {"quick": args.quick, "scenarios": names, "sizes": asdict(sizes)}, results)
    console.print(f"results: {path}")
    for result in results:
        if "plot" in result.data:
            console.print(f"plot: {result.data['plot']}")
    missed = any(check.passed is False for result in results for check in result.checks)
    errors = any(result.error is not None for result in results)
    return 1 if errors or (args.strict and missed) else 0
