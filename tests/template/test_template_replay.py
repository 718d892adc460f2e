"""The on-demand DLQ replay function: its configuration, environment, log group and output."""

from __future__ import annotations

import json
from typing import Any

from tests.template.support import function_properties

FUNCTION = "DlqReplayFunction"


def plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def test_replay_function_configuration(template: dict[str, Any]) -> None:
    function = function_properties(template, FUNCTION)
    assert function["CodeUri"] == "functions/dlq_replay/"
    assert function["Handler"] == "app.lambda_handler"
    assert (function["Runtime"], function["Architectures"]) == ("python3.13", ["arm64"])
    assert (function["Timeout"], function["MemorySize"]) == (900, 256)
    assert "Tracing" not in function
    assert plain(function["Layers"]) == [{"Ref": "ExchangeLinkerLayer"}]
    assert plain(function["Role"]) == {"Fn::GetAtt": ["DlqReplayFunctionRole", "Arn"]}
    assert plain(function["LoggingConfig"]) == {"LogGroup": {"Ref": "DlqReplayFunctionLogGroup"}}
    assert plain(function["FunctionName"]) == {"Fn::Sub": "${AWS::StackName}-dlq-replay"}


def test_replay_function_is_invoked_on_demand_only(template: dict[str, Any]) -> None:
    """No event source: a replay is an operator's decision, never triggered by messages arriving."""
    function = function_properties(template, FUNCTION)
    assert "Events" not in function
    assert "DeadLetterQueue" not in function


def test_replay_function_environment(template: dict[str, Any]) -> None:
    variables = plain(function_properties(template, FUNCTION)["Environment"]["Variables"])
    assert variables == {
        "DEAD_LETTER_QUEUE_URL": {"Ref": "LinkCompletedDeadLetterQueue"},
        "LINK_COMPLETED_QUEUE_URL": {"Ref": "LinkCompletedQueue"},
        "RESULTS_TABLE_NAME": {"Ref": "ResultsTable"},
        "POWERTOOLS_SERVICE_NAME": "exchange-linker",
        "POWERTOOLS_METRICS_NAMESPACE": "ExchangeLinker",
        "POWERTOOLS_LOG_LEVEL": {"Ref": "LogLevel"},
        "LOG_LEVEL": {"Ref": "LogLevel"},
    }


def test_replay_log_group_is_the_functions_and_has_retention(template: dict[str, Any]) -> None:
    resource = template["Resources"]["DlqReplayFunctionLogGroup"]
    log_group = plain(resource["Properties"])
    function_name = plain(template["Resources"][FUNCTION]["Properties"]["FunctionName"])["Fn::Sub"]
    assert log_group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{function_name}"}
    assert log_group["RetentionInDays"] == {"Ref": "RetentionDays"}
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Delete"


def test_replay_function_name_is_exported(template: dict[str, Any]) -> None:
    output = plain(template["Outputs"]["DlqReplayFunctionName"])
    assert output["Value"] == {"Ref": FUNCTION}
    assert output["Export"]["Name"] == {"Fn::Sub": "${AWS::StackName}-DlqReplayFunctionName"}
