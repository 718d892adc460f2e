"""Fixtures: a fresh emulator per test on a free loopback port, and a fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_client import Api

from exchange_linker_tools.emulator import DwollaEmulator
from exchange_linker_tools.fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> Iterator[DwollaEmulator]:
    with DwollaEmulator(seed=1234, clock=clock, token_lifetime=3600) as emu:
        yield emu


@pytest.fixture
def api(emulator: DwollaEmulator) -> Api:
    return Api(emulator)
