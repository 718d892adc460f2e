"""The /_emulator controls in general: plain JSON, no token, loopback only, clear errors; stats and reset."""

from __future__ import annotations

import pytest
import requests
from emulator_client import Api, admin, exchange_body
from werkzeug.test import Client

from exchange_linker_tools.emulator import DwollaEmulator, FaultPlan
from exchange_linker_tools.emulator.app import EmulatorApp


def test_controls_need_no_token_and_answer_json(emulator: DwollaEmulator) -> None:
    response = requests.get(f"{emulator.url}/_emulator/exchanges", timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"exchanges": [], "total": 0}


def test_unknown_control_and_wrong_method(emulator: DwollaEmulator) -> None:
    missing = admin(emulator, "GET", "/nothing-here")
    wrong = admin(emulator, "PATCH", "/faults")

    assert (missing.status_code, missing.json()["code"]) == (404, "NotFound")
    assert (wrong.status_code, wrong.json()["code"]) == (405, "MethodNotAllowed")
    assert "POST" in wrong.json()["message"]


def test_body_must_be_a_json_object(emulator: DwollaEmulator) -> None:
    response = requests.post(f"{emulator.url}/_emulator/faults", data=b"{nope", timeout=5)

    assert response.status_code == 400
    assert response.json() == {"code": "BadRequest", "message": "The body must be a JSON object."}


def test_stats_and_reset(api: Api, emulator: DwollaEmulator) -> None:
    api.post_exchange(exchange_body(emulator))
    emulator.faults = FaultPlan(server_error_rate=0.5)
    emulator.hang("exchange-get")

    stats = admin(emulator, "GET", "/stats").json()
    reset = admin(emulator, "POST", "/reset")

    assert stats["exchanges_created"] == 1
    assert stats["tokens_issued"] == 1
    assert reset.json() == {"reset": True}
    assert emulator.exchanges == []
    assert emulator.faults == FaultPlan()
    assert emulator.hangs == {}
    assert api.get("/exchanges").status_code == 200, "tokens survive a reset"


def test_controls_refuse_callers_off_loopback(emulator: DwollaEmulator) -> None:
    """The server binds loopback only; the guard is a second wall should the app ever be mounted elsewhere."""
    app = EmulatorApp(emulator._state)

    remote = Client(app).get("/_emulator/exchanges", environ_overrides={"REMOTE_ADDR": "10.1.2.3"})
    local = Client(app).get("/_emulator/exchanges", environ_overrides={"REMOTE_ADDR": "::1"})

    assert remote.status_code == 403
    assert local.status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com", ""])
def test_emulator_refuses_every_non_loopback_host(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        DwollaEmulator(host=host)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_hosts_serve_the_controls(host: str) -> None:
    try:
        emulator = DwollaEmulator(host=host).start()
    except OSError:
        pytest.skip(f"{host} is not available here")
    try:
        assert requests.get(f"{emulator.url}/_emulator/stats", timeout=5).status_code == 200
    finally:
        emulator.stop()
