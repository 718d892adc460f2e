"""Every common mistake ends, within seconds, in one line on stderr naming what is wrong and what to do,
with its exit code (2 usage/configuration, 3 AWS unreachable or refused, 1 the operation failed).

Real parts wherever they can fail for real: a closed loopback port, moto server, a refusing endpoint that
answers like AWS, the emulator. Each line's flags are checked against the command that prints it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from botocore import exceptions as boto

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.errors import AwsError
from exchange_linker_cli.failures import explain
from exchange_linker_cli.local_env import write_env_file
from tests.cli.aws_refusals import RefusingAws
from tests.cli.conftest import BARE, KEYS, one_line, run_cli
from tests.cli.hints import unknown_flags

AWS_SQS = "https://sqs.us-east-1.amazonaws.com/123456789012/exchange-linker-production-link-completed-dlq"
NOT_RUNNING = "(`make run ARGS=--keep-running` starts it; or unset AWS_ENDPOINT_URL to use AWS)"


def failure(*args: str, env: dict[str, str | None], exit_code: int, stdin: str | None = None) -> str:
    started = time.monotonic()
    line = one_line(run_cli(*args, env=env, stdin=stdin), exit_code)
    assert time.monotonic() - started < 6, "a failure must be told within seconds"
    command = args[0]
    assert line.startswith(f"exchange-linker {command}: "), line
    assert [flag for flag in unknown_flags(line, command) if flag not in args] == [], line  # the hint's flags exist
    return line.removeprefix(f"exchange-linker {command}: ")


# ---------------------------------------------------------------- the stack is not running


@pytest.mark.parametrize(
    "command",
    [
        ["dlq", "--dlq-url", "{endpoint}/123456789012/dlq"],
        ["status", "--event-id", "evt-1", "--table-name", "results"],
        ["publish", "--queue-url", "{endpoint}/123456789012/q", "--partner", "Plaid", "--token", "t-1"],
        ["replay", "--error-code", "NotFound", "--dlq-url", "{endpoint}/1/dlq", "--queue-url", "{endpoint}/1/q"],
    ],
    ids=["dlq", "status", "publish", "replay"],
)
def test_an_endpoint_nobody_listens_on(closed_port, command):
    endpoint = f"http://127.0.0.1:{closed_port}"
    arguments = [part.format(endpoint=endpoint) for part in command]
    line = failure(*arguments, env={**BARE, **KEYS, "AWS_ENDPOINT_URL": endpoint}, exit_code=3)
    assert line == (
        f"cannot reach AWS at {endpoint} (connection refused or timed out): is the local stack running? {NOT_RUNNING}"
    )


def test_the_local_stack_stopped_without_cleaning_up(closed_port, tmp_path):
    """Killed with -9: its env file stays behind, naming a dead process. Ignored, so the line says what's missing."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    env_file = tmp_path / "local.env"
    endpoint = f"http://127.0.0.1:{closed_port}"
    write_env_file(
        env_file, {"AWS_ENDPOINT_URL": endpoint, "DEAD_LETTER_QUEUE_URL": f"{endpoint}/1/dlq"}, pid=int(dead.stdout)
    )
    line = failure("dlq", env={**BARE, "EXCHANGE_LINKER_ENV_FILE": str(env_file)}, exit_code=2)
    assert line == (
        "no dead-letter queue URL: pass --stack-name NAME or --dlq-url, or export DEAD_LETTER_QUEUE_URL "
        "(the local stack: `make run ARGS=--keep-running` starts it)"
    )


def test_the_local_stack_is_up_but_does_not_answer(closed_port, tmp_path):
    env_file = tmp_path / "local.env"
    endpoint = f"http://127.0.0.1:{closed_port}"
    variables = {**KEYS, "AWS_ENDPOINT_URL": endpoint, "DEAD_LETTER_QUEUE_URL": f"{endpoint}/1/dlq"}
    write_env_file(env_file, variables, pid=os.getpid())
    line = failure("dlq", env={**BARE, "EXCHANGE_LINKER_ENV_FILE": str(env_file)}, exit_code=3)
    assert line.startswith(f"cannot reach AWS at {endpoint}")


# ---------------------------------------------------------------- region and credentials


def test_no_region():
    env = {**BARE, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"}
    line = failure("dlq", "--dlq-url", AWS_SQS, env=env, exit_code=2)
    assert line == "no AWS region: pass --region (e.g. --region us-east-1) or export AWS_REGION"


def test_the_region_flag_is_enough():
    env = {**BARE, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"}  # no secret: refused at signing, after the region
    line = failure("dlq", "--dlq-url", AWS_SQS, "--region", "eu-west-1", env=env, exit_code=2)
    assert line.startswith("no AWS credentials")


def test_no_credentials():
    line = failure("dlq", "--dlq-url", AWS_SQS, env={**BARE, "AWS_REGION": "us-east-1"}, exit_code=2)
    assert line == (
        "no AWS credentials: pass --profile NAME (or export AWS_PROFILE); for the local stack, "
        "`make run ARGS=--keep-running` starts it"
    )


def test_an_unknown_profile():
    line = failure("status", "--event-id", "e", "--table-name", "t", "--profile", "oncall", env=BARE, exit_code=2)
    assert line == "no AWS profile 'oncall' in ~/.aws/config: check --profile / AWS_PROFILE"


@pytest.mark.parametrize(
    ("code", "command", "expected"),
    [
        (
            "ExpiredToken",
            ["dlq", "--dlq-url", "{url}/123456789012/dlq"],
            "AWS refused the credentials: they have expired (ExpiredToken): renew them (e.g. `aws sso login`) "
            "and run again",
        ),
        (
            "ExpiredTokenException",
            ["status", "--event-id", "e", "--table-name", "t"],
            "AWS refused the credentials: they have expired (ExpiredTokenException): renew them "
            "(e.g. `aws sso login`) and run again",
        ),
        (
            "AccessDenied",
            ["dlq", "--dlq-url", "{url}/123456789012/dlq"],
            "AWS denied sqs:GetQueueAttributes to these credentials (AccessDenied): use a role allowed to operate "
            "the stack (docs/runbook.md, 'Permissions')",
        ),
        (
            "AccessDeniedException",
            ["status", "--event-id", "e", "--table-name", "t"],
            "AWS denied dynamodb:GetItem to these credentials (AccessDeniedException): use a role allowed to "
            "operate the stack (docs/runbook.md, 'Permissions')",
        ),
        (
            "UnrecognizedClientException",
            ["publish", "--queue-url", "{url}/1/q", "--partner", "MX", "--token", "t"],
            "AWS does not recognise these credentials (UnrecognizedClientException): check --profile / "
            "AWS_PROFILE and the keys",
        ),
    ],
    ids=["expired-sqs", "expired-dynamodb", "denied-sqs", "denied-dynamodb", "unknown-keys"],
)
def test_aws_refuses_the_credentials(code, command, expected):
    with RefusingAws(code) as aws:
        arguments = [part.format(url=aws.url) for part in command]
        line = failure(*arguments, env={**BARE, **KEYS, "AWS_ENDPOINT_URL": aws.url}, exit_code=3)
        assert len(aws.requests) == 1, "a refusal is not retried"
    assert line == expected


def test_debug_adds_the_traceback(closed_port):
    endpoint = f"http://127.0.0.1:{closed_port}"
    env = {**BARE, **KEYS, "AWS_ENDPOINT_URL": endpoint}
    result = run_cli("dlq", "--dlq-url", f"{endpoint}/1/dlq", "--debug", env=env)
    assert result.exit_code == 3
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "EndpointConnectionError" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("exchange-linker dlq: cannot reach AWS")


# ---------------------------------------------------------------- wrong names


@pytest.fixture
def in_stack(stack):
    return {**stack.resources.outputs(), "AWS_ENDPOINT_URL": stack.aws_endpoint}


def test_a_wrong_table_name(in_stack):
    line = failure("status", "--event-id", "e", "--table-name", "resluts", env=in_stack, exit_code=2)
    assert line == (
        "no results table named 'resluts' (ResourceNotFoundException): check --table-name, --stack-name or "
        "RESULTS_TABLE_NAME"
    )
    assert failure("dlq", "--table-name", "resluts", env=in_stack, exit_code=2) == line


def test_a_wrong_queue_url(stack, in_stack):
    missing = stack.resources.queue_url + "-typo"
    line = failure("publish", "--queue-url", missing, "--partner", "Plaid", "--token", "t", env=in_stack, exit_code=2)
    assert line == (
        f"no link-completed queue at {missing} (QueueDoesNotExist): check --queue-url, --stack-name or "
        "LINK_COMPLETED_QUEUE_URL"
    )


def test_a_wrong_stack_name(stack, in_stack):
    line = failure("dlq", "--stack-name", "exchange-linker-prod", env=in_stack, exit_code=2)
    assert line == (
        f"no stack named 'exchange-linker-prod' in the local stack at {stack.aws_endpoint}: check --stack-name "
        "and --region"
    )


def test_a_wrong_secret_name_is_explained_like_the_others(stack):
    clients = AwsClients()
    with pytest.raises(AwsError) as raised, translated("secretsmanager"):
        clients.secretsmanager.get_secret_value(SecretId=stack.resources.credentials_secret_id + "-typo")
    explained = explain(raised.value)
    assert explained is not None
    assert (explained.format_message(), explained.exit_code) == (
        "AWS has no such secret (ResourceNotFoundException): check its name or --stack-name",
        2,
    )


# ---------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            ["publish", "--metadata", "nokv", "--partner", "Plaid", "--token", "t"],
            "Invalid value for '--metadata': 'nokv' is not KEY=VALUE (e.g. --metadata channel=ios) "
            "(see `exchange-linker publish --help`)",
        ),
        (
            ["replay", "--failed-after", "2026-13-45", "--dry-run"],
            "Invalid value for '--failed-after': '2026-13-45' is not an ISO 8601 time (e.g. 2026-11-20 or "
            "2026-11-20T18:04:05Z) (see `exchange-linker replay --help`)",
        ),
        (
            ["replay", "--rate", "0", "--error-code", "NotFound"],
            "Invalid value for '--rate': 0.0 is not in the range 0<x<=10000. (see `exchange-linker replay --help`)",
        ),
        (
            ["replay", "--failed-after", "2026-11-21", "--failed-before", "2026-11-20", "--dry-run"],
            "--failed-after must be earlier than --failed-before",
        ),
        (
            ["replay", "--error-code", " ", "--dry-run"],
            "--error-code: must not contain empty strings",
        ),
        (["status"], "give exactly one of --event-id or --customer-id"),
        (
            ["publish", "--partner", "Plaid"],
            "not a valid v1 link.completed event: event: exactly one credential is required (token, plaid, mx, "
            "finicity); got 0 (nothing was sent)",
        ),
        (["dlq", "--no-such-flag"], "No such option: --no-such-flag (see `exchange-linker dlq --help`)"),
    ],
    ids=["metadata", "date", "rate", "window", "blank-code", "status-needs-one", "invalid-event", "unknown-flag"],
)
def test_malformed_input(arguments, expected):
    line = failure(*arguments, env={**BARE, **KEYS}, exit_code=2)
    assert line == expected


def test_a_replay_of_everything_needs_a_yes_without_a_terminal(in_stack):
    line = failure("replay", env=in_stack, exit_code=2)
    assert line == (
        "a replay without a filter moves every replayable message: add --yes, or select with --error-code, "
        "--event-id, --customer-id, --partner, --failed-after or --failed-before (see what would move with --dry-run)"
    )


def test_native_on_the_local_stack(stack, in_stack):
    line = failure("replay", "--native", "--yes", env=in_stack, exit_code=2)
    assert line == (
        f"the local stack ({stack.aws_endpoint}) lacks SQS's StartMessageMoveTask: use `exchange-linker replay --yes` "
        "instead (the same move, done by the CLI, with its guards)"
    )


def test_the_emulator_refuses_every_interface_in_one_line():
    line = failure("emulator", "--host", "0.0.0.0", "--port", "0", env={}, exit_code=2)
    assert line == (
        "the emulator binds to loopback only, not '0.0.0.0' (it accepts fake credentials: keep the default "
        "--host 127.0.0.1)"
    )


@pytest.mark.parametrize(
    "error",
    [
        boto.UnauthorizedSSOTokenError(),
        boto.SSOTokenLoadError(error_msg="Token for my-sso does not exist"),
        boto.TokenRetrievalError(provider="sso", error_msg="expired"),
    ],
    ids=["unauthorized", "missing", "retrieval"],
)
def test_an_expired_sso_session(error):
    """Needs an SSO login to reproduce for real: botocore's own exceptions, as the credential chain raises them."""
    wrapped = AwsError("sqs", type(error).__name__, str(error))
    wrapped.__cause__ = error  # as adapters.aws.translated raises it
    explained = explain(wrapped)
    assert explained is not None
    assert (explained.format_message(), explained.exit_code) == (
        "AWS refused the credentials: the SSO session has expired: run `aws sso login` and try again",
        3,
    )
