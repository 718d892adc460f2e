"""Idempotency-Key expiry in a chaos run: a day passes for everyone, then Dwolla forgets every key.

Order matters, as it would in production: the consumers' wall clock (the workers' clock file) and
Dwolla's (`created` of new exchanges) move a day first; the keys are forgotten only once no invocation
that started before the move is still running, so no decision taken on the old clock ("the key still
protects this event, POST it again") meets a Dwolla that no longer remembers the key; and only the keys
completed before the move are forgotten (one completed after it is fresh on the new day).
"""

from __future__ import annotations

import os
import time

from exchange_linker_tools.chaos.fleet import Fleet
from exchange_linker_tools.emulator import DwollaEmulator

DAY_SECONDS = 86_400.0


class KeyExpiry:
    def __init__(self, emulator: DwollaEmulator, fleet: Fleet) -> None:
        self._emulator = emulator
        self._fleet = fleet
        self._offset = 0.0
        self._moved_at: float | None = None  # wall time of the last move whose keys are not forgotten yet
        self._moved_clock = 0.0  # the same moment on the emulator's clock (time.monotonic)
        self.days = 0
        self.keys_forgotten = 0

    @property
    def pending(self) -> bool:
        """A day passed and Dwolla has not forgotten the keys yet."""
        return self._moved_at is not None

    def day_passes(self) -> None:
        if self._moved_at is not None:
            return  # the previous day's keys are not forgotten yet: one day at a time
        self._offset += DAY_SECONDS
        partial = self._fleet.clock_file.with_suffix(".tmp")
        partial.write_text(repr(self._offset))
        os.replace(partial, self._fleet.clock_file)  # a worker reads the old offset or the new, never half
        self._emulator.advance_wall_clock(DAY_SECONDS)
        self._moved_at = time.time()
        self._moved_clock = time.monotonic()
        self.days += 1

    def forget_when_safe(self) -> None:
        if self._moved_at is not None and self._fleet.idle_since(self._moved_at):
            # Only the old day's: a key completed after the move is hours old on the new day, still known.
            self.keys_forgotten += self._emulator.forget_idempotency_keys(completed_before=self._moved_clock)
            self._moved_at = None

    def finish(self) -> None:
        """Before settling: wait for the pending forget (invocations end within the function's timeout)."""
        while self._moved_at is not None:
            self._fleet.check()
            self.forget_when_safe()
            time.sleep(0.1)
