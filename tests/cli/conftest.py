"""Running the operator CLI as an operator would: stdout and stderr apart, the environment as given."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from exchange_linker_cli.local_env import TARGETS
from exchange_linker_cli.main import cli

# What a shell pointed at nothing has: no endpoint, region, credentials, profile or config files.
BARE = {
    "AWS_ENDPOINT_URL": None,
    "AWS_REGION": None,
    "AWS_DEFAULT_REGION": None,
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
    "LINK_COMPLETED_QUEUE_URL": None,
    "DEAD_LETTER_QUEUE_URL": None,
    "RESULTS_TABLE_NAME": None,
    # what `reconcile` reads Dwolla with (the local stack's env file fills them in, like the targets)
    "DWOLLA_API_URL": None,
    "DWOLLA_ENVIRONMENT": None,
    "DWOLLA_CREDENTIALS_SECRET_ID": None,
    "DWOLLA_TOKEN_SECRET_ID": None,
}
KEYS = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "not-a-real-secret", "AWS_REGION": "us-east-1"}


def run_cli(*args: str, env: Mapping[str, str | None] | None = None, stdin: str | None = None) -> Result:
    runner = CliRunner(mix_stderr=False)
    return runner.invoke(cli, list(args), env=dict(env or {}), input=stdin, catch_exceptions=False)


def one_line(result: Result, exit_code: int) -> str:
    """The failure as the operator sees it: nothing on stdout, exactly one line on stderr, the exit code."""
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.exit_code == exit_code, result.stderr
    return lines[0]


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


EXE = Path(sys.executable).parent / "exchange-linker"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class LiveStack:
    """`exchange-linker run --keep-running` in its own process, as an operator's first terminal runs it."""

    process: subprocess.Popen[str]
    env_file: Path
    log_file: Path

    @property
    def cli_env(self) -> dict[str, str | None]:
        """A second terminal: nothing but the env file's location (the default one, in real life)."""
        return {**BARE, "AWS_CONFIG_FILE": None, "EXCHANGE_LINKER_ENV_FILE": str(self.env_file)}

    def shell_env(self) -> dict[str, str]:
        environ = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
        for name in (*TARGETS, "DWOLLA_ENVIRONMENT"):
            environ.pop(name, None)
        return {**environ, "EXCHANGE_LINKER_ENV_FILE": str(self.env_file), "AWS_EC2_METADATA_DISABLED": "true"}

    def stop(self) -> tuple[int, str, str]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        stdout, stderr = self.process.communicate(timeout=60)
        return self.process.returncode, stdout, stderr


@pytest.fixture(scope="module")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    work = tmp_path_factory.mktemp("live")
    stack = LiveStack(process=None, env_file=work / "local.env", log_file=work / "run.log")  # type: ignore[arg-type]
    arguments = [
        "run",
        "--keep-running",
        "--json",
        "--env-file",
        str(stack.env_file),
        "--log-file",
        str(stack.log_file),
    ]
    stack.process = subprocess.Popen(
        [str(EXE), *arguments],
        cwd=work,
        env=stack.shell_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 90
    while not stack.env_file.exists():
        if stack.process.poll() is not None or time.monotonic() > deadline:
            code, _, stderr = stack.stop()
            pytest.fail(f"the local stack did not come up (exit {code}): {stderr[-2000:]}")
        time.sleep(0.2)
    try:
        yield stack
    finally:
        stack.stop()


CUSTOMER_ID_FOR_REHEARSAL = "74a207b2-b7b7-4efa-8bf8-582148e7b980"
