"""Validate emulator bodies against Dwolla's official OpenAPI document (shared/reference), when present."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

OFFICIAL = Path(__file__).resolve().parents[3] / "shared" / "reference" / "dwolla-openapi" / "openapi.yml"
_URI = "urn:dwolla-official-openapi"


@functools.cache
def _registry() -> Registry[Any]:
    if not OFFICIAL.exists():  # a clone without the workspace's shared/ beside it
        pytest.skip(f"no official OpenAPI document at {OFFICIAL}")
    spec = yaml.safe_load(OFFICIAL.read_text(encoding="utf-8"))
    return Registry().with_resource(_URI, Resource.from_contents(spec, default_specification=DRAFT202012))


def schema_errors(body: Any, schema_name: str) -> list[str]:
    """Messages for every way ``body`` breaks ``#/components/schemas/<schema_name>``; empty when it conforms."""
    validator = Draft202012Validator({"$ref": f"{_URI}#/components/schemas/{schema_name}"}, registry=_registry())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
