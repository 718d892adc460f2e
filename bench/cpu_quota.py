"""A CPU quota on one process, the way a container runtime (and Lambda) limits CPU: a CFS bandwidth cgroup.

`quota(pid, share)` lets the process run `share` of one CPU per period, all its threads together (the
quota is per cgroup, and threads created later join it). It needs a writable cgroup hierarchy (root, a
cgroup v1 `cpu` controller or cgroup v2 with `cpu` delegated); `available()` says whether there is one.
Without it the benchmark models the effect instead, and says so.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

PERIOD_US = 100_000  # the kernel's default CFS period, as `docker run --cpus` uses
MIN_QUOTA_US = 1000  # the kernel refuses less
V1_ROOT = Path("/sys/fs/cgroup/cpu")
V2_ROOT = Path("/sys/fs/cgroup")


def _v1() -> bool:
    return (V1_ROOT / "cpu.cfs_quota_us").exists() and os.access(V1_ROOT, os.W_OK)


def _v2() -> bool:
    controllers = V2_ROOT / "cgroup.subtree_control"
    try:
        return "cpu" in controllers.read_text().split() and os.access(V2_ROOT, os.W_OK)
    except OSError:
        return False


def available() -> str | None:
    """'cgroup v1 cpu' or 'cgroup v2 cpu.max' when a quota can be set here, else None."""
    if _v1():
        return "cgroup v1 cpu"
    if _v2():
        return "cgroup v2 cpu.max"
    return None


class Quota:
    """One cgroup holding one process; `set(share)` changes its CPU share while it runs."""

    def __init__(self, pid: int) -> None:
        kind = available()
        if kind is None:
            raise RuntimeError("no writable cgroup cpu controller here")
        self._v1 = kind.startswith("cgroup v1")
        root = V1_ROOT if self._v1 else V2_ROOT
        self._root = root
        self.path = root / f"exchange-linker-bench-{uuid.uuid4().hex[:8]}"
        self.path.mkdir()
        try:
            if self._v1:
                (self.path / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (self.path / "cgroup.procs").write_text(str(pid))
        except OSError:
            self.remove()
            raise

    def set(self, share: float | None) -> int:
        """Allow `share` of one CPU (0 < share <= 1 here), or any amount (None); returns the quota in
        microseconds per period (-1: none)."""
        quota = -1 if share is None else max(MIN_QUOTA_US, round(PERIOD_US * share))
        if self._v1:
            (self.path / "cpu.cfs_quota_us").write_text(str(quota))
        else:
            (self.path / "cpu.max").write_text(f"{'max' if quota < 0 else quota} {PERIOD_US}")
        return quota

    def remove(self) -> None:
        """Hand any process still in it back to the root cgroup, then delete the cgroup."""
        with contextlib.suppress(OSError):
            for pid in (self.path / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError):  # it may exit meanwhile
                    (self._root / "cgroup.procs").write_text(pid)
            self.path.rmdir()


@contextlib.contextmanager
def quota(pid: int) -> Iterator[Quota]:
    limit = Quota(pid)
    try:
        yield limit
    finally:
        limit.remove()
