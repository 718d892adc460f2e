"""Where the CLI's commands act: flags first, then environment variables, then a deployed stack's outputs."""

from __future__ import annotations

import os
from dataclasses import dataclass

import boto3
import click

# Environment variable -> CloudFormation output key of template.yaml.
SOURCES = {
    "queue_url": ("LINK_COMPLETED_QUEUE_URL", "LinkCompletedQueueUrl"),
    "dead_letter_queue_url": ("DEAD_LETTER_QUEUE_URL", "LinkCompletedDeadLetterQueueUrl"),
    "table_name": ("RESULTS_TABLE_NAME", "ResultsTableName"),
}


@dataclass(frozen=True)
class Targets:
    queue_url: str | None
    dead_letter_queue_url: str | None
    table_name: str | None

    def require(self, name: str) -> str:
        value = getattr(self, name)
        if not value:
            variable, output = SOURCES[name]
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(
                f"no {name.replace('_', ' ')}: pass {flag}, export {variable}, or give --stack-name "
                f"of a deployed stack (output {output})"
            )
        return str(value)


def resolve_targets(stack_name: str | None = None, **flags: str | None) -> Targets:
    values: dict[str, str | None] = {}
    outputs: dict[str, str] | None = None
    for name, (variable, output) in SOURCES.items():
        value = flags.get(name) or os.environ.get(variable)
        if not value and stack_name:
            outputs = outputs if outputs is not None else stack_outputs(stack_name)
            value = outputs.get(output)
        values[name] = value
    return Targets(**values)


def stack_outputs(stack_name: str) -> dict[str, str]:
    stacks = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}
