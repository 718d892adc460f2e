"""Idempotency-Key expiry in a chaos run: a day passes for everyone, then Dwolla forgets every key.

Order matters, as it would in production: the consumers' wall clock (the workers' clock file) and
Dwolla's (`created` of new exchanges) move a day first; the keys are forgotten only once no invocation
that started before the move is still running, so no decision taken on the old clock ("the key still
protects this event, POST it again") meets a Dwolla that no longer remembers the key; and only the keys
completed before the move are forgotten (one completed after it is fresh on the new day). And the clocks
move only while Dwolla holds no request: one held or in progress is seconds old, so its exchange must be
made (or not) before a consumer's clock says a day passed and reads Dwolla's list; and only while no
invocation runs (one is at most the function's timeout old: its write-ahead intent, read on the new day,
would look a day old while its POST is still coming).
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
        self._wanted = False  # the schedule asked for a day while Dwolla held a request
        self.days = 0
        self.keys_forgotten = 0

    @property
    def pending(self) -> bool:
        """A day passed and Dwolla has not forgotten the keys yet."""
        return self._moved_at is not None

    def day_passes(self) -> None:
        """Asked for by the schedule: done at once, or at the first tick Dwolla holds no request."""
        if self._moved_at is not None:
            return  # the previous day's keys are not forgotten yet: one day at a time
        self._wanted = True
        self._move_when_quiet()

    def forget_when_safe(self) -> None:
        """Every tick: a day passes if one is wanted and Dwolla is quiet; keys go once no older invocation runs."""
        if self._moved_at is None:
            self._move_when_quiet()
        if self._moved_at is not None and self._fleet.idle_since(self._moved_at):
            # Only the old day's: a key completed after the move is hours old on the new day, still known.
            self.keys_forgotten += self._emulator.forget_idempotency_keys(completed_before=self._moved_clock)
            self._moved_at = None

    def _move_when_quiet(self) -> None:
        """A request Dwolla still holds or processes is seconds old, never a day: its exchange must exist
        (or not) before anyone's clock says a day passed and reads Dwolla's list instead of trusting the key."""
        if not self._wanted or not self._fleet.idle_since(time.time()):
            return  # an invocation is at most the function's timeout old: its intent must not look a day old
        stats = self._emulator.stats
        if stats.in_flight or stats.hanging:
            return
        self._wanted = False
        self._offset += DAY_SECONDS
        partial = self._fleet.clock_file.with_suffix(".tmp")
        partial.write_text(repr(self._offset))
        os.replace(partial, self._fleet.clock_file)  # a worker reads the old offset or the new, never half
        self._emulator.advance_wall_clock(DAY_SECONDS)
        self._moved_at = time.time()
        self._moved_clock = time.monotonic()
        self.days += 1

    def finish(self) -> None:
        """Before settling: wait for the pending forget (invocations end within the function's timeout); a
        day not passed yet is dropped."""
        self._wanted = False
        while self._moved_at is not None:
            self._fleet.check()
            self.forget_when_safe()
            time.sleep(0.1)
