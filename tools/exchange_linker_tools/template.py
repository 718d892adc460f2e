"""Reads template.yaml and resolves the parts a local stack needs (Ref, Sub, GetAtt, parameter defaults).

The local stack is provisioned from the template itself so that names, attributes, key schema and
maxReceiveCount cannot drift between `make run` and `sam deploy`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
LOCAL_ACCOUNT = "123456789012"


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template with short tags (!Ref, !Sub, …) in their long form, read by cfn-lint's own decoder.

    Imported here, not at the top: cfn-lint loads all its rules on import (seconds), and the chaos workers
    and Lambda-like probes import this module's package without ever reading the template.
    """
    from cfnlint.decode import cfn_yaml

    template: dict[str, Any] = cfn_yaml.load(str(path))
    return template


@dataclass
class Resolver:
    """Evaluates the intrinsic functions the template uses, against one local stack."""

    stack_name: str
    region: str
    parameters: dict[str, str]
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    account: str = LOCAL_ACCOUNT

    def pseudo(self) -> dict[str, str]:
        return {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = self._functions().get(key)
            if handler is not None:
                return handler(argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def condition(self, name: str, conditions: Mapping[str, Any]) -> bool:
        """Evaluate a template condition (Equals/Not/And/Or/Condition over resolvable values)."""
        return self._truth(conditions[name], conditions)

    def _truth(self, expression: Any, conditions: Mapping[str, Any]) -> bool:
        ((function, argument),) = expression.items()
        if function == "Fn::Equals":
            left, right = (self.resolve(item) for item in argument)
            return bool(str(left) == str(right))
        if function == "Fn::Not":
            return not self._truth(argument[0], conditions)
        if function == "Fn::And":
            return all(self._truth(item, conditions) for item in argument)
        if function == "Fn::Or":
            return any(self._truth(item, conditions) for item in argument)
        if function == "Condition":
            return self.condition(argument, conditions)
        raise KeyError(f"cannot evaluate condition function {function} locally")

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Fn::Sub": self._sub,
            "Fn::GetAtt": self._get_att,
            "Fn::Join": self._join,
            "Fn::FindInMap": self._find_in_map,
        }

    def _find_in_map(self, argument: list[Any]) -> Any:
        mapping, top, second = (str(self.resolve(item)) for item in argument)
        return self.mappings[mapping][top][second]

    def _ref(self, name: str) -> str:
        lookup = {**self.pseudo(), **self.parameters, **self.refs}
        if name not in lookup:
            raise KeyError(f"cannot resolve !Ref {name} locally")
        return lookup[name]

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], self.resolve(argument[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                return self._get_att(name.split(".", 1))
            return self._ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def _get_att(self, argument: list[str]) -> str:
        key = (argument[0], argument[1])
        if key not in self.attributes:
            raise KeyError(f"cannot resolve !GetAtt {'.'.join(key)} locally")
        return self.attributes[key]

    def _join(self, argument: list[Any]) -> str:
        separator, items = argument
        return str(separator).join(str(item) for item in self.resolve(items))


def parameter_defaults(template: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    values = {name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()}
    unknown = set(overrides or {}) - set(values)
    if unknown:
        raise KeyError(f"unknown template parameters: {sorted(unknown)}")
    return values | dict(overrides or {})


def resources_of_type(template: Mapping[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource for name, resource in template.get("Resources", {}).items() if resource["Type"] == resource_type
    }


def function_properties(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    """A function's properties with the template's Globals.Function merged in (SAM semantics, shallow)."""
    globals_ = template.get("Globals", {}).get("Function", {})
    properties = template["Resources"][logical_id]["Properties"]
    return {**globals_, **properties}
