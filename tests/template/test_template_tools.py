"""The template passes `sam validate --lint` and cfn-lint, and `sam build` produces a usable arm64 layer."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.template.support import REGION, REPO_ROOT, TEMPLATE_PATH, VENV_BIN, sam_environment

LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def run(command: list[str | Path], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=sam_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_sam_validate_lint(sam_bin: Path) -> None:
    result = run(
        [sam_bin, "validate", "--lint", "--region", REGION, "--template-file", TEMPLATE_PATH],
        cwd=REPO_ROOT,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "is a valid SAM Template" in output


def test_cfn_lint_reports_nothing() -> None:
    """cfn-lint exits non-zero on errors (2) and warnings (4); the template must have neither."""
    result = run([VENV_BIN / "cfn-lint", "--", TEMPLATE_PATH], cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


@pytest.fixture(scope="module")
def built(sam_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sam build` outside the repository (cwd, build and cache dirs in a temp dir: no .aws-sam/ in the repo)."""
    work = tmp_path_factory.mktemp("sam-build")
    build_dir = work / "build"
    result = run(
        [
            sam_bin,
            "build",
            "--template-file",
            TEMPLATE_PATH,
            "--build-dir",
            build_dir,
            "--cache-dir",
            work / "cache",
            "--no-cached",
        ],
        cwd=work,
        timeout=280,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return build_dir


def test_build_writes_nothing_into_the_repository(built: Path) -> None:
    assert not (REPO_ROOT / ".aws-sam").exists()


def test_built_layer_has_the_package_and_its_dependencies(built: Path) -> None:
    python = built / "ExchangeLinkerLayer" / "python"
    assert (python / "exchange_linker" / "__init__.py").is_file()
    assert (python / "aws_lambda_powertools").is_dir()
    assert not (python / "aws_xray_sdk").exists(), "no X-Ray: the layer ships without the [tracer] extra"
    assert (python / "pydantic").is_dir()
    assert (python / "requests").is_dir()


def test_built_layer_is_for_arm64(built: Path) -> None:
    layer = built / "ExchangeLinkerLayer"
    binaries = list(layer.rglob("*.so"))
    core = [path.name for path in (layer / "python" / "pydantic_core").iterdir() if "aarch64" in path.name]
    assert core, "pydantic_core was not built for aarch64"
    wrong = [str(path.relative_to(layer)) for path in binaries if "x86_64" in path.name]
    assert wrong == [], f"x86_64 binaries in an arm64 layer: {wrong}"


def test_built_layer_is_for_the_runtime_python(built: Path, template: dict[str, Any]) -> None:
    """Extension modules carry their CPython ABI in their name (e.g. .cpython-313-aarch64-linux-gnu.so)."""
    runtime = template["Resources"]["ExchangeLinkerLayer"]["Metadata"]["BuildMethod"]  # python3.13
    abi = "cpython-" + runtime.removeprefix("python").replace(".", "") + "-aarch64-linux-gnu"
    tagged = [path.name for path in (built / "ExchangeLinkerLayer").rglob("*.so") if ".cpython-" in path.name]
    assert tagged
    wrong = [name for name in tagged if abi not in name]
    assert wrong == [], f"extension modules not built for {runtime}: {wrong}"


def test_built_function_and_layer_fit_lambda_limits(built: Path) -> None:
    size = sum(path.stat().st_size for path in built.rglob("*") if path.is_file() and path.name != "template.yaml")
    assert size < LAMBDA_UNZIPPED_LIMIT


@pytest.mark.parametrize("function", ["LinkCompletedFunction", "DlqReplayFunction", "OutcomePublisherFunction"])
def test_built_function_has_its_handler_module(built: Path, function: str) -> None:
    """Handler is app.lambda_handler: the built function must contain app.py at its root."""
    assert (built / function / "app.py").is_file()
