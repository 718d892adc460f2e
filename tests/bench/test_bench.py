"""Smoke test of `python -m bench`: every scenario at tiny sizes, and the parsers on known input."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor

from rich.console import Console

from bench import cpu_quota, pricing, profile
from bench.cli import SCENARIOS
from bench.context import TINY, Context
from bench.machine import describe
from bench.report import render, write_json
from bench.scenarios import cost
from bench.scenarios.cold_start import top_imports
from bench.stack import moto_process

RAW = "\n".join(
    [
        "run (threading.py:1);call_action (moto/core/responses.py:1);"
        "SQSResponse.receive_message (moto/sqs/responses.py:9);utcnow (moto/core/utils.py:250) 7",
        "process (exchange_linker/ingest/processor.py:1);_make_api_call (botocore/client.py:1) 3",
        "process (exchange_linker/ingest/processor.py:1);create (exchange_linker/dwolla/exchanges.py:70) 2",
        "drain (exchange_linker_tools/poller.py:1);_make_api_call (botocore/client.py:1) 1",
        "handle (exchange_linker_tools/emulator/app.py:5) 1",
        "<module> (<string>:1) 1",
    ]
)


def test_profile_groups_samples_by_subsystem_and_function():
    samples = profile.parse_raw(RAW)
    groups = profile.by_subsystem(samples)
    assert groups["moto (AWS emulation, server side)"] == 7
    assert groups["botocore (handler's AWS calls)"] == 3
    assert groups["botocore (harness: poller, publisher)"] == 1
    assert groups["exchange_linker handler (incl. powertools, pydantic, requests)"] == 2
    assert groups["Dwolla emulator (server side)"] == 1
    assert sum(groups.values()) == 15
    assert profile.top_functions(samples)[0] == ("utcnow (moto/core/utils.py)", 7)


def test_importtime_output_gives_the_slowest_packages_per_section():
    stderr = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       100 |       2000 | app",
            "bench-mark: consumer",
            "import time:       500 |     700000 |   boto3",
            "import time:       300 |      90000 | requests",
            "import time:       300 |      90000 |   requests.adapters",
            "bench-mark: end",
        ]
    )
    assert top_imports(stderr, "consumer") == [("boto3", 700.0), ("requests", 90.0)]
    assert top_imports(stderr, "import") == []


def test_every_scenario_runs_at_tiny_sizes(tmp_path):
    """Scenarios that mostly wait on child processes run beside the others, to keep this test quick."""
    background = ("pipeline", "cold-start")
    with ThreadPoolExecutor(max_workers=len(background)) as pool:
        context = Context(sizes=TINY, aws_endpoint="unused", results_dir=tmp_path)
        futures = [pool.submit(SCENARIOS["pipeline"], context)]  # it starts its own moto
        with moto_process() as endpoint:
            context.aws_endpoint = endpoint
            futures.append(pool.submit(SCENARIOS["cold-start"], context))
            results = [run(context) for name, run in SCENARIOS.items() if name not in background]
            results += [future.result() for future in futures]
    by_name = {result.name: result for result in results}
    assert set(by_name) == set(SCENARIOS)
    assert all(result.checks for result in results)
    assert (tmp_path / "batch_latency.png").stat().st_size > 0
    assert by_name["tokens"].data["real"]["token_requests"] == 1
    assert by_name["aws-calls"].data["events"] == TINY.fleet_events
    assert by_name["memory"].data["peak_mib"] > 0
    assert by_name["pipeline"].data["run"]["exchanges_created"] == TINY.pipeline_events
    assert by_name["floor"].data["handler_ms"] > 0
    assert by_name["floor"].data["floor_ms"] > 0
    assert (tmp_path / "floor_sweep.png").stat().st_size > 0
    assert json.loads((tmp_path / "floor_sweep.json").read_text())["ratio"] > 0
    # The write-ahead intent before the POST, then the outcome (funding sources are opt-in and not in this mix).
    assert by_name["cost"].data["calls_per_event"]["dynamodb.UpdateItem"] == 2
    assert by_name["cost"].data["total_usd"]["batch_bus_off"] > 0
    assert by_name["rate-limit"].data["exchanges_created"] > 0
    assert json.loads((tmp_path / "rate_limit.json").read_text())["limit_rps"] == TINY.rate_limit_rps
    output = io.StringIO()
    render(Console(file=output, width=150), describe(), results)
    assert "exchange-linker benchmarks" in output.getvalue()
    write_json(tmp_path / "results.json", describe(), {"sizes": "tiny"}, results)
    document = json.loads((tmp_path / "results.json").read_text())
    assert set(document["scenarios"]) == set(SCENARIOS)


def test_cost_helpers_on_known_input(tmp_path):
    assert cost.modelled_ms(200.0, 30.0, 0.5) == 200.0  # the waits bound it
    assert cost.modelled_ms(200.0, 150.0, 0.5) == 300.0  # the CPU work bounds it
    item = {"eventId": {"S": "abc"}, "attempts": {"N": "1"}}
    assert cost.item_bytes(item) == len("eventId") + 3 + len("attempts") + 2
    emf = {
        "_aws": {"CloudWatchMetrics": [{"Dimensions": [["service"]], "Metrics": [{"Name": "A"}, {"Name": "B"}]}]},
        "service": "s",
    }
    log = tmp_path / "log"
    log.write_text('{"level": "INFO"}\n' + json.dumps(emf) + "\n" + json.dumps(emf) + "\n")
    assert cost.metric_names(log) == {"A (service=s)", "B (service=s)"}
    # 1M events in batches of 10 at 100 ms and 1024 MB: 100,000 x 0.1 GB-s x price + 100,000 requests
    expected = 100_000 * 0.1 * pricing.LAMBDA_ARM64_PER_GB_SECOND + 100_000 * pricing.LAMBDA_PER_REQUEST
    assert abs(cost.lambda_cost(100.0, 1024, 10) - expected) < 1e-9


def test_cost_is_modelled_where_no_cpu_quota_can_be_set(tmp_path, monkeypatch):
    monkeypatch.setattr(cpu_quota, "available", lambda: None)
    with moto_process() as endpoint:
        result = cost.run(Context(sizes=TINY, aws_endpoint=endpoint, results_dir=tmp_path))
    assert result.data["method"].startswith("MODELLED")
    assert all(row["handler_ms"] > 0 for row in result.data["memory_sizes"].values())
    assert json.loads((tmp_path / "cost.json").read_text())["memory_mb"] == result.data["memory_mb"]
