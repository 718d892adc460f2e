"""`exchange-linker replay` against moto: what moves, what stays, what a replayed message carries."""

from __future__ import annotations

import json

import pytest

from exchange_linker.adapters.sqs_queues import SqsDestinationQueue, SqsSourceQueue
from exchange_linker.contracts.dead_letter import REASON_ATTRIBUTE
from exchange_linker.errors import AwsError
from exchange_linker.replay.filter import ReplayFilter
from exchange_linker.replay.replayer import Replayer, StopReason
from tests.conftest import link_event
from tests.integration.helpers import drain, reason
from tests.replay.conftest import clients as shared_clients
from tests.replay.conftest import dead_letter, depth, invoke, messages_in, output_json, redrive_by_sqs, strings

pytestmark = pytest.mark.integration


def test_dry_run_changes_nothing(stack, cli):
    letters = [dead_letter(stack, link_event(), code) for code in ("InvalidScope", "InvalidScope", "NotFound")]
    before = sorted((m["Body"], json.dumps(strings(m), sort_keys=True)) for m in stack.dead_letters())
    result = invoke(cli, stack, "replay", "--dry-run", "--error-code", "InvalidScope")
    assert result.exit_code == 0, result.stderr
    assert "would-move" in result.stdout
    assert "Would move 2 (InvalidScope 2)" in result.stderr
    assert depth(stack, stack.resources.dead_letter_queue_url) == (3, 0)  # all visible again, at once
    after = sorted((m["Body"], json.dumps(strings(m), sort_keys=True)) for m in stack.dead_letters())
    assert after == before
    assert sorted(body for body, _ in after) == sorted(letters)
    assert depth(stack, stack.resources.queue_url) == (0, 0)


def test_replayed_message_keeps_body_and_upstream_attributes_and_counts_replays(stack, cli):
    """Through the real consumer twice: it dead-letters, the replay sends back, it dead-letters again."""
    stack.emulator.set_scope_enabled(False)
    event = link_event(metadata={"note": "café ☕"})
    text = json.dumps(event, indent=3, ensure_ascii=False)  # odd spacing and non-ASCII: must survive as is
    upstream = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "source": "linking-ui"}
    stack.publish(text, upstream)
    drain(stack)
    for expected_count in ("1", "2"):
        assert output_json(invoke(cli, stack, "replay", "--yes", "--json"))["moved"] == 1
        (replayed,) = messages_in(stack, stack.resources.queue_url)
        assert replayed["Body"] == text
        assert strings(replayed) == {**upstream, "replayCount": expected_count}
        drain(stack)  # scope still off: back to the DLQ, replayCount carried through
        (letter,) = stack.dead_letters()
        assert reason(letter)["replayCount"] == int(expected_count)
        assert set(strings(letter)) == {*upstream, REASON_ATTRIBUTE}


def test_messages_sqs_redrove_are_matched_through_their_result(stack, cli):
    """SQS's own redrive leaves no reason on the message: the results table tells it."""
    stack.emulator.faults.server_error_rate = 1.0
    never_dead_letters_itself = stack.consumer(MAX_RECEIVE_COUNT="100")  # e.g. it kept timing out instead
    redriven = link_event()
    stack.publish(redriven)
    drain(stack, never_dead_letters_itself)
    (letter,) = stack.dead_letters()
    assert strings(letter) == {}
    assert stack.result(redriven["eventId"])["errorCode"] == "ServerError"
    redrive_by_sqs(stack, json.dumps(link_event()))  # redriven too, but no result: its reason is unknown
    dead_letter(stack, link_event(), "ServerError")  # ours, with attributes
    summary = output_json(invoke(cli, stack, "replay", "--json", "--error-code", "ServerError"))
    assert summary["moved"] == 2
    by_event = {row["eventId"]: row for row in summary["events"]}
    assert by_event[redriven["eventId"]]["reasonFrom"] == "results"
    assert by_event[redriven["eventId"]]["partner"] == "Plaid"
    (left,) = stack.dead_letters()
    assert strings(left) == {}  # the one nobody can explain stays
    stack.emulator.faults.server_error_rate = 0.0
    drain(stack)
    assert stack.result(redriven["eventId"])["status"] == "CREATED"


def test_limit(stack, cli):
    for _ in range(5):
        dead_letter(stack, link_event(), "InvalidScope")
    summary = output_json(invoke(cli, stack, "replay", "--yes", "--json", "--limit", "2", "--rate", "500"))
    assert (summary["moved"], summary["stoppedBy"]) == (2, "limit")
    assert depth(stack, stack.resources.queue_url) == (2, 0)
    assert depth(stack, stack.resources.dead_letter_queue_url) == (3, 0)


class BrokenDestination(SqsDestinationQueue):
    def send(self, body, attributes):
        raise AwsError("sqs", "ServiceUnavailable", "the destination is down")


class CrashAfterSendError(Exception):
    pass


class CrashingSource(SqsSourceQueue):
    def delete(self, receipt_handle):
        raise CrashAfterSendError  # the process dies between the send and the delete


def test_a_failed_send_leaves_the_message_in_the_dlq_visible(stack):
    letter = dead_letter(stack, link_event(), "InvalidScope")
    clients, resources = shared_clients(), stack.resources
    replayer = Replayer(
        SqsSourceQueue(clients, resources.dead_letter_queue_url, wait_seconds=0),
        BrokenDestination(clients, resources.queue_url),
    )
    summary = replayer.run(ReplayFilter(), dry_run=False)
    assert (summary.failed_sends, summary.moved, summary.stopped_by) == (1, 0, StopReason.SEND_FAILED)
    assert depth(stack, resources.dead_letter_queue_url) == (1, 0)
    assert [m["Body"] for m in stack.dead_letters()] == [letter]
    assert depth(stack, resources.queue_url) == (0, 0)


def test_a_crash_between_send_and_delete_duplicates_never_drops(stack):
    letter = dead_letter(stack, link_event(), "InvalidScope")
    clients, resources = shared_clients(), stack.resources
    replayer = Replayer(
        CrashingSource(clients, resources.dead_letter_queue_url, wait_seconds=0),
        SqsDestinationQueue(clients, resources.queue_url),
    )
    with pytest.raises(CrashAfterSendError):
        replayer.run(ReplayFilter(), dry_run=False)
    assert [m["Body"] for m in messages_in(stack, resources.queue_url)] == [letter]
    assert depth(stack, resources.dead_letter_queue_url) == (1, 0)  # and visible again in the DLQ
    drain(stack)  # the consumer settles it; a later replay of the DLQ copy is then skipped as a duplicate


@pytest.fixture(scope="module")
def refusals_stack(shared_stack):
    """One DLQ message that every refusal must leave where it is (each test checks)."""
    dead_letter(shared_stack, link_event(), "InvalidScope")
    return shared_stack


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--rate", "0"], "0<x<=10000"),
        (["--rate", "-2"], "0<x<=10000"),
        (["--limit", "0"], "x>=1"),
        (["--failed-after", "2026-11-21", "--failed-before", "2026-11-20"], "earlier than"),
        (["--failed-after", "yesterday"], "ISO 8601"),
    ],
)
def test_refuses_bad_options(refusals_stack, cli, arguments, message):
    stack = refusals_stack
    result = invoke(cli, stack, "replay", *arguments)
    assert result.exit_code == 2
    assert message in result.stderr
    assert depth(stack, stack.resources.dead_letter_queue_url) == (1, 0)
    assert depth(stack, stack.resources.queue_url) == (0, 0)


def test_refuses_to_replay_into_the_dlq_itself(refusals_stack, cli):
    stack = refusals_stack
    dlq_url = stack.resources.dead_letter_queue_url
    same_queue_other_url = dlq_url.replace("127.0.0.1", "localhost")
    assert same_queue_other_url != dlq_url
    for url in (dlq_url, same_queue_other_url):
        result = invoke(cli, stack, "replay", "--yes", "--queue-url", url)
        assert result.exit_code == 2, result.stdout
        assert "dead-letter queue itself" in result.stderr
    assert depth(stack, dlq_url) == (1, 0)


def test_refuses_a_destination_that_does_not_exist(refusals_stack, cli):
    stack = refusals_stack
    missing = stack.resources.queue_url + "-nope"
    result = invoke(cli, stack, "replay", "--yes", "--queue-url", missing)
    assert result.exit_code == 2
    assert f"no link-completed queue at {missing} (QueueDoesNotExist): check --queue-url" in result.stderr
    assert depth(stack, stack.resources.dead_letter_queue_url) == (1, 0)
