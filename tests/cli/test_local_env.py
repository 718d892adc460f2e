"""When the local stack's env file is used, and when it is not (a shell pointed at AWS never is)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from exchange_linker_cli.local_env import apply_env_file, read_env_file, remove_env_file, write_env_file

VARIABLES = {
    "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "DEAD_LETTER_QUEUE_URL": "http://127.0.0.1:4566/123456789012/dlq",
    "RESULTS_TABLE_NAME": "local-results",
    "DWOLLA_API_URL": "http://127.0.0.1:8089",
}


@pytest.fixture
def env_file(tmp_path):
    path = tmp_path / "state" / "local-stack.env"
    write_env_file(path, VARIABLES)  # written by this (live) process
    return path


def test_a_shell_pointed_nowhere_gets_the_local_stack(env_file):
    environ = {"EXCHANGE_LINKER_ENV_FILE": str(env_file), "AWS_REGION": "eu-west-1", "RESULTS_TABLE_NAME": "mine"}
    used = apply_env_file(environ)
    assert used is not None
    assert used.endpoint == "http://127.0.0.1:4566"
    assert environ["AWS_REGION"] == "us-east-1"  # the connection comes as a whole
    assert environ["RESULTS_TABLE_NAME"] == "mine"  # targets only fill what is missing
    assert environ["DEAD_LETTER_QUEUE_URL"] == VARIABLES["DEAD_LETTER_QUEUE_URL"]
    assert environ["DWOLLA_API_URL"] == VARIABLES["DWOLLA_API_URL"]  # `reconcile` reads the emulator


@pytest.mark.parametrize(
    "configured", [{"AWS_PROFILE": "prod"}, {"AWS_ENDPOINT_URL": "https://sqs.x"}, {"AWS_ACCESS_KEY_ID": "AKIA"}]
)
def test_a_shell_pointed_at_aws_is_left_alone(env_file, configured):
    environ = {"EXCHANGE_LINKER_ENV_FILE": str(env_file), **configured}
    assert apply_env_file(environ) is None
    assert environ == {"EXCHANGE_LINKER_ENV_FILE": str(env_file), **configured}


def test_a_profile_flag_is_aws_too(env_file):
    assert apply_env_file({"EXCHANGE_LINKER_ENV_FILE": str(env_file)}, profile="prod") is None


def test_a_file_whose_process_is_gone_is_ignored(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    path = tmp_path / "stale.env"
    write_env_file(path, VARIABLES, pid=int(finished.stdout))
    assert apply_env_file({"EXCHANGE_LINKER_ENV_FILE": str(path)}) is None


def test_the_file_is_a_shell_script_and_round_trips(env_file):
    text = env_file.read_text()
    assert f"export EXCHANGE_LINKER_LOCAL_PID={os.getpid()}" in text
    sourced = subprocess.run(
        ["bash", "-c", f"source {env_file} && echo $DEAD_LETTER_QUEUE_URL"], capture_output=True, text=True, check=True
    )
    assert sourced.stdout.strip() == VARIABLES["DEAD_LETTER_QUEUE_URL"]
    found = read_env_file(env_file)
    assert found is not None
    assert (found.pid, found.variables) == (os.getpid(), VARIABLES)


def test_only_the_writer_removes_it(env_file):
    remove_env_file(env_file, pid=os.getpid() + 1)  # a newer stack's file is not ours to remove
    assert env_file.exists()
    remove_env_file(env_file)
    assert not env_file.exists()
