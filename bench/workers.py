"""A batch worker (bench/probes/batch_worker.py) seen from the benchmark: send it an event, read its timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from bench.stack import REPO_ROOT


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


class BatchWorker:
    """`python -m bench.probes.batch_worker MODE` in a child process; `pid` is the worker's own."""

    def __init__(self, mode: str, environment: dict[str, str], *, log_file: str | None = None) -> None:
        self.mode = mode
        if log_file is not None:
            environment = {**environment, "BENCH_LOG_FILE": log_file}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.probes.batch_worker", mode],
            cwd=REPO_ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.pid: int = self._read()["ready"]

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.mode} batch worker died (exit {self._process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def handle(self, event: dict[str, Any]) -> BatchTiming:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(event) + "\n")
        self._process.stdin.flush()
        return BatchTiming(**self._read())

    def close(self) -> None:
        if self._process.stdin is not None and not self._process.stdin.closed:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> BatchWorker:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
