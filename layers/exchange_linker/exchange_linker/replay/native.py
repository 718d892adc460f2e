"""SQS's own redrive (StartMessageMoveTask): everything, fast, server-side, with no filter and no dry run.

Started once, then followed through ListMessageMoveTasks until it ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
MAX_NATIVE_RATE = 500  # SQS's ceiling for MaxNumberOfMessagesPerSecond


@dataclass(frozen=True)
class MoveTask:
    task_handle: str | None
    status: str
    moved: int
    to_move: int | None  # known once SQS has started the task
    failure_reason: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def as_dict(self) -> dict[str, Any]:
        return {
            "taskHandle": self.task_handle,
            "status": self.status,
            "moved": self.moved,
            "toMove": self.to_move,
            "failureReason": self.failure_reason,
        }


class MessageMover(Protocol):
    def start(self, source_arn: str, destination_arn: str, max_per_second: int | None) -> str:
        """Start a move task; returns its handle."""
        ...

    def tasks(self, source_arn: str) -> Sequence[MoveTask]:
        """The most recent move tasks of the source queue, newest first."""
        ...


def native_rate(rate: float | None) -> int | None:
    """SQS takes a whole number of messages per second, 1 to 500."""
    if rate is None:
        return None
    if rate != int(rate) or not 1 <= rate <= MAX_NATIVE_RATE:
        raise ValueError(f"a native move needs a whole --rate between 1 and {MAX_NATIVE_RATE}")
    return int(rate)


def move_everything(
    mover: MessageMover,
    source_arn: str,
    destination_arn: str,
    *,
    rate: int | None = None,
    poll_seconds: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    on_progress: Callable[[MoveTask], None] | None = None,
) -> MoveTask:
    handle = mover.start(source_arn, destination_arn, rate)
    while True:
        task = _find(mover.tasks(source_arn), handle)
        if on_progress is not None:
            on_progress(task)
        if task.finished:
            return task
        sleep(poll_seconds)


def _find(tasks: Sequence[MoveTask], handle: str) -> MoveTask:
    for task in tasks:
        if task.task_handle == handle:
            return task
    # A finished task is listed without its handle: the newest one is ours (one task per queue at a time).
    if tasks:
        return tasks[0]
    return MoveTask(task_handle=handle, status="RUNNING", moved=0, to_move=None)
