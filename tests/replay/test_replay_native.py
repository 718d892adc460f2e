"""`replay --native`: SQS's StartMessageMoveTask, followed to its end (moto lacks it: botocore's Stubber).

Before the task starts, the DLQ is looked at (a receive, stubbed empty here): SQS cannot hold back the
messages that fail again unchanged, so a native move is refused when there are any.
"""

from __future__ import annotations

import json

import boto3
import click
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.replay.native import MoveTask, move_everything, native_rate

ACCOUNT = "123456789012"
QUEUE_URL = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/linker-link-completed"
DLQ_URL = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/linker-link-completed-dlq"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:linker-link-completed"
DLQ_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:linker-link-completed-dlq"
DESCRIBE = [
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]


@pytest.fixture
def stubbed(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # the stubbed client must name real SQS
    for name in ("RESULTS_TABLE_NAME", "LINK_COMPLETED_QUEUE_URL", "DEAD_LETTER_QUEUE_URL"):
        monkeypatch.delenv(name, raising=False)  # only the queues given on the command line, no table
    session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    clients = AwsClients(session)
    with Stubber(clients.sqs) as stubber:
        yield clients, stubber
        stubber.assert_no_pending_responses()


def describe(stubber: Stubber, url: str, arn: str, visible: int) -> None:
    attributes = {
        "QueueArn": arn,
        "ApproximateNumberOfMessages": str(visible),
        "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
    }
    stubber.add_response(
        "get_queue_attributes", {"Attributes": attributes}, {"QueueUrl": url, "AttributeNames": DESCRIBE}
    )


def looked(stubber: Stubber, *messages: dict) -> None:
    """The look at the DLQ before the move: one receive (then the held messages are released)."""
    stubber.add_response("receive_message", {"Messages": list(messages)} if messages else {})
    if messages:
        stubber.add_response("receive_message", {})
        stubber.add_response("change_message_visibility_batch", {"Successful": [], "Failed": []})


def listed(stubber: Stubber, *entries: dict) -> None:
    stubber.add_response("list_message_move_tasks", {"Results": list(entries)}, {"SourceArn": DLQ_ARN})


def run(cli: click.Group, clients: AwsClients, *args: str):
    runner = CliRunner(mix_stderr=False)
    base = ["replay", "--native", "--yes", "--queue-url", QUEUE_URL, "--dlq-url", DLQ_URL, "--poll-interval", "0"]
    return runner.invoke(cli, [*base, *args], obj=clients, catch_exceptions=False)


def running(moved: int, to_move: int | None = 10) -> dict:
    entry = {"TaskHandle": "task-1", "Status": "RUNNING", "SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN}
    entry["ApproximateNumberOfMessagesMoved"] = moved
    if to_move is not None:
        entry["ApproximateNumberOfMessagesToMove"] = to_move
    return entry


def test_starts_a_move_task_and_follows_it_until_completed(cli, stubbed):
    clients, stubber = stubbed
    describe(stubber, DLQ_URL, DLQ_ARN, 10)
    describe(stubber, QUEUE_URL, QUEUE_ARN, 0)
    looked(stubber)
    stubber.add_response(
        "start_message_move_task",
        {"TaskHandle": "task-1"},
        {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN, "MaxNumberOfMessagesPerSecond": 50},
    )
    listed(stubber, running(0, None))
    listed(stubber, running(6))
    done = {"Status": "COMPLETED", "SourceArn": DLQ_ARN, "ApproximateNumberOfMessagesMoved": 10}
    listed(stubber, {**done, "ApproximateNumberOfMessagesToMove": 10})
    result = run(cli, clients, "--rate", "50", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "taskHandle": None,
        "status": "COMPLETED",
        "moved": 10,
        "toMove": 10,
        "failureReason": None,
    }


def test_a_failed_task_fails_the_command_with_its_reason(cli, stubbed):
    clients, stubber = stubbed
    describe(stubber, DLQ_URL, DLQ_ARN, 3)
    describe(stubber, QUEUE_URL, QUEUE_ARN, 0)
    looked(stubber)
    stubber.add_response(
        "start_message_move_task", {"TaskHandle": "task-1"}, {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN}
    )
    failed = {"Status": "FAILED", "ApproximateNumberOfMessagesMoved": 1, "FailureReason": "AccessDenied"}
    listed(stubber, failed)
    result = run(cli, clients)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == "exchange-linker replay: the SQS move task ended FAILED: AccessDenied"


def test_sqs_refusing_the_task_is_a_clear_error(cli, stubbed):
    clients, stubber = stubbed
    describe(stubber, DLQ_URL, DLQ_ARN, 3)
    describe(stubber, QUEUE_URL, QUEUE_ARN, 0)
    looked(stubber)
    stubber.add_client_error(
        "start_message_move_task",
        service_error_code="UnsupportedOperation",
        service_message="There is already a task running",
    )
    result = run(cli, clients)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        "exchange-linker replay: SQS refused the move task (UnsupportedOperation): There is already a task running"
    )


@pytest.mark.parametrize(
    "arguments",
    [
        ["--error-code", "InvalidScope"],
        ["--partner", "Plaid"],
        ["--dry-run"],
        ["--limit", "5"],
        ["--failed-after", "2026-01-01"],
    ],
)
def test_native_refuses_filters_dry_run_and_limit(cli, stubbed, arguments):
    clients, _ = stubbed  # no response stubbed: any AWS call would fail the test
    result = run(cli, clients, *arguments)
    assert result.exit_code == 2
    assert "--native moves everything" in result.stderr


def test_native_refuses_a_rate_sqs_cannot_take(cli, stubbed):
    clients, _ = stubbed  # refused before any AWS call
    result = run(cli, clients, "--rate", "2.5")
    assert result.exit_code == 2
    assert "whole --rate between 1 and 500" in result.stderr


def test_native_refuses_the_dlq_as_destination_by_arn(cli, stubbed):
    clients, stubber = stubbed
    alias = DLQ_URL.replace("sqs.us-east-1.amazonaws.com", "sqs.us-east-1.api.aws")
    describe(stubber, DLQ_URL, DLQ_ARN, 3)
    describe(stubber, alias, DLQ_ARN, 3)
    runner = CliRunner(mix_stderr=False)
    arguments = ["replay", "--native", "--yes", "--queue-url", alias, "--dlq-url", DLQ_URL]
    result = runner.invoke(cli, arguments, obj=clients)
    assert result.exit_code == 2
    assert "dead-letter queue itself" in result.stderr


def test_native_refuses_when_messages_would_fail_again_unchanged(cli, stubbed):
    clients, stubber = stubbed
    describe(stubber, DLQ_URL, DLQ_ARN, 1)
    describe(stubber, QUEUE_URL, QUEUE_ARN, 0)
    invalid = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "Body": "not json",
        "MessageAttributes": {"errorCode": {"DataType": "String", "StringValue": "InvalidEvent"}},
    }
    looked(stubber, invalid)
    result = run(cli, clients)  # no move task stubbed: starting one would fail the test
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "exchange-linker replay: --native would also move 1 messages that fail again unchanged (InvalidEvent): "
        "use `exchange-linker replay --yes` instead (the same move, done by the CLI, with its guards)"
    )


class FakeMover:
    def __init__(self, statuses: list[MoveTask]) -> None:
        self.statuses = statuses
        self.started: list[tuple[str, str, int | None]] = []

    def start(self, source_arn, destination_arn, max_per_second):
        self.started.append((source_arn, destination_arn, max_per_second))
        return "h"

    def tasks(self, source_arn):
        return [self.statuses.pop(0)]


def test_move_everything_polls_at_the_given_interval_until_the_end():
    sleeps: list[float] = []
    seen: list[str] = []
    mover = FakeMover(
        [MoveTask("h", "RUNNING", 0, None), MoveTask("h", "RUNNING", 4, 9), MoveTask(None, "CANCELLED", 5, 9)]
    )
    final = move_everything(
        mover, "src", "dst", rate=7, poll_seconds=2.5, sleep=sleeps.append, on_progress=lambda t: seen.append(t.status)
    )
    assert (final.status, final.moved) == ("CANCELLED", 5)
    assert sleeps == [2.5, 2.5]
    assert seen == ["RUNNING", "RUNNING", "CANCELLED"]
    assert mover.started == [("src", "dst", 7)]


@pytest.mark.parametrize(("rate", "expected"), [(None, None), (1, 1), (500.0, 500)])
def test_native_rate(rate, expected):
    assert native_rate(rate) == expected


@pytest.mark.parametrize("rate", [0.5, 1.5, 501])
def test_native_rate_refused(rate):
    with pytest.raises(ValueError):
        native_rate(rate)
