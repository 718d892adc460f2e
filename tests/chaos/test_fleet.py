"""The deadline watchdog: a worker whose invocation outlives the function's timeout is SIGKILLed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from exchange_linker_tools.chaos.config import ChaosConfig
from exchange_linker_tools.chaos.fleet import Fleet, WorkerProcess
from exchange_linker_tools.chaos.worker import in_flight


def sleeper(tmp_path: Path, number: int) -> WorkerProcess:
    out, err = tmp_path / f"{number}.out", tmp_path / f"{number}.err"
    files = [out.open("wb"), err.open("wb")]
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], stdout=files[0], stderr=files[1])
    return WorkerProcess(number, process, out, err, files, tmp_path / f"{number}.state")


class OneSlotFleet(Fleet):
    """The real Fleet, spawning sleepers instead of workers (no queue needed to time a deadline)."""

    def __init__(self, config: ChaosConfig, tmp_path: Path) -> None:
        super().__init__(config, {}, None)
        self._tmp_path = tmp_path
        self.spawned: list[WorkerProcess] = []

    def _spawn(self, slot: int) -> None:
        worker = sleeper(self._tmp_path, len(self.spawned))
        self.spawned.append(worker)
        self._slots[slot] = worker
        self._started.append(worker)


def test_an_invocation_past_the_timeout_is_killed_and_replaced(tmp_path: Path) -> None:
    fleet = OneSlotFleet(ChaosConfig(workers=1, run_dir=tmp_path, function_timeout=5.0), tmp_path)
    fleet.start()
    try:
        first = fleet.spawned[0]
        in_flight(first.state, time.time() - 1.0)  # within the timeout: left alone
        fleet.check()
        assert first.process.poll() is None
        assert fleet.deadline_kills == 0
        in_flight(first.state, time.time() - 6.0)  # past it: SIGKILL, as Lambda ends a timed-out invocation
        fleet.check()
        assert first.process.poll() == -9
        assert fleet.deadline_kills == 1
        assert fleet.kills == 0  # not one of the schedule's kills
        assert len(fleet.spawned) == 2
        assert fleet.spawned[1].process.poll() is None
        in_flight(fleet.spawned[1].state, None)  # idle between invocations: never overdue
        fleet.check()
        assert fleet.deadline_kills == 1
    finally:
        fleet.stop()
