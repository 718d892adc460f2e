"""Everything one emulator instance remembers, shared by the request threads."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from exchange_linker_tools.emulator.clock import Clock, utc_timestamp
from exchange_linker_tools.emulator.fault_rules import FaultRules
from exchange_linker_tools.emulator.faults import FaultKind, FaultPlan
from exchange_linker_tools.emulator.funding_sources import FundingSourceStore
from exchange_linker_tools.emulator.hangs import Hangs
from exchange_linker_tools.emulator.idempotency import IdempotencyStore
from exchange_linker_tools.emulator.models import (
    EXCHANGE_STATUSES,
    CreatedExchange,
    Partner,
    fingerprint,
    new_partners,
)
from exchange_linker_tools.emulator.rate_limit import TokenBucket
from exchange_linker_tools.emulator.stats import StatsRecorder
from exchange_linker_tools.emulator.tokens import TokenStore
from exchange_linker_tools.emulator.validation import ExchangeBody


@dataclass(frozen=True)
class Credentials:
    key: str
    secret: str


class EmulatorState:
    """Stores plus the run-time switches (faults, scope); each store guards itself with its own lock."""

    def __init__(
        self, *, credentials: Credentials, token_lifetime: int, faults: FaultPlan, seed: int | None, clock: Clock
    ) -> None:
        self.credentials = credentials
        self.tokens = TokenStore(token_lifetime, clock)
        self.idempotency = IdempotencyStore(clock)
        self.rate_limit = TokenBucket(clock)
        self.wall_offset = timedelta(0)  # advance_wall_clock: "a day passed" for exchanges' `created`
        self.hangs = Hangs()
        self.fault_rules = FaultRules()
        self.funding_sources = FundingSourceStore()
        self.stats = StatsRecorder()
        self.partners: tuple[Partner, ...] = new_partners()
        self._faults = faults
        self.scope_enabled = True
        self.base_url = ""  # set once the server is bound
        self.account_id = str(uuid.uuid4())  # the Dwolla account that owns POST /exchanges exchanges
        # The base Dwolla writes into a created exchange's Location; None: base_url. Lets a test play a
        # Dwolla whose canonical spelling differs from the one the client was configured with.
        self.public_url: str | None = None
        # Exchanges per page of both lists (`limit`/`offset` and a `next` link, as Dwolla pages its other
        # lists); None: one page, as the official document describes these two.
        self.list_page_size: int | None = None
        self._stopping = False
        self._wake = threading.Condition()
        self._rng = random.Random(seed)  # noqa: S311 - reproducible faults, not security
        self._rng_lock = threading.Lock()
        self._queued_faults: deque[FaultKind] = deque()  # guarded by _rng_lock
        self._exchanges: list[CreatedExchange] = []
        self._exchanges_lock = threading.Lock()

    def pick_fault(self) -> FaultKind | None:
        """A queued fault if any (no random draw then), else the plan's seeded draw."""
        with self._rng_lock:
            if self._queued_faults:
                return self._queued_faults.popleft()
            return self.faults.pick(self._rng)

    def queue_faults(self, kind: FaultKind, count: int = 1) -> list[FaultKind]:
        """Make the next ``count`` exchange POSTs fail with ``kind``, whatever the plan says."""
        if count < 0:
            raise ValueError("count must not be negative")
        with self._rng_lock:
            self._queued_faults.extend([kind] * count)
            return list(self._queued_faults)

    def queued_faults(self) -> list[FaultKind]:
        with self._rng_lock:
            return list(self._queued_faults)

    def clear_queued_faults(self) -> None:
        with self._rng_lock:
            self._queued_faults.clear()

    @property
    def faults(self) -> FaultPlan:
        return self._faults

    @faults.setter
    def faults(self, plan: FaultPlan) -> None:
        with self._wake:
            self._faults = plan
            self._wake.notify_all()

    def set_stopping(self, stopping: bool) -> None:
        with self._wake:
            self._stopping = stopping
            self._wake.notify_all()
        self.hangs.set_stopping(stopping)

    def pause(self, seconds: Callable[[FaultPlan], float]) -> None:
        """Simulated delay, measured against the current plan.

        Replacing the plan or stopping the emulator releases requests already waiting, so neither
        tests nor shutdown have to wait a long delay out.
        """
        started = time.monotonic()
        with self._wake:
            while not self._stopping:
                remaining = started + seconds(self._faults) - time.monotonic()
                if remaining <= 0:
                    return
                self._wake.wait(remaining)

    def partner_by_id(self, partner_id: str) -> Partner | None:
        return next((p for p in self.partners if p.id == partner_id), None)

    def record_exchange(
        self, body: ExchangeBody, customer_id: str | None, idempotency_key: str | None
    ) -> CreatedExchange:
        exchange_id = str(uuid.uuid4())
        exchange = CreatedExchange(
            id=exchange_id,
            location=f"{self.public_url or self.base_url}/exchanges/{exchange_id}",
            customer_id=customer_id,
            partner=body.partner.name,
            kind=body.kind,
            credential_fingerprint=fingerprint(body.credential),
            idempotency_key=idempotency_key,
            created=utc_timestamp(self.wall_now()),
        )
        with self._exchanges_lock:
            self._exchanges.append(exchange)
        return exchange

    def wall_now(self) -> datetime:
        """Dwolla's wall clock (exchanges' `created`): real time, moved forward by `advance_wall_clock`."""
        return datetime.now(UTC) + self.wall_offset

    def exchanges(self) -> list[CreatedExchange]:
        with self._exchanges_lock:
            return list(self._exchanges)

    def set_exchange_status(self, exchange: str, status: str) -> CreatedExchange:
        """Change an exchange's status, found by id or by its Location URL (KeyError if unknown)."""
        if status not in EXCHANGE_STATUSES:
            raise ValueError(f"status must be one of: {', '.join(EXCHANGE_STATUSES)}")
        with self._exchanges_lock:
            for index, current in enumerate(self._exchanges):
                if exchange in (current.id, current.location):
                    self._exchanges[index] = dataclasses.replace(current, status=status)
                    return self._exchanges[index]
        raise KeyError(exchange)

    def clear_exchanges(self) -> None:
        with self._exchanges_lock:
            self._exchanges.clear()

    def reset(self) -> None:
        """Forget resources, keys, counters, faults (plan, queue, rules), hangs; keep tokens, partners, rate limit."""
        self.clear_exchanges()
        self.funding_sources.clear()
        self.idempotency.clear()
        self.stats.reset()
        self.rate_limit.refill()  # the limit itself is configuration and stays
        self.scope_enabled = True
        self.public_url = None
        self.clear_queued_faults()
        self.hangs.heal()
        self.fault_rules.clear()
        self.faults = FaultPlan()
