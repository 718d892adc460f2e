"""The layer ships exactly the versions the tests ran with, pinned with hashes."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s\\]+)", re.MULTILINE)


def pins(path: Path) -> dict[str, str]:
    return {name.split("[")[0].lower(): version for name, version in PIN.findall(path.read_text())}


def test_every_layer_dependency_is_pinned_with_hashes():
    text = (ROOT / "layers/exchange_linker/requirements.txt").read_text()
    requirements = [line for line in text.splitlines() if PIN.match(line)]
    assert requirements
    blocks = text.split("==")[1:]
    assert all("--hash=sha256:" in block for block in blocks)


def test_layer_versions_match_the_tested_versions():
    layer, tested = pins(ROOT / "layers/exchange_linker/requirements.txt"), pins(ROOT / "requirements/dev.txt")
    assert {"aws-lambda-powertools", "pydantic", "requests", "boto3"} <= set(layer)
    mismatched = {name: (version, tested.get(name)) for name, version in layer.items() if tested.get(name) != version}
    assert mismatched == {}


def test_installed_powertools_is_the_layer_one():
    from importlib.metadata import version

    assert pins(ROOT / "layers/exchange_linker/requirements.txt")["aws-lambda-powertools"] == version(
        "aws-lambda-powertools"
    )
