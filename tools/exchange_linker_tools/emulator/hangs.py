"""Per-endpoint hangs: hold requests to one endpoint for some seconds, or until healed.

FaultPlan's latency and timeout-after-create touch only exchange POSTs; a token endpoint or partner
lookup that stops answering is a different failure, and the client must time out on each on its own.
A held request resumes normally when its time is up or the endpoint is healed (so a hung exchange
POST may still create its exchange after the client gave up, as a slow Dwolla would). Waits use
real time, not the emulator's clock: they must end even when a test's fake clock stands still.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Literal

HangEndpoint = Literal["token", "exchange-partners", "exchange-post", "exchange-get", "funding-sources"]
HANG_ENDPOINTS: tuple[HangEndpoint, ...] = (
    "token",  # POST /token
    "exchange-partners",  # GET /exchange-partners, GET /exchange-partners/{id}
    "exchange-post",  # POST /customers/{id}/exchanges, POST /exchanges
    "exchange-get",  # GET /exchanges, GET /exchanges/{id}, GET /customers/{id}/exchanges
    "funding-sources",  # POST and GET of funding sources
)


@dataclass(frozen=True)
class Hang:
    endpoint: HangEndpoint
    seconds: float | None  # how long each request is held; None: until healed


class Hangs:
    """Thread-safe switches; healing, replacing a hang or stopping the emulator wakes held requests."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._hangs: dict[str, Hang] = {}
        self._stopping = False

    def set(self, endpoint: str, seconds: float | None = None) -> Hang:
        if endpoint not in HANG_ENDPOINTS:
            raise ValueError(f"endpoint must be one of: {', '.join(HANG_ENDPOINTS)}")
        if seconds is not None and not 0 < seconds < float("inf"):
            raise ValueError("seconds must be a positive number, or None to hang until healed")
        hang = Hang(endpoint, None if seconds is None else float(seconds))
        with self._changed:
            self._hangs[endpoint] = hang
            self._changed.notify_all()
        return hang

    def heal(self, endpoint: str | None = None) -> list[str]:
        """Heal one endpoint (or all): held requests resume now. Returns the endpoints that were hanging."""
        if endpoint is not None and endpoint not in HANG_ENDPOINTS:
            raise ValueError(f"endpoint must be one of: {', '.join(HANG_ENDPOINTS)}")
        with self._changed:
            healed = [name for name in self._hangs if endpoint in (None, name)]
            for name in healed:
                del self._hangs[name]
            self._changed.notify_all()
        return healed

    def current(self) -> dict[str, Hang]:
        with self._changed:
            return dict(self._hangs)

    def set_stopping(self, stopping: bool) -> None:
        with self._changed:
            self._stopping = stopping
            self._changed.notify_all()

    def is_hanging(self, endpoint: str) -> bool:
        with self._changed:
            return endpoint in self._hangs

    def hold(self, endpoint: str) -> bool:
        """Block while ``endpoint`` hangs, measured from now against the current hang. False if stopping."""
        started = time.monotonic()
        with self._changed:
            while not self._stopping:
                hang = self._hangs.get(endpoint)
                if hang is None:
                    return True
                if hang.seconds is None:
                    self._changed.wait()
                    continue
                remaining = started + hang.seconds - time.monotonic()
                if remaining <= 0:
                    return True
                self._changed.wait(remaining)
            return False
