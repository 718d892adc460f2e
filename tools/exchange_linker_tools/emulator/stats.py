"""Counters the tests and benchmarks read to prove what the client actually did."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

CounterName = Literal[
    "token_requests",
    "tokens_issued",
    "auth_failures",
    "partner_lookups",
    "exchange_posts",
    "exchanges_created",
    "idempotent_replays",
    "conflicts",
    "validation_errors",
    "rate_limited",
    "funding_sources_created",
    "exchange_reads",
]


@dataclass(frozen=True)
class EmulatorStats:
    """A point-in-time snapshot; later requests do not change it."""

    token_requests: int = 0  # every POST /token
    tokens_issued: int = 0  # successful POST /token
    auth_failures: int = 0  # 401 InvalidAccessToken / ExpiredAccessToken
    partner_lookups: int = 0  # GET /exchange-partners and GET /exchange-partners/{id}
    exchange_posts: int = 0  # authenticated exchange POSTs, whatever their outcome
    exchanges_created: int = 0
    idempotent_replays: int = 0
    conflicts: int = 0  # 409: same Idempotency-Key still in flight, or still locked after a 500-after-create
    validation_errors: int = 0  # 400 ValidationError / BadRequest on exchange POSTs
    funding_sources_created: int = 0
    exchange_reads: int = 0  # authorised GET /exchanges/{id} and both exchange lists (each page)
    rate_limited: int = 0  # 429s from the rate limit (injected and scripted 429s are counted with those)
    in_flight: int = 0  # gauge: exchange POSTs now between key claim and response
    hanging: int = 0  # gauge: requests now held by a hang
    faults_injected: Mapping[str, int] = field(default_factory=dict)  # by FaultKind value
    scripted_errors: Mapping[str, int] = field(default_factory=dict)  # by error code
    hung_requests: Mapping[str, int] = field(default_factory=dict)  # requests held by a hang, by endpoint
    fault_rule_hits: Mapping[str, int] = field(default_factory=dict)  # operator fault-rule answers, by code

    @property
    def total_faults(self) -> int:
        return sum(self.faults_injected.values())


class StatsRecorder:
    """Thread-safe counters behind ``EmulatorStats``; waiters are woken on every change."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._counts: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._scripted: Counter[str] = Counter()
        self._hung: Counter[str] = Counter()
        self._rule_hits: Counter[str] = Counter()
        self._in_flight = 0
        self._hanging = 0

    def incr(self, name: CounterName) -> None:
        with self._changed:
            self._counts[name] += 1
            self._changed.notify_all()

    def fault(self, kind: str) -> None:
        with self._changed:
            self._faults[kind] += 1
            self._changed.notify_all()

    def scripted(self, code: str) -> None:
        with self._changed:
            self._scripted[code] += 1
            self._changed.notify_all()

    def rule_hit(self, code: str) -> None:
        with self._changed:
            self._rule_hits[code] += 1
            self._changed.notify_all()

    @contextmanager
    def in_flight(self) -> Iterator[None]:
        with self._changed:
            self._in_flight += 1
            self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    @contextmanager
    def hanging(self, endpoint: str) -> Iterator[None]:
        with self._changed:
            self._hung[endpoint] += 1
            self._hanging += 1
            self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self._hanging -= 1
                self._changed.notify_all()

    def snapshot(self) -> EmulatorStats:
        with self._changed:
            return self._snapshot()

    def wait_until(self, predicate: Callable[[EmulatorStats], bool], timeout: float) -> EmulatorStats:
        """Block until the counters satisfy ``predicate``: lets tests synchronise without sleeping."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self._snapshot()), timeout):
                raise TimeoutError(f"emulator stats never matched within {timeout}s: {self._snapshot()}")
            return self._snapshot()

    def reset(self) -> None:
        with self._changed:
            self._counts.clear()
            self._faults.clear()
            self._scripted.clear()
            self._hung.clear()
            self._rule_hits.clear()
            self._changed.notify_all()

    def _snapshot(self) -> EmulatorStats:
        counts = self._counts
        return EmulatorStats(
            token_requests=counts["token_requests"],
            tokens_issued=counts["tokens_issued"],
            auth_failures=counts["auth_failures"],
            partner_lookups=counts["partner_lookups"],
            exchange_posts=counts["exchange_posts"],
            exchanges_created=counts["exchanges_created"],
            idempotent_replays=counts["idempotent_replays"],
            conflicts=counts["conflicts"],
            validation_errors=counts["validation_errors"],
            rate_limited=counts["rate_limited"],
            funding_sources_created=counts["funding_sources_created"],
            exchange_reads=counts["exchange_reads"],
            in_flight=self._in_flight,
            hanging=self._hanging,
            faults_injected=dict(self._faults),
            scripted_errors=dict(self._scripted),
            hung_requests=dict(self._hung),
            fault_rule_hits=dict(self._rule_hits),
        )
