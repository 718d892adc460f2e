"""A replay without a filter asks first, showing what would move by error code; the summary adds up."""

from __future__ import annotations

import json

import pytest

from exchange_linker_cli.commands import replay as replay_command
from tests.cli.conftest import run_cli
from tests.conftest import link_event
from tests.replay.conftest import dead_letter, depth

pytestmark = pytest.mark.integration


@pytest.fixture
def dlq(stack, monkeypatch):
    monkeypatch.setattr(replay_command, "interactive", lambda: True)  # a person at a terminal
    for code in ("InvalidScope", "InvalidScope", "NotFound"):
        dead_letter(stack, link_event(), code)
    dead_letter(stack, "not json", "InvalidEvent")
    return stack


def environment(stack):
    return {**stack.resources.outputs(), "AWS_ENDPOINT_URL": stack.aws_endpoint}


def test_it_asks_with_the_counts_and_moves_on_yes(dlq):
    result = run_cli("replay", env=environment(dlq), stdin="y\n")
    assert result.exit_code == 0, result.stderr
    assert "Would move 3 (InvalidScope 2, NotFound 1)" in result.stderr
    assert "Held back (they fail again unchanged; name the code to move them): InvalidEvent 1" in result.stderr
    assert f"Move 3 messages back to {dlq.resources.queue_url}? [y/N]" in result.stderr
    assert (
        "Moved 3 of 3 matched (InvalidScope 2, NotFound 1); scanned 4, held back 1, not matched 0; left in the DLQ: 1"
        in result.stderr
    )
    assert depth(dlq, dlq.resources.queue_url) == (3, 0)
    assert depth(dlq, dlq.resources.dead_letter_queue_url) == (1, 0)


def test_no_moves_nothing(dlq):
    result = run_cli("replay", env=environment(dlq), stdin="n\n")
    assert result.exit_code == 1
    assert result.stderr.endswith("? [y/N]:exchange-linker replay: nothing moved (declined)\n")  # input not echoed
    assert depth(dlq, dlq.resources.dead_letter_queue_url) == (4, 0)
    assert depth(dlq, dlq.resources.queue_url) == (0, 0)


def test_yes_skips_the_question(dlq):
    result = run_cli("replay", "--yes", "--json", env=environment(dlq))
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["moved"], summary["heldBack"], summary["leftInDlq"]) == (3, 1, 1)
    assert "[y/N]" not in result.stderr


def test_a_filter_needs_no_question(dlq):
    result = run_cli("replay", "--error-code", "NotFound", "--json", env=environment(dlq))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["moved"] == 1
