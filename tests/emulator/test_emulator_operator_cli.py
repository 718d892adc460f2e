"""The ``fault`` and ``clear`` subcommands against a running emulator, as separate processes; and --help."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
import time

import pytest
from emulator_client import CUSTOMER_ID, Api, exchange_body

from exchange_linker_tools.emulator import DwollaEmulator

MODULE = [sys.executable, "-m", "exchange_linker_tools.emulator"]
PROG = "python -m exchange_linker_tools.emulator"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MODULE, *args], capture_output=True, text=True, timeout=30, check=False)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again on leaving: nothing listens there


def test_fault_for_a_customer_then_clear(api: Api, emulator: DwollaEmulator) -> None:
    set_fault = _run("fault", "--url", emulator.url, "--code", "InvalidScope", "--customer-id", CUSTOMER_ID)
    refused = api.post_exchange(exchange_body(emulator))
    cleared = _run("clear", "--url", emulator.url + "/")
    allowed = api.post_exchange(exchange_body(emulator))

    assert set_fault.returncode == 0, set_fault.stderr
    assert set_fault.stdout == f"fault 1 set: InvalidScope (401) for customer {CUSTOMER_ID} at {emulator.url}\n"
    assert (refused.status_code, refused.json()["code"]) == (401, "InvalidScope")
    assert cleared.returncode == 0
    assert cleared.stdout == f"cleared 1 fault(s) at {emulator.url}\n"
    assert allowed.status_code == 201


def test_fault_for_a_partner_with_a_status(api: Api, emulator: DwollaEmulator) -> None:
    result = _run(
        "fault", "--url", emulator.url, "--code", "InvalidExchangeToken", "--partner", "mx", "--status", "401"
    )

    response = api.post_exchange(exchange_body(emulator, "mx"))

    assert result.returncode == 0
    assert result.stdout.count("\n") == 1
    assert "InvalidExchangeToken (401) for partner MX" in result.stdout
    assert (response.status_code, response.json()["code"]) == (401, "InvalidExchangeToken")


def test_the_exchange_linker_cli_passes_subcommands_through(emulator: DwollaEmulator) -> None:
    command = [sys.executable, "-c", "from exchange_linker_cli.main import main; main()"]
    result = subprocess.run(
        [*command, "emulator", "fault", "--url", emulator.url, "--code", "ServerError", "--partner", "Plaid"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert [rule.code for rule in emulator.fault_rules] == ["ServerError"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["fault", "--code", "Meltdown", "--partner", "Plaid"], "--code must be one of"),
        (["fault", "--code", "InvalidScope"], "give --customer-id, --partner, or both"),
        (["fault", "--code", "InvalidScope", "--customer-id", "xyz"], "--customer-id must be a UUID"),
        (["fault", "--code", "InvalidScope", "--partner", "Visa"], "--partner must be one of"),
        (["fault", "--partner", "Plaid"], "the following arguments are required: --code"),
        (["fault", "--url", "127.0.0.1:8089", "--code", "InvalidScope", "--partner", "MX"], "--url must look like"),
        (["clear", "--verbose"], "unrecognized arguments"),
        (["--rate-limit", "0"], "requests per second must be a positive number"),
        (["--host", "0.0.0.0"], "loopback only"),
        (["--server-error-rate", "2"], "FaultPlan rates"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], fragment: str) -> None:
    result = _run(*args)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_input_the_emulator_refuses_is_exit_2(emulator: DwollaEmulator) -> None:
    result = _run("fault", "--url", emulator.url, "--code", "InvalidScope", "--partner", "Plaid", "--status", "500")

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "the emulator refused: InvalidScope is answered with status 401, not 500" in result.stderr
    assert emulator.fault_rules == []


@pytest.mark.parametrize("subcommand", [["clear"], ["fault", "--code", "ServerError", "--partner", "Plaid"]])
def test_unreachable_emulator_is_one_line_and_exit_3(subcommand: list[str]) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    started = time.monotonic()

    result = _run(subcommand[0], "--url", url, *subcommand[1:])

    assert time.monotonic() - started < 5
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert f"cannot reach the emulator at {url}" in result.stderr
    assert "Traceback" not in result.stderr


def test_another_server_at_the_url_is_exit_3() -> None:
    """Something answers, but not the emulator: say so rather than claim the fault was set."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    try:
        result = _run("clear", "--url", f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()

    assert result.returncode == 3
    assert result.stderr.count("\n") == 1
    assert "no Dwolla emulator answered" in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["fault", "--help"], ["clear", "--help"]])
def test_every_help_ends_with_a_worked_example(args: list[str]) -> None:
    result = _run(*args)

    assert result.returncode == 0
    example = result.stdout.rstrip().rsplit("example:\n", 1)[1]
    assert example.lstrip().startswith(f"{PROG} {args[0] if args[0] != '--help' else 'serve'} ")
