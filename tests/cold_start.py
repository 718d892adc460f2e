"""A function's app.py started as Lambda starts a new container: its environment set, then the module
executed afresh under a unique name (every function has an app.py), undone by the test's monkeypatch."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

FUNCTIONS = Path(__file__).resolve().parents[1] / "functions"


def cold_start(function: str, environment: Mapping[str, str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """functions/`function`/app.py's lambda_handler."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    name = f"{function}_app_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, FUNCTIONS / function / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    handler: Callable[..., Any] = module.lambda_handler
    return handler
