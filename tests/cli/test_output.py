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


def terminal(monkeypatch, columns: int) -> io.StringIO:
    """stdout is a terminal this wide."""
    screen = io.StringIO()
    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setattr(output, "Console", lambda **kwargs: Console(file=screen, width=columns, **kwargs))
    return screen


def assert_ids_whole(text: str) -> None:
    for row in ROWS:
        for key in ("eventId", "customerId", "exchangeId", "errorCode"):  # codes are copied into --error-code
            if row.get(key):
                assert row[key] in text, key  # whole, on one line
    assert "…" not in text


@pytest.mark.parametrize("columns", [40, 80, 120, 200])
def test_a_terminal_never_cuts_an_id(monkeypatch, columns):
    screen = terminal(monkeypatch, columns)
    render_results(ROWS)
    assert_ids_whole(screen.getvalue())


def test_a_wide_terminal_gets_a_table_a_narrow_one_records(monkeypatch):
    wide = terminal(monkeypatch, 400)
    render_results(ROWS)
    assert wide.getvalue().count("┃") >= len(RESULT_COLUMNS)  # the header row of a table
    narrow = terminal(monkeypatch, 80)
    render_results(ROWS)
    lines = narrow.getvalue().splitlines()
    assert lines[0].split() == ["eventId", LONG_EVENT]  # key, value: one record per block
    assert lines.count("") == len(ROWS) - 1


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
