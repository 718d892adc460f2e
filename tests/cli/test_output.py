"""Data on stdout only: a table on a terminal that never cuts an id, TSV lines when piped, JSON with --json."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from exchange_linker_cli import output
from exchange_linker_cli.report import RESULT_COLUMNS, render_results
from tests.cli.conftest import run_cli

LONG_EVENT = "evt-" + "7" * 120  # eventIds may be 128 characters
ROWS = [
    {
        "eventId": LONG_EVENT,
        "status": "FAILED",
        "partner": "Plaid",
        "customerId": "74a207b2-b7b7-4efa-8bf8-582148e7b980",
        "attempts": 5,
        "errorCode": "InvalidExchangeToken",
        "errorMessage": "The exchange token is not valid to perform this operation. Either the token is expired.",
        "updatedAt": "2026-11-20T18:04:05.000Z",
    },
    {
        "eventId": "c0a8012e-6f1c-4a53-9d0a-6c2b4f2f0b11",
        "status": "CREATED",
        "partner": "MX",
        "customerId": "74a207b2-b7b7-4efa-8bf8-582148e7b980",
        "attempts": 1,
        "exchangeId": "fcd15e5f-1c4b-4b5b-9c3f-7c4e0c0f0e11",
        "updatedAt": "2026-11-20T18:04:06.120Z",
    },
]


@pytest.fixture
def narrow_terminal(monkeypatch):
    """stdout is an 60-column terminal."""
    screen = io.StringIO()
    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setattr(output, "Console", lambda **kwargs: Console(file=screen, width=60, **kwargs))
    return screen


def test_a_terminal_table_never_cuts_an_id(narrow_terminal):
    render_results(ROWS)
    text = narrow_terminal.getvalue()
    for row in ROWS:
        for key in ("eventId", "customerId", "exchangeId"):
            if row.get(key):
                assert row[key] in text, key  # whole, on one line
    assert "…" not in text
    assert "InvalidExchangeToken" in text  # codes are copied into --error-code: whole too


def test_piped_output_is_tsv_with_a_header(capsys):
    render_results(ROWS)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == [column.key for column in RESULT_COLUMNS]
    assert lines[1].split("\t")[0] == LONG_EVENT
    assert lines[2].split("\t")[5] == "fcd15e5f-1c4b-4b5b-9c3f-7c4e0c0f0e11"
    assert all(len(line.split("\t")) == len(RESULT_COLUMNS) for line in lines)


def test_schema_json_is_the_only_thing_on_stdout():
    result = run_cli("schema", "--check", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["stale"] == []
