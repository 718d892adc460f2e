"""6. Local pipeline throughput: `exchange-linker run`'s pipeline on N events, sampled by py-spy."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import profile
from bench.context import Context
from bench.report import Check, Detail, ScenarioResult
from bench.stack import REPO_ROOT


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def run_worker(events: int, scratch: Path, sample: bool) -> tuple[dict[str, Any], Path | None, str]:
    out, raw = scratch / "pipeline.json", scratch / "py-spy.raw"
    worker = [sys.executable, "-m", "bench.probes.pipeline_worker", str(events), str(out)]
    spy = py_spy() if sample else None
    command = (
        [spy, "record", "-f", "raw", "-r", "100", "--nonblocking", "-o", str(raw), "--", *worker] if spy else worker
    )
    completed = subprocess.run(
        command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False
    )
    if not out.exists():
        if spy is not None:  # py-spy may be refused ptrace: measure without it rather than not at all
            result, _, _ = run_worker(events, scratch, sample=False)
            return result, None, f"py-spy failed ({completed.stderr.strip()[-300:]}); ran unprofiled"
        raise RuntimeError(f"the pipeline worker failed: {completed.stderr[-2000:]}")
    note = "" if spy or not sample else "py-spy not found; ran unprofiled"
    return json.loads(out.read_text(encoding="utf-8")), raw if raw.exists() else None, note


def run(context: Context) -> ScenarioResult:
    sizes = context.sizes
    result = ScenarioResult("pipeline", "exchange-linker run: moto, emulator (no latency), poller, real handler")
    with tempfile.TemporaryDirectory() as scratch:
        measured, raw, note = run_worker(sizes.pipeline_events, Path(scratch), sizes.profile)
        samples = profile.load(raw) if raw is not None else []
        if raw is not None:
            shutil.copy(raw, context.results_dir / "pipeline.py-spy.raw")
    result.checks = [
        Check(
            f"throughput, {measured['events']} events",
            f"{measured['events_per_second']:.1f} events/s ({measured['elapsed_seconds']:.1f} s, "
            f"{measured['batches']} batches)",
            value=measured["events_per_second"],
        ),
        Check(
            "every event terminal and created",
            f"{measured['counts_by_status']}, {measured['exchanges_created']} exchanges at Dwolla",
            "all CREATED",
            measured["all_terminal"] and measured["exchanges_created"] == measured["events"],
            measured["exchanges_created"],
        ),
    ]
    if note:
        result.notes.append(note)
    if samples:
        total = sum(count for _, count in samples)
        groups = profile.by_subsystem(samples)
        result.details.append(
            Detail(
                f"where the time goes: py-spy samples by subsystem ({total} samples at 100 Hz, on-CPU threads)",
                ["subsystem", "samples", "share"],
                [[name, str(n), f"{100 * n / total:.1f}%"] for name, n in groups.most_common()],
            )
        )
        operations = profile.moto_operations(samples)
        result.details.append(
            Detail(
                "moto's share by the operation it was serving",
                ["moto handler", "samples", "share of all"],
                [[name, str(n), f"{100 * n / total:.1f}%"] for name, n in operations],
            )
        )
        top = profile.top_functions(samples)
        result.details.append(
            Detail(
                "top functions by self samples",
                ["function (file)", "samples", "share"],
                [[name, str(n), f"{100 * n / total:.1f}%"] for name, n in top],
            )
        )
        result.data["profile"] = {
            "samples": total,
            "by_subsystem": dict(groups),
            "moto_operations": operations,
            "top_functions": top,
        }
        result.notes.append(f"py-spy raw stacks: {context.results_dir / 'pipeline.py-spy.raw'}")
    result.data["run"] = measured
    result.notes.append(
        "events/s is measured while py-spy samples (--nonblocking: it never pauses the process)"
        if samples
        else "events/s measured without a profiler"
    )
    return result
