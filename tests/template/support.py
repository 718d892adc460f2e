"""Helpers for the template and sample-event tests: paths, the template loader, SAM CLI environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from cfnlint.decode.cfn_yaml import load as load_cfn_yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
SAMCONFIG_PATH = REPO_ROOT / "samconfig.toml"
EVENTS_DIR = REPO_ROOT / "events"
VENV_BIN = Path(sys.executable).parent
REGION = "us-east-1"


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """template.yaml with short tags in long form (!Ref X -> {"Ref": "X"}, !GetAtt A.B -> {"Fn::GetAtt": [A, B]})."""
    return load_cfn_yaml(str(path))


def function_properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """A serverless function's properties with Globals.Function merged in (shallow, like SAM)."""
    globals_ = template.get("Globals", {}).get("Function", {})
    return {**globals_, **template["Resources"][logical_id]["Properties"]}


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == resource_type}


def sam_environment() -> dict[str, str]:
    """The SAM CLI's environment. The interpreter running the tests (the runtime's version) comes first on
    PATH: `sam build` looks for the runtime's `python3.x` there, and a pyenv shim resolves that only where a
    .python-version is in reach, which a temporary working directory is not."""
    env = dict(os.environ)
    env.update({"AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "SAM_CLI_TELEMETRY": "0"})
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    return env
