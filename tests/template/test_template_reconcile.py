"""The scheduled reconciliation in the template: off by default, a Schedule event (an EventBridge rule) when
ReconcileSchedule is set, the consumer's Dwolla and table configuration, a read-only role, an alarm."""

from __future__ import annotations

import json
from typing import Any

from exchange_linker.observability import Metric
from exchange_linker.settings import ReconcileSettings
from tests.template.support import function_properties, resources_of_type
from tests.template.test_template_iam import granted, transformed  # noqa: F401 - the SAM-transformed fixture

FUNCTION = "ReconcileFunction"
CONDITIONAL = (
    "ReconcileFunction",
    "ReconcileFunctionRole",
    "ReconcileFunctionLogGroup",
    "ReconcileDisagreementsAlarm",
    "ReconcileErrorsAlarm",
)


def plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def test_the_reconciliation_is_off_by_default(template: dict[str, Any]) -> None:
    assert template["Parameters"]["ReconcileSchedule"]["Default"] == ""
    assert plain(template["Conditions"]["HasReconcileSchedule"]) == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ReconcileSchedule"}, ""]}]
    }
    for name in CONDITIONAL:
        assert template["Resources"][name]["Condition"] == "HasReconcileSchedule", name
    assert template["Outputs"]["ReconcileFunctionName"]["Condition"] == "HasReconcileSchedule"


def test_the_schedule_is_an_eventbridge_rule_on_the_parameter(template: dict[str, Any]) -> None:
    (event,) = function_properties(template, FUNCTION)["Events"].values()
    assert event["Type"] == "Schedule"
    assert plain(event["Properties"]["Schedule"]) == {"Ref": "ReconcileSchedule"}


def test_after_the_sam_transform_the_rule_and_its_permission_share_the_condition(
    transformed: dict[str, Any],  # noqa: F811
) -> None:
    rules = resources_of_type(transformed, "AWS::Events::Rule")
    (rule,) = [r for r in rules.values() if "ReconcileSchedule" in json.dumps(r["Properties"])]
    assert rule["Condition"] == "HasReconcileSchedule"
    permissions = [
        p for p in resources_of_type(transformed, "AWS::Lambda::Permission").values() if FUNCTION in json.dumps(p)
    ]
    assert permissions
    assert {p["Condition"] for p in permissions} == {"HasReconcileSchedule"}


def test_the_function_reads_dwolla_and_the_table_as_the_consumer_does(template: dict[str, Any]) -> None:
    mine = function_properties(template, FUNCTION)["Environment"]["Variables"]
    consumer = function_properties(template, "LinkCompletedFunction")["Environment"]["Variables"]
    shared = (
        "DWOLLA_ENVIRONMENT",
        "DWOLLA_API_URL",
        "DWOLLA_CREDENTIALS_SECRET_ID",
        "DWOLLA_TOKEN_SECRET_ID",
        "RESULTS_TABLE_NAME",
    )
    assert {name: plain(mine[name]) for name in shared} == {name: plain(consumer[name]) for name in shared}
    assert plain(mine["RECONCILE_WINDOW_HOURS"]) == {"Ref": "ReconcileWindowHours"}
    assert plain(mine["RECONCILE_REQUESTS_PER_SECOND"]) == {"Ref": "ReconcileRequestsPerSecond"}
    aliases = {str(field.validation_alias.choices[0]) for field in ReconcileSettings.model_fields.values()}  # type: ignore[union-attr]
    assert {name for name in mine if not name.startswith(("POWERTOOLS_", "LOG_"))} <= aliases


def test_the_function_has_time_and_no_retries(template: dict[str, Any]) -> None:
    function = function_properties(template, FUNCTION)
    assert (function["CodeUri"], function["Handler"]) == ("functions/reconcile/", "app.lambda_handler")
    assert function["Timeout"] == 900
    assert function["EventInvokeConfig"] == {"MaximumRetryAttempts": 0}


def test_the_role_only_reads(template: dict[str, Any]) -> None:
    actions = set(granted(template, "ReconcileFunctionRole"))
    writes = {a for a in actions if a.split(":")[1].startswith(("Put", "Update", "Delete", "BatchWrite", "Send"))}
    assert writes == {"logs:PutLogEvents"}  # its own log lines, nothing else
    assert {"dynamodb:Scan", "dynamodb:Query", "secretsmanager:GetSecretValue"} <= actions


def test_the_alarm_watches_the_metric_every_run_emits(template: dict[str, Any]) -> None:
    alarm = plain(template["Resources"]["ReconcileDisagreementsAlarm"]["Properties"])
    assert alarm["MetricName"] == Metric.RECONCILE_DISAGREEMENTS.value
    assert (alarm["Namespace"], alarm["Dimensions"]) == (
        "ExchangeLinker",
        [{"Name": "service", "Value": "exchange-linker"}],
    )
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Sum",
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert alarm["TreatMissingData"] == "ignore"  # keeps its state between runs; a run that agrees clears it
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
