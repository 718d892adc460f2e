"""Key expiry in a chaos run: clocks move a day first, keys are forgotten only once no older invocation runs."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import requests

from exchange_linker_tools.chaos.keys import DAY_SECONDS, KeyExpiry
from exchange_linker_tools.emulator import DwollaEmulator


class Workers:
    """Stands in for the Fleet's two members KeyExpiry reads: the clock file and who is still invoking."""

    def __init__(self, tmp_path: Path) -> None:
        self.clock_file = tmp_path / "clock-offset"
        self.busy = True
        self.asked: list[float] = []

    def idle_since(self, moment: float) -> bool:
        self.asked.append(moment)
        return not self.busy

    def check(self) -> None:
        self.busy = False  # the invocation in flight ended


def test_a_day_passes_before_any_key_is_forgotten(tmp_path: Path) -> None:
    workers = Workers(tmp_path)
    workers.busy = False
    with DwollaEmulator() as emulator:
        expiry = KeyExpiry(emulator, workers)  # type: ignore[arg-type]
        expiry.day_passes()
        assert float(workers.clock_file.read_text()) == DAY_SECONDS
        assert emulator._state.wall_offset.total_seconds() == DAY_SECONDS
        assert expiry.pending  # the keys go at the next tick
        expiry.day_passes()
        assert float(workers.clock_file.read_text()) == DAY_SECONDS  # one day at a time
        expiry.finish()
        assert not expiry.pending
        assert expiry.days == 1
        expiry.day_passes()
        assert float(workers.clock_file.read_text()) == 2 * DAY_SECONDS


def test_only_the_old_days_keys_are_forgotten(tmp_path: Path) -> None:
    """A key Dwolla completed after the clocks moved is hours old on the new day: Dwolla still knows it.

    (The 1,000-event trial: an exchange POST timed out after the move, Dwolla forgot its fresh key, and the
    retry, rightly trusting a key minutes old, made a second exchange.)
    """
    workers = Workers(tmp_path)
    workers.busy = False
    with DwollaEmulator() as emulator:
        state = emulator._state
        state.idempotency.claim("old-day", "body")
        state.idempotency.complete("old-day", "http://dwolla/exchanges/1")
        expiry = KeyExpiry(emulator, workers)  # type: ignore[arg-type]
        expiry.day_passes()
        state.idempotency.claim("new-day", "body")
        state.idempotency.complete("new-day", "http://dwolla/exchanges/2")
        expiry.finish()
        assert expiry.keys_forgotten == 1
        assert state.idempotency.claim("new-day", "body").location == "http://dwolla/exchanges/2"


def test_no_day_passes_while_dwolla_holds_a_request(tmp_path: Path) -> None:
    """A request Dwolla holds (a hang) is seconds old, not a day: the clocks move once it is answered.

    (The 10,000-event run: exchange POSTs held 17.6 s timed out at the client, a day passed meanwhile, the
    next receive read the customer's list before Dwolla made the held exchange, took a fresh key and made a
    second one when the hold ended.)
    """
    workers = Workers(tmp_path)
    workers.busy = False
    with DwollaEmulator() as emulator:
        emulator.hang("exchange-post")  # until healed
        held = threading.Thread(target=lambda: requests.post(f"{emulator.url}/exchanges", json={}, timeout=30))
        held.start()
        while emulator.stats.hanging == 0:
            time.sleep(0.01)
        expiry = KeyExpiry(emulator, workers)  # type: ignore[arg-type]
        expiry.day_passes()
        expiry.forget_when_safe()
        assert not workers.clock_file.exists()  # not while the request is held
        assert expiry.days == 0
        emulator.heal()
        held.join()
        expiry.forget_when_safe()  # the next tick: Dwolla holds nothing now
        assert float(workers.clock_file.read_text()) == DAY_SECONDS
        assert expiry.days == 1


def test_no_day_passes_while_an_invocation_runs(tmp_path: Path) -> None:
    """An invocation is at most the function's timeout old, never a day: its intent, read on the new day,
    would look a day old while its POST is still coming (the second 10,000-event run: a copy reconciled
    against another copy's fresh intent, took a fresh key, and both POSTed)."""
    workers = Workers(tmp_path)  # busy: an invocation runs
    with DwollaEmulator() as emulator:
        expiry = KeyExpiry(emulator, workers)  # type: ignore[arg-type]
        expiry.day_passes()
        assert not workers.clock_file.exists()
        workers.check()  # the invocation ended
        expiry.forget_when_safe()
        assert float(workers.clock_file.read_text()) == DAY_SECONDS
