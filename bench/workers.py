"""A batch worker (bench/probes/batch_worker.py) seen from the benchmark: send it an event, read its timing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from bench.child import JsonLinesChild


@dataclass(frozen=True)
class BatchTiming:
    ms: float  # wall time of the batch inside the worker
    cpu_ms: float  # CPU time the worker process spent on it (all its threads)
    failures: int
    log_bytes: int  # what the handler wrote to stdout (CloudWatch Logs on Lambda)
    peak_rss_kb: int = 0  # VmHWM of the worker so far


def function_environment(stack_environment: dict[str, str]) -> dict[str, str]:
    """This process's environment without its POWERTOOLS_* variables, plus the stack's (the template's)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")}
    return {**inherited, **stack_environment}


class BatchWorker(JsonLinesChild):
    """`python -m bench.probes.batch_worker MODE` in a child process; `pid` is the worker's own."""

    def __init__(self, mode: str, environment: dict[str, str], *, log_file: str | None = None) -> None:
        self.mode = mode
        if log_file is not None:
            environment = {**environment, "BENCH_LOG_FILE": log_file}
        super().__init__(f"{mode} batch worker", "bench.probes.batch_worker", mode, environment=environment)
        self.pid: int = self.read()["ready"]

    def handle(self, event: dict[str, Any]) -> BatchTiming:
        return BatchTiming(**self.ask(event))
