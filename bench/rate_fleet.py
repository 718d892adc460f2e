"""A fleet of Lambda containers draining one queue at once, as the event source mapping runs them.

Each container is a thread with its own consumer (`build_consumer`: its own token cache, partner cache,
thread pool and, once it lands, its own 429 limiter) and its own Lambda-faithful poller. The number of
threads is the mapping's `MaximumConcurrency`: Lambda never runs more invocations from the queue at once.
Visibility is left to the function (`retry_delay=None`), exactly as on Lambda, so a message the consumer
backs off really waits out its delay.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from bench.stack import fresh_bodies, quiet_handler
from exchange_linker_tools.emulator import EmulatorStats
from exchange_linker_tools.local_stack import LocalStack
from exchange_linker_tools.poller import BatchReport


@dataclass
class FleetTally:
    """What the pollers saw, summed over the fleet (updated under a lock)."""

    batches: int = 0
    records: int = 0
    failed_records: int = 0
    handler_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, report: BatchReport) -> None:
        with self.lock:
            self.batches += 1 if report.received else 0
            self.records += report.received
            self.failed_records += report.failed
            self.handler_errors += report.handler_errors


@dataclass(frozen=True)
class BacklogRun:
    events: int
    containers: int
    elapsed_seconds: float  # from the first poll until the last exchange was created (or the deadline)
    finished: bool  # every event got its exchange before the deadline (the queue may still hold some)
    stats: EmulatorStats
    tally: FleetTally
    timeline: list[tuple[float, int, int]]  # (seconds since start, exchanges created, 429s) once a second


def publish_backlog(stack: LocalStack, events: int) -> None:
    """`events` fresh happy-path events on the queue before any container starts: a backlog."""
    bodies = fresh_bodies(events)
    for start in range(0, events, 10):
        entries: Any = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])]
        stack.sqs.send_message_batch(QueueUrl=stack.resources.queue_url, Entries=entries)


def drain_backlog(stack: LocalStack, *, events: int, containers: int, deadline_seconds: float) -> BacklogRun:
    """Run `containers` pollers until the emulator has created `events` exchanges or the deadline passes."""
    stop = threading.Event()
    tally = FleetTally()
    emulator = stack.emulator

    def container() -> None:
        source = stack.event_source(stack.consumer().handle_batch, retry_delay=None)
        while not stop.is_set():
            report = source.poll_once()
            tally.add(report)
            if not report.received:
                stop.wait(0.2)  # an empty receive: Lambda's pollers long-poll; this one asks again shortly

    timeline: list[tuple[float, int, int]] = []
    with quiet_handler():
        threads = [threading.Thread(target=container, name=f"container-{i}") for i in range(containers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        finished = False
        while time.perf_counter() - started < deadline_seconds:
            try:
                emulator.wait_for_stats(lambda s: s.exchanges_created >= events, timeout=1.0)
                finished = True
                break
            except TimeoutError:
                stats = emulator.stats
                timeline.append((time.perf_counter() - started, stats.exchanges_created, stats.rate_limited))
        elapsed = time.perf_counter() - started
        # Keep the fleet polling until the queue is empty: a record that failed after its exchange was
        # created (a slow table write, say) comes back and must still end recorded.
        depth = stack.event_source(lambda event, context: None).depth
        while finished and depth() and time.perf_counter() - started < deadline_seconds:
            stop.wait(1.0)
        stop.set()
        for thread in threads:
            thread.join()
    return BacklogRun(events, containers, elapsed, finished, emulator.stats, tally, timeline)
