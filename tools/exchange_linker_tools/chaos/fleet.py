"""The worker processes ("Lambda containers"): started, SIGKILLed and replaced, stopped; their environment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from exchange_linker_tools.chaos.config import ChaosConfig
from exchange_linker_tools.chaos.proxy import AwsFaultProxy
from exchange_linker_tools.local_stack import LocalStack

STOP_GRACE_SECONDS = 30.0
DEADLINE_MARGIN_SHARE = 1 / 3  # of the function's timeout, kept back to record outcomes (settings: 10 s of 30 s)


@dataclass
class WorkerProcess:
    number: int
    process: subprocess.Popen[bytes]
    out: Path
    err: Path
    files: list[IO[bytes]]
    state: Path  # the start of the invocation in flight (worker.in_flight), empty when idle

    def invoking_since(self) -> float | None:
        try:
            text = self.state.read_text().strip()
        except OSError:
            return None
        return float(text) if text else None

    def last_marker(self) -> str | None:
        for line in reversed(self.err.read_text(errors="replace").splitlines()):
            if line.startswith('{"chaos"'):
                return str(json.loads(line)["chaos"])
        return None


class Fleet:
    """The worker processes: started, killed (SIGKILL, as a container dies), replaced, stopped."""

    def __init__(self, config: ChaosConfig, environment: dict[str, str], resources: Any) -> None:
        self._config = config
        self._environment = environment
        self._resources = resources
        self._slots: list[WorkerProcess | None] = [None] * config.workers
        self._started: list[WorkerProcess] = []
        self.kills = 0
        self.kills_mid_batch = 0
        self.kills_during_cold_start = 0
        self.crashes = 0
        self.clock_file = config.run_dir / "clock-offset"  # seconds the workers' wall clock is ahead
        self.deadline_kills = 0  # invocations that outlived the function's timeout: SIGKILLed, as Lambda does

    def start(self) -> None:
        for slot in range(len(self._slots)):
            self._spawn(slot)

    def _spawn(self, slot: int) -> None:
        number = len(self._started)
        out = self._config.run_dir / f"worker-{number:03d}.out"
        err = self._config.run_dir / f"worker-{number:03d}.err"
        files: list[IO[bytes]] = [out.open("wb"), err.open("wb")]
        state = self._config.run_dir / f"worker-{number:03d}.state"
        state.write_text("")
        resources = self._resources
        process = subprocess.Popen(  # noqa: S603 - our own module, no shell
            [
                sys.executable,
                "-m",
                "exchange_linker_tools.chaos.worker",
                "--queue-url",
                resources.queue_url,
                "--queue-arn",
                resources.queue_arn,
                "--region",
                resources.region,
                "--batch-size",
                str(resources.batch_size),
                "--retry-delay",
                str(self._config.retry_delay),
                "--function-timeout",
                str(self._config.function_timeout),
                "--state-file",
                str(state),
                "--clock-file",
                str(self.clock_file),
                "--cool-down",
                str(self._config.cool_down),
                "--backoff",
                *(str(seconds) for seconds in self._config.backoff),
            ],
            env=self._environment,
            stdin=subprocess.DEVNULL,
            stdout=files[0],
            stderr=files[1],
        )
        worker = WorkerProcess(number, process, out, err, files, state)
        self._slots[slot] = worker
        self._started.append(worker)

    def kill(self, slot: int, *, scheduled: bool = True) -> None:
        """SIGKILL, as a container dies (`scheduled`: the schedule's kills, counted apart from deadline kills)."""
        worker = self._slots[slot]
        if worker is None or worker.process.poll() is not None:
            return
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait()
        self._close(worker)
        if not scheduled:
            self._spawn(slot)
            return
        self.kills += 1
        marker = worker.last_marker()
        self.kills_mid_batch += marker == "invoke"
        self.kills_during_cold_start += marker in {None, "starting"}
        self._spawn(slot)

    def check(self) -> None:
        """A worker that exited by itself crashed: count it (the report shows it) and replace it. One whose
        invocation outlived the function's timeout is SIGKILLed, as Lambda ends a timed-out invocation."""
        for slot, worker in enumerate(self._slots):
            if worker is not None and worker.process.poll() is not None:
                self._close(worker)
                self.crashes += 1
                self._spawn(slot)
            elif worker is not None and self._overdue(worker):
                self.deadline_kills += 1
                self.kill(slot, scheduled=False)

    def idle_since(self, moment: float) -> bool:
        """No worker is in an invocation that started before `moment` (wall time)."""
        for worker in self._slots:
            started = worker.invoking_since() if worker is not None and worker.process.poll() is None else None
            if started is not None and started < moment:
                return False
        return True

    def _overdue(self, worker: WorkerProcess) -> bool:
        started = worker.invoking_since()
        return started is not None and time.time() - started > self._config.function_timeout

    def stop(self) -> None:
        live = [worker for worker in self._slots if worker is not None and worker.process.poll() is None]
        for worker in live:
            worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for worker in live:
            try:
                worker.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
        for worker in self._started:
            self._close(worker)
        self._slots = [None] * len(self._slots)

    @staticmethod
    def _close(worker: WorkerProcess) -> None:
        for handle in worker.files:
            handle.close()

    @property
    def workers(self) -> list[WorkerProcess]:
        return list(self._started)


def worker_environment(stack: LocalStack, proxy: AwsFaultProxy, config: ChaosConfig) -> dict[str, str]:
    """The function's environment (as the template declares it) with DynamoDB and Secrets Manager behind the proxy."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "POWERTOOLS_", "DWOLLA_")) and name not in {"LOG_LEVEL"}
    }
    return {
        **inherited,
        **stack.environment(),
        "AWS_ENDPOINT_URL_DYNAMODB": proxy.url,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": proxy.url,
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
        "LOG_LEVEL": "DEBUG",
        "POWERTOOLS_DEV": "false",
        "DWOLLA_READ_TIMEOUT": str(config.read_timeout),
        # The time budget scaled with the function's timeout (production: 10 s kept back of 30 s).
        "DEADLINE_MARGIN_SECONDS": str(round(config.function_timeout * DEADLINE_MARGIN_SHARE, 2)),
        "PYTHONUNBUFFERED": "1",  # a SIGKILLed worker must not take unflushed log lines with it
    }
