"""`exchange-linker run` end to end: the sample events through the real handler module, and the CLI."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from exchange_linker_tools.local_run import run_pipeline
from exchange_linker_tools.sample_events import generated_events, sample_events

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_every_sample_event_ends_where_expected_json_says(stack, tmp_path):
    with (tmp_path / "run.log").open("w") as logs:
        summary = run_pipeline(stack, sample_events(), log_stream=logs)
    assert summary.all_terminal
    assert [outcome.name for outcome in summary.unexpected] == []
    created = summary.counts_by_status["CREATED"]
    assert created == summary.exchanges_created_at_dwolla == len(stack.emulator.exchanges)
    assert sum(summary.dead_letters_by_code.values()) == summary.counts_by_status["FAILED"]
    assert "exchange created" in (tmp_path / "run.log").read_text()


def test_generated_events_mix_partners_and_failures(stack, tmp_path):
    events = generated_events(60, seed=3, failure_share=0.3)
    assert len({json.loads(event.body)["partner"] for event in events}) == 5
    with (tmp_path / "run.log").open("w") as logs:
        summary = run_pipeline(stack, events, log_stream=logs)
    assert summary.all_terminal
    assert summary.unexpected == []
    assert 0 < summary.counts_by_status["FAILED"] < 60


def test_make_run_command_exits_zero_and_prints_json(tmp_path):
    """The README's command as written, `make run ARGS=--json`: stdout is the JSON and nothing else."""
    outside = ("AWS_", "MAKELEVEL", "MAKEFLAGS", "MFLAGS")  # as typed in a shell, not from inside `make test`
    environment = {name: value for name, value in os.environ.items() if not name.startswith(outside)}
    completed = subprocess.run(
        ["make", "run", f"ARGS=--json --log-file {tmp_path / 'run.log'}"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = json.loads(completed.stdout)
    assert report["allTerminal"] is True
    assert report["unexpected"] == []
    assert report["countsByStatus"] == {"CREATED": 12, "FAILED": 7}
    assert report["deadLetterQueue"]["depth"] == 7
    camel = {"name", "eventId", "partner", "customerId", "status", "exchangeId", "errorCode"}
    funding = {"fundingSourceStatus", "fundingSourceId", "expectedFundingSource"}
    assert set(report["events"][0]) == camel | {"expectedStatus", "expectedError"} | funding
    # Issue 14: the two funding-source samples end with one each, made at the emulator.
    assert (report["eventsWithFundingSource"], report["fundingSourcesCreatedAtDwolla"]) == (2, 2)
    # Every terminal row announced through the stream (one FAILED sample has no usable eventId, so no row).
    assert report["outcomeEvents"] == {"Exchange Created": 12, "Exchange Failed": 6, "Funding Source Created": 2}
    assert report["unannounced"] == []
