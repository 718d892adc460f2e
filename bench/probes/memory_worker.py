"""The handler alone in a process, fed Lambda events over stdin, answering with its memory after each.

    python -m bench.probes.memory_worker    (environment: the stack's, as the template declares it)

Protocol: one JSON event per input line; one JSON line per answer on the original stdout. Everything the
handler prints (JSON logs, EMF metrics) goes to /dev/null, as fd 1 is redirected there.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from bench.probes.cold_start_probe import Context  # imports only os, sys, time: nothing to skew the RSS

FUNCTION_DIR = Path(__file__).resolve().parents[2] / "functions" / "link_completed"


def memory_kb() -> dict[str, int]:
    """VmRSS and VmHWM (peak) of this process, from /proc (Linux)."""
    values: dict[str, int] = {}
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in {"VmRSS", "VmHWM"}:
                values[name] = int(rest.split()[0])
    return values


def main() -> None:
    answers = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    sink = os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, 1)
    answers.write(json.dumps({"stage": "started", **memory_kb()}) + "\n")
    sys.path.insert(0, str(FUNCTION_DIR))
    handler: Any = importlib.import_module("app").lambda_handler
    answers.write(json.dumps({"stage": "imported", **memory_kb()}) + "\n")
    for line in sys.stdin:
        response = handler(json.loads(line), Context())
        failures = len(response.get("batchItemFailures", []))
        answers.write(json.dumps({"stage": "batch", "failures": failures, **memory_kb()}) + "\n")


if __name__ == "__main__":
    main()
