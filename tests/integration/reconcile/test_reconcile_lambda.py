"""functions/reconcile/app.py as the schedule runs it: imported with the function's environment, invoked with
an EventBridge scheduled event, against moto server and the emulator; its metric read from the EMF it prints."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from exchange_linker_tools.local_stack import LocalStack
from exchange_linker_tools.poller import LambdaContext
from tests.conftest import CUSTOMER_ID
from tests.integration.reconcile.stack_helpers import OTHER_CUSTOMER, consumer_creates_exchanges, plant_orphan

pytestmark = pytest.mark.integration

APP = Path(__file__).resolve().parents[3] / "functions" / "reconcile" / "app.py"
METRIC = "ReconcileDisagreements"
SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-12-03T06:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/exchange-linker-ReconcileSchedule"],
    "detail": {},
}


def reconcile_environment(stack: LocalStack) -> dict[str, str]:
    """The template gives ReconcileFunction the consumer's Dwolla and table variables (tests/template checks)."""
    names = ("DWOLLA_API_URL", "DWOLLA_CREDENTIALS_SECRET_ID", "DWOLLA_TOKEN_SECRET_ID", "RESULTS_TABLE_NAME")
    return {
        **{name: stack.resources.function_environment[name] for name in names},
        "RECONCILE_REQUESTS_PER_SECOND": "50",
        "RECONCILE_WINDOW_HOURS": "25",
        "POWERTOOLS_SERVICE_NAME": "exchange-linker",
        "POWERTOOLS_METRICS_NAMESPACE": "ExchangeLinker",
    }


def load_reconcile_handler(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """A cold start: the module executed afresh under a unique name (every function has an app.py)."""
    for name, value in reconcile_environment(stack).items():
        monkeypatch.setenv(name, value)
    name = f"reconcile_app_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, APP)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module.lambda_handler  # type: ignore[no-any-return]


def context() -> LambdaContext:
    return LambdaContext(function_name="ReconcileFunction", timeout_ms=900_000)


def metric_values(output: str) -> list[float]:
    """Every ReconcileDisagreements value in the EMF documents printed, with its dimensions checked."""
    values = []
    for line in output.splitlines():
        if line.startswith('{"_aws"'):
            document = json.loads(line)
            (directive,) = document["_aws"]["CloudWatchMetrics"]
            if METRIC in {metric["Name"] for metric in directive["Metrics"]}:
                assert directive["Namespace"] == "ExchangeLinker"
                assert directive["Dimensions"] == [["service"]]
                assert document["service"] == "exchange-linker"
                value = document[METRIC]  # a list when one flush holds several values
                values += [float(v) for v in value] if isinstance(value, list) else [float(value)]
    return values


def test_a_scheduled_run_that_finds_an_orphan_and_a_removed_exchange_emits_the_metric(
    stack: LocalStack, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, captured_logs: io.StringIO
) -> None:
    consumer_creates_exchanges(stack)
    orphan = plant_orphan(stack, OTHER_CUSTOMER)
    removed = next(row for row in stack.results().values() if row.get("customerId") == CUSTOMER_ID)
    stack.emulator.remove_exchange(removed["exchangeId"])
    handler = load_reconcile_handler(stack, monkeypatch)
    capfd.readouterr()

    answer = handler(SCHEDULED_EVENT, context())

    output = capfd.readouterr().out
    assert metric_values(output) == [2.0]
    assert answer["agrees"] is False
    assert [u["exchangeId"] for u in answer["unrecorded"]] == [orphan]
    assert [r["exchangeId"] for r in answer["removed"]] == [removed["exchangeId"]]
    logged = [json.loads(line) for line in captured_logs.getvalue().splitlines() if line.startswith("{")]
    assert [line["level"] for line in logged if line["message"].startswith("reconciled")] == ["ERROR"]


def test_a_run_that_agrees_emits_zero_so_the_alarm_clears(
    stack: LocalStack, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer_creates_exchanges(stack)
    handler = load_reconcile_handler(stack, monkeypatch)
    capfd.readouterr()
    answer = handler(SCHEDULED_EVENT, context())
    assert answer["agrees"] is True
    assert answer["owners"] == 3
    assert metric_values(capfd.readouterr().out) == [0.0]


def test_a_run_out_of_time_reports_its_owners_unread_and_counts_them(
    stack: LocalStack, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lambda's 15 minutes are a hard stop: owners not reached by the deadline (less the margin kept to answer)
    are disagreements, so the alarm says the run could not vouch for them."""
    consumer_creates_exchanges(stack)
    handler = load_reconcile_handler(stack, monkeypatch)
    capfd.readouterr()
    answer = handler(SCHEDULED_EVENT, LambdaContext(function_name="ReconcileFunction", timeout_ms=10_500))
    assert {row["errorCode"] for row in answer["unread"]} == {"DeadlineExceeded"}
    assert len(answer["unread"]) == 3
    assert metric_values(capfd.readouterr().out) == [3.0]
