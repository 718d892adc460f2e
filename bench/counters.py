"""What the scenarios count: AWS calls (botocore events, no patching), a fake clock, Dwolla's in-flight peak."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3

    from exchange_linker_tools.emulator import DwollaEmulator, EmulatorStats

DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
DYNAMODB_READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}


class AwsCallCounter:
    """Counts every API call a boto3 session's clients make, by `service.Operation`, and times them.

    Register before the session creates its clients: each client copies the session's event emitter.
    """

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.secret_reads: Counter[str] = Counter()  # GetSecretValue by SecretId
        self.latency_ms: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()
        self._started = threading.local()

    def attach(self, session: boto3.session.Session) -> AwsCallCounter:
        session.events.register("before-parameter-build", self._before)
        session.events.register("after-call", self._after)
        return self

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        key = f"{model.service_model.service_name}.{model.name}"
        with self._lock:
            self.calls[key] += 1
            if model.name == "GetSecretValue":
                self.secret_reads[str(params.get("SecretId"))] += 1
        self._started.at = time.perf_counter()

    def _after(self, model: Any, **_: Any) -> None:
        started = getattr(self._started, "at", None)
        if started is not None:
            with self._lock:
                self.latency_ms[f"{model.service_model.service_name}.{model.name}"].append(
                    (time.perf_counter() - started) * 1000
                )

    def count(self, service: str, operations: set[str] | None = None) -> int:
        return sum(
            n
            for key, n in self.calls.items()
            if key.split(".")[0] == service and (operations is None or key.split(".")[1] in operations)
        )


class PeakInFlight:
    """The most exchange POSTs the emulator held at once while the block ran (its `in_flight` gauge)."""

    def __init__(self, emulator: DwollaEmulator) -> None:
        self._emulator = emulator
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="bench-in-flight", daemon=True)
        self.peak = 0

    def _observe(self, stats: EmulatorStats) -> bool:
        self.peak = max(self.peak, stats.in_flight)
        return self._stop.is_set()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                self._emulator.wait_for_stats(self._observe, timeout=0.05)
            except TimeoutError:
                continue

    def __enter__(self) -> PeakInFlight:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
