"""The emulator validates against its own copy of the seed OpenAPI document: keep the copy faithful."""

from importlib import resources
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "customer-exchange.openapi.yaml"


def test_packaged_openapi_is_the_seed():
    packaged = resources.files("exchange_linker_tools.emulator").joinpath("customer-exchange.openapi.yaml")
    if not SEED.exists():  # a clone without the workspace's shared/ beside it
        pytest.skip(f"no seed document at {SEED} to compare with")
    assert packaged.read_text(encoding="utf-8") == SEED.read_text(encoding="utf-8")
