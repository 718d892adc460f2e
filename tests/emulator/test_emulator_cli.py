"""Foreground mode: prints the URL and credentials, serves, and exits cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
import requests


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_module_entry_point_serves_until_signalled(stop_signal: signal.Signals) -> None:
    command = [sys.executable, "-m", "exchange_linker_tools.emulator", "--port", "0", "--key", "k", "--secret", "s"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        try:
            assert process.stdout is not None
            banner = [process.stdout.readline() for _ in range(3)]
            url = banner[0].split()[-1]
            response = requests.post(
                f"{url}/token", data={"grant_type": "client_credentials"}, auth=("k", "s"), timeout=5
            )
            process.send_signal(stop_signal)
            returncode = process.wait(timeout=10)
        finally:
            process.kill()

    assert url.startswith("http://127.0.0.1:")
    assert "k" in banner[1]
    assert "s" in banner[2]
    assert response.status_code == 200
    assert returncode == 0
