"""The workers' `invoke`/`invoked` markers tell which receives an invocation never returned from."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from exchange_linker_tools.chaos.collect import handler_receives
from exchange_linker_tools.chaos.verify import Receive


def worker(tmp_path: Path, name: str, *markers: dict[str, dict[str, object]]) -> SimpleNamespace:
    err = tmp_path / f"{name}.err"
    lines = [json.dumps({"chaos": kind, **fields}) for marker in markers for kind, fields in marker.items()]
    err.write_text("\n".join(["Traceback (not a marker)", *lines]) + "\n")
    return SimpleNamespace(err=err)


def test_an_invoke_without_its_invoked_is_a_receive_cut_short(tmp_path: Path) -> None:
    returned = worker(
        tmp_path,
        "w0",
        {"invoke": {"records": 2, "receives": [["m1", 1], ["m2", 4]]}},
        {"invoked": {"seconds": 0.1}},
        {"batch": {"received": 2}},
        {"invoke": {"records": 1, "receives": [["m2", 5]]}},  # SIGKILLed in it: the next is a new worker's
    )
    killed_twice = worker(tmp_path, "w1", {"invoke": {"records": 1, "receives": [["m2", 6]]}})
    receives = handler_receives(SimpleNamespace(workers=[returned, killed_twice]))  # type: ignore[arg-type]
    assert receives == {
        "m1": [Receive(1, completed=True)],
        "m2": [Receive(4, completed=True), Receive(5, completed=False), Receive(6, completed=False)],
    }
