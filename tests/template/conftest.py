"""Fixtures for the template and sample-event tests: the parsed template, samconfig, the SAM CLI."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.template.support import SAMCONFIG_PATH, VENV_BIN, load_template


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="session")
def samconfig() -> dict[str, Any]:
    with SAMCONFIG_PATH.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="session")
def sam_bin() -> Path:
    path = VENV_BIN / "sam"
    assert path.exists(), f"the SAM CLI is not installed next to {sys.executable}"
    return path
