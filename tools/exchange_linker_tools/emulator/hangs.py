"""Endpoints that hang: a request to a hung endpoint gets no answer until it is healed.

The way a dependency fails that hurts a Lambda most: no error, no byte, only the client's read timeout.
A held request is released by healing its endpoint (or by stopping the emulator) and then carries on as
usual, so an exchange POST the client gave up on may still create its exchange, as at Dwolla.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter

HANGABLE = ("token", "exchange-partners", "exchanges")  # POST /token, GET /exchange-partners, exchange POSTs


class Hangs:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._hung: dict[str, float] = {}  # endpoint -> seconds a request is held
        self._arrivals: Counter[str] = Counter()
        self._stopping = False

    def hang(self, endpoint: str, seconds: float = math.inf) -> None:
        if endpoint not in HANGABLE:
            raise ValueError(f"endpoint must be one of {', '.join(HANGABLE)}")
        if not seconds > 0:
            raise ValueError("seconds must be positive")
        with self._changed:
            self._hung[endpoint] = seconds

    def heal(self, endpoint: str | None = None) -> None:
        """Stop hanging `endpoint` (all when None) and release the requests it holds."""
        with self._changed:
            if endpoint is None:
                self._hung.clear()
            else:
                self._hung.pop(endpoint, None)
            self._changed.notify_all()

    def set_stopping(self, stopping: bool) -> None:
        with self._changed:
            self._stopping = stopping
            self._changed.notify_all()

    def arrivals(self, endpoint: str) -> int:
        """Requests that reached `endpoint` while it was hung."""
        with self._changed:
            return self._arrivals[endpoint]

    def hold(self, endpoint: str | None) -> None:
        """Called for every request: returns at once unless its endpoint is hung."""
        if endpoint is None:
            return
        started = time.monotonic()
        with self._changed:
            if endpoint not in self._hung:
                return
            self._arrivals[endpoint] += 1
            while not self._stopping and endpoint in self._hung:
                remaining = started + self._hung[endpoint] - time.monotonic()
                if remaining <= 0:
                    return
                self._changed.wait(None if math.isinf(remaining) else remaining)


def hangable(route: str) -> str | None:
    """The hang switch that holds a route (the app's endpoint names), if any."""
    if route == "token":
        return "token"
    if route in {"list_partners", "get_partner"}:
        return "exchange-partners"
    if route in {"create_customer_exchange", "create_account_exchange"}:
        return "exchanges"
    return None
