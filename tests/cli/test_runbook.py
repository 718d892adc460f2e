"""docs/runbook.md as written: its ```console local blocks run against a live local stack, and it has an
entry for every errorCode the service can emit.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from exchange_linker.dwolla.classification import KNOWN_ERROR_CODES
from tests.cli.conftest import REPO

pytestmark = pytest.mark.integration

RUNBOOK = REPO / "docs" / "runbook.md"
FENCE = re.compile(r"^```console local\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXPECTED_EXIT = re.compile(r"#\s*exits (\d+)")


def local_commands(text: str) -> list[tuple[str, int]]:
    """(command, expected exit code) for every `$ ` line of the local blocks, continuations joined."""
    commands = []
    for block in FENCE.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            if line.startswith("$ "):
                expected = EXPECTED_EXIT.search(line)
                commands.append((line[2:].strip(), int(expected.group(1)) if expected else 0))
    return commands


def test_the_runbook_marks_a_rehearsal():
    commands = [command for command, _ in local_commands(RUNBOOK.read_text())]
    assert len(commands) >= 8
    assert any(command.startswith("el replay") for command in commands)


def test_local_blocks_run_as_written(live_stack):
    text = RUNBOOK.read_text()
    (alias,) = re.findall(r"^\$ (alias el=.*)$", text, re.MULTILINE)  # the runbook's own setup
    commands = [(c, code) for c, code in local_commands(text) if "| jq" not in c or shutil.which("jq")]
    script = ["shopt -s expand_aliases", alias]
    for index, (command, _) in enumerate(commands):
        script += [command, f'echo "<<<{index} $?>>>"; echo "<<<{index}>>>" >&2']
    completed = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=REPO,
        env=live_stack.shell_env(),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    codes = {int(index): int(code) for index, code in re.findall(r"<<<(\d+) (\d+)>>>", completed.stdout)}
    for index, (command, expected) in enumerate(commands):
        stderr = completed.stderr.split(f"<<<{index}>>>")[0].rsplit(">>>", 1)[-1]
        assert codes.get(index) == expected, f"{command}\n{stderr}"
        if expected:
            assert len(stderr.strip().splitlines()) == 1, f"{command}: one line expected\n{stderr}"


def test_every_error_code_has_an_entry():
    entries = RUNBOOK.read_text().split("### DLQ not empty", 1)[1].split("###", 1)[0]
    quoted = set(re.findall(r"`([A-Za-z0-9]+)`", entries))
    assert KNOWN_ERROR_CODES - quoted == set()
    for code in ("ResultNotRecorded", "ExchangeMayExist", "ConflictingEvent"):
        (row,) = [line for line in entries.splitlines() if line.startswith(f"| `{code}`")]
        assert row.count("|") == 5, row  # meaning, what to check, whether replay helps
