"""One Python version everywhere: the Lambda runtime, the locks, the tooling and the interpreter the tests run on."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path
from typing import Any

from tests.template.support import REPO_ROOT, function_properties, resources_of_type


def runtime_version() -> str:
    """major.minor from .python-version (what pyenv and `make` use)."""
    pinned = (REPO_ROOT / ".python-version").read_text().strip()
    major, minor, *_ = pinned.split(".")
    return f"{major}.{minor}"


def pyproject() -> dict[str, Any]:
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_every_function_layer_and_build_use_the_runtime(template: dict[str, Any]) -> None:
    runtime = f"python{runtime_version()}"
    functions = resources_of_type(template, "AWS::Serverless::Function")
    assert functions
    assert {name: function_properties(template, name)["Runtime"] for name in functions} == dict.fromkeys(
        functions, runtime
    )
    for layer in resources_of_type(template, "AWS::Serverless::LayerVersion").values():
        assert layer["Properties"]["CompatibleRuntimes"] == [runtime]
        assert layer["Metadata"]["BuildMethod"] == runtime


def test_tooling_targets_the_runtime() -> None:
    version = runtime_version()
    config = pyproject()
    major, minor = version.split(".")
    assert config["project"]["requires-python"] == f">={version},<{major}.{int(minor) + 1}"
    assert config["tool"]["ruff"]["target-version"] == f"py{major}{minor}"
    assert config["tool"]["mypy"]["python_version"] == version
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert re.search(rf"^PYTHON \?= python{re.escape(version)}$", makefile, re.MULTILINE)
    assert re.search(rf"^PYTHON_VERSION := {re.escape(version)}$", makefile, re.MULTILINE)


def test_locks_are_resolved_for_the_runtime() -> None:
    version = runtime_version()
    for lock in (Path("requirements/dev.txt"), Path("layers/exchange_linker/requirements.txt")):
        header = (REPO_ROOT / lock).read_text().splitlines()[1]
        assert f"--python-version {version} " in header, lock
    layer_header = (REPO_ROOT / "layers/exchange_linker/requirements.txt").read_text().splitlines()[1]
    assert "--python-platform aarch64-manylinux_2_28 " in layer_header  # arm64 on Amazon Linux 2023 (glibc 2.34)


def test_the_tests_run_on_the_runtime_version() -> None:
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == runtime_version()
