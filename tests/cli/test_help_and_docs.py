"""Hints, help and documents name only flags that exist; every --help ends with a worked example."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from exchange_linker_cli.main import cli
from tests.cli.conftest import run_cli
from tests.cli.hints import FLAG, flags_of, unknown_flags

REPO = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((REPO / "tools" / "exchange_linker_cli").rglob("*.py")),
    REPO / "tools/exchange_linker_tools/commands.py",
]
DOCUMENTS = [REPO / "README.md", REPO / "docs" / "runbook.md"]
COMMANDS = cli.list_commands(click.Context(cli))
INVOCATION = re.compile(r"(?:\bexchange-linker|(?<![\w-])el)\s+([a-z]+)\b([^`#|\n]*)")


def strings_in(path: Path) -> list[str]:
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_every_flag_a_message_names_exists():
    """e.g. a hint once said --dead-letter-queue-url, which no command has (it is --dlq-url)."""
    wrong = {
        f"{path.name}: {text[:80]!r}: {flags}"
        for path in SOURCES
        for text in strings_in(path)
        if FLAG.search(text) and (flags := unknown_flags(text, None))
    }
    assert wrong == set()


def document_commands(path: Path) -> list[tuple[str, str]]:
    """(command, its arguments) for every exchange-linker/el invocation, continuation lines joined."""
    text = path.read_text().replace("\\\n", " ")
    return [(match.group(1), match.group(0)) for match in INVOCATION.finditer(text) if match.group(1) in COMMANDS]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_documents_use_only_real_flags(document):
    invocations = document_commands(document)
    assert len(invocations) >= 5
    wrong = [
        (line, flags)
        for command, line in invocations
        if (flags := [f for f in FLAG.findall(line) if f not in flags_of(command)])
    ]
    assert wrong == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_sam_remote_invoke_names_the_stack(document):
    text = document.read_text().replace("\\\n", " ")
    invocations = re.findall(r"sam remote invoke[^`\n]*", text)
    assert all("--stack-name" in line for line in invocations), invocations


def test_version():
    result = run_cli("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"exchange-linker \d+\.\d+\.\d+\n", result.stdout)


def test_the_harness_commands_come_from_the_entry_point_group():
    assert {"run", "emulator"} <= set(COMMANDS)
    assert {"dlq", "replay", "status", "publish", "schema"} <= set(cli.commands)  # the operator's own
    assert "run" not in cli.commands  # loaded on demand, never at import


def test_the_operator_cli_does_not_import_the_harness():
    import subprocess
    import sys

    probe = (
        "import sys, exchange_linker_cli.main\n"
        "print(sorted(m for m in sys.modules if m.startswith('exchange_linker_tools')))"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


@pytest.mark.parametrize("command", [None, *COMMANDS], ids=lambda name: name or "exchange-linker")
def test_help_ends_with_a_worked_example(command):
    result = run_cli(*([command] if command else []), "--help")
    assert result.exit_code == 0, result.stderr
    blocks = result.stdout.strip().split("\n\n")
    last = blocks[-1]
    assert re.search(r"^\s*Examples?:", last, re.MULTILINE), result.stdout
    assert f"exchange-linker {command or ''}".strip() in last
    for line in last.splitlines():
        if "exchange-linker" in line:
            assert unknown_flags(f"`{line.split('#')[0].strip()}`", command) == []
