"""Time that moves only when told: expiries, TTLs and pauses tested without waiting."""

from __future__ import annotations

from datetime import UTC, datetime


class FakeClock:
    """Epoch seconds for the `clock=` parameters (tokens, partners, limiter, emulator, replay pacing).

    `now` is public so a test can set it; `advance` moves it; `sleep` records the pause and moves it too,
    so code that sleeps on this clock finishes at once.
    """

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)
