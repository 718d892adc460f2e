"""Results: checks against targets, detail tables, the rich rendering and results.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.machine import describe


@dataclass(frozen=True)
class Check:
    """One measured value; `passed` is None when there is no target (information only)."""

    measure: str
    measured: str
    target: str = "-"
    passed: bool | None = None
    value: float | None = None  # the raw number behind `measured`, for results.json


@dataclass
class Detail:
    """A small table printed under the summary (e.g. latency per batch size)."""

    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class ScenarioResult:
    name: str
    description: str
    checks: list[Check] = field(default_factory=list)
    details: list[Detail] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    error: str | None = None


def verdict(passed: bool | None) -> str:
    return {True: "[green]PASS[/]", False: "[red]FAIL[/]", None: "[dim]info[/]"}[passed]


def summary_table(results: list[ScenarioResult]) -> Table:
    table = Table(title="exchange-linker benchmarks", show_lines=False)
    for column in ("scenario", "measure", "target", "measured", "result"):
        table.add_column(column, overflow="fold")
    for result in results:
        if result.error is not None:
            table.add_row(result.name, "error", "-", result.error, "[red]ERROR[/]")
            continue
        for index, check in enumerate(result.checks):
            name = result.name if index == 0 else ""
            table.add_row(name, check.measure, check.target, check.measured, verdict(check.passed))
        table.add_section()
    return table


def detail_table(detail: Detail) -> Table:
    table = Table(title=detail.title, title_justify="left")
    for column in detail.columns:
        table.add_column(column, overflow="fold")
    for row in detail.rows:
        table.add_row(*row)
    return table


def machine_table(machine: dict[str, Any]) -> Table:
    table = Table(title="machine", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("value", overflow="fold")
    for key, value in machine.items():
        table.add_row(key, ", ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else str(value))
    return table


def render(console: Console, machine: dict[str, Any], results: list[ScenarioResult]) -> None:
    console.print(machine_table(machine))
    for result in results:
        for detail in result.details:
            console.print(detail_table(detail))
        for note in result.notes:
            console.print(f"[dim]{result.name}:[/] {note}")
    console.print(summary_table(results))


def write_scenario_json(path: Path, data: dict[str, Any]) -> Path:
    """One scenario's data on its own, with the machine it ran on: small enough to commit as a reference.
    Files it names (its plot, itself) are named relative to it."""
    files = {key: Path(value).name for key, value in data.items() if key in {"plot", "json"}}
    document = {"machine": describe(), **data, **files}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def write_json(path: Path, machine: dict[str, Any], options: dict[str, Any], results: list[ScenarioResult]) -> None:
    document = {
        "machine": machine,
        "options": options,
        "scenarios": {result.name: asdict(result) for result in results},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
