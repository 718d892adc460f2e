"""4. Cold start: `import app` vs `import boto3, requests` in fresh interpreters, and the first invocation."""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.context import Context
from bench.report import Check, Detail, ScenarioResult
from bench.stack import REPO_ROOT, bench_stack, fresh_bodies, synthetic_event
from exchange_linker_tools.local_stack import LocalStack

FUNCTION_DIR = REPO_ROOT / "functions" / "link_completed"
PROBE = Path(__file__).resolve().parents[1] / "probes" / "cold_start_probe.py"


def probe(mode: str, environment: dict[str, str], events: Any = None, importtime: bool = False) -> dict[str, Any]:
    """One fresh interpreter; returns what the probe measured (plus `importtime` stderr when asked)."""
    with tempfile.TemporaryDirectory() as scratch:
        out, event_file = Path(scratch) / "result.json", Path(scratch) / "events.json"
        command = [sys.executable, *(["-X", "importtime"] if importtime else []), str(PROBE), mode, str(out)]
        if events is not None:
            event_file.write_text(json.dumps(events), encoding="utf-8")
            command.append(str(event_file))
        completed = subprocess.run(
            command,
            cwd=FUNCTION_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"cold-start probe ({mode}) failed: {completed.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        if importtime:
            result["importtime"] = completed.stderr
        return result


def top_imports(stderr: str, section: str, limit: int = 6) -> list[tuple[str, float]]:
    """Packages (dotless names) by cumulative import time (ms) in one marked section of -X importtime output.

    Cumulative times nest (boto3 includes the botocore it imports first), so they do not add up.
    """
    rows: list[tuple[str, float]] = []
    inside = section == "import"
    for line in stderr.splitlines():
        if line.startswith("bench-mark:"):
            inside = line.split(":", 1)[1].strip() == section
            continue
        if not inside or not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|", 2)
        if "." not in name.strip() and name.strip() not in {"app", "site"}:
            rows.append((name.strip(), int(cumulative) / 1000))
    return sorted(rows, key=lambda item: -item[1])[:limit]


def environment_for(stack: LocalStack) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "PYTHONPATH"))}
    return {**inherited, **stack.environment()}


def run(context: Context) -> ScenarioResult:
    result = ScenarioResult("cold-start", "fresh interpreters: the handler's import, then its first invocations")
    repeats = context.sizes.cold_start_repeats
    samples: dict[str, list[float]] = {"baseline": [], "import": [], "consumer": [], "first": [], "warm": []}
    with bench_stack(context.aws_endpoint) as stack:
        environment = environment_for(stack)
        if context.sizes.warm_up:  # the token is then shared: measured probes find it in the secret
            probe("app", environment, [synthetic_event(stack, fresh_bodies(1)) for _ in range(2)])
        for _ in range(repeats):
            samples["baseline"].append(probe("baseline", environment)["import_s"] * 1000)
            measured = probe("app", environment, [synthetic_event(stack, fresh_bodies(1)) for _ in range(2)])
            samples["import"].append(measured["import_s"] * 1000)
            samples["consumer"].append(measured["consumer_s"] * 1000)
            samples["first"].append(measured["first_invoke_s"] * 1000)
            samples["warm"].append(measured["warm_invoke_s"] * 1000)
        traced = probe("app", environment, importtime=True)["importtime"] if context.sizes.profile else ""
    median = {name: statistics.median(values) for name, values in samples.items()}
    ratio = median["import"] / median["baseline"]
    first_total = median["consumer"] + median["first"]
    result.checks = [
        Check(
            "import app / import boto3, requests",
            f"{median['import']:.0f} / {median['baseline']:.0f} ms = {ratio:.2f}",
            "<= 1.25",
            ratio <= 1.25,
            ratio,
        ),
        Check(
            "first invocation (lazy build + 1-record batch)",
            f"{first_total:.0f} ms = build {median['consumer']:.0f} + handler {median['first']:.0f}",
            value=first_total,
        ),
        Check(
            "import + build + first invocation / import boto3, requests",
            f"{median['import'] + first_total:.0f} / {median['baseline']:.0f} ms = "
            f"{(median['import'] + first_total) / median['baseline']:.2f}",
            value=(median["import"] + first_total) / median["baseline"],
        ),
        Check("warm invocation (1-record batch)", f"{median['warm']:.0f} ms", value=median["warm"]),
    ]
    imports = {section: top_imports(traced, section) for section in ("import", "consumer")}
    result.details.append(
        Detail(
            f"cold start, median of {repeats} fresh interpreters (ms)",
            ["step", "median", "min", "max"],
            [[name, f"{median[name]:.0f}", f"{min(v):.0f}", f"{max(v):.0f}"] for name, v in samples.items()],
        )
    )
    pairs = itertools.zip_longest(imports["import"], imports["consumer"], fillvalue=("", 0.0))
    result.details.append(
        Detail(
            "slowest package imports, cumulative, nested (-X importtime, one run)",
            ["during import app", "ms", "during app.consumer()", "ms"],
            [[a, f"{a_ms:.0f}", b, f"{b_ms:.0f}"] for (a, a_ms), (b, b_ms) in pairs],
        )
    )
    result.notes.append(
        "baseline = 'import boto3, requests'; each probe is a new interpreter started in functions/link_completed "
        "with the stack's environment; the first invocation reads the (already shared) token from Secrets Manager, "
        "looks up partners and opens connections"
    )
    result.data = {"samples_ms": samples, "median_ms": median, "top_imports_ms": imports}
    return result
