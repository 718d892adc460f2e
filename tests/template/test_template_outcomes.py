"""The outbox in the template: the results table's stream feeds the outcome publisher, which retries a bounded
number of times, bisects failing batches, reports batch item failures, and sends what it gives up on to an
alarmed failure queue. Everything exists only when OutcomeEventBusName is set."""

from __future__ import annotations

import json
from typing import Any

from tests.template.support import function_properties
from tests.template.test_template_iam import transformed  # noqa: F401 - the SAM-transformed template fixture

FUNCTION = "OutcomePublisherFunction"


def plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def test_outcome_publisher_configuration(template: dict[str, Any]) -> None:
    function = function_properties(template, FUNCTION)
    assert function["CodeUri"] == "functions/outcome_publisher/"
    assert function["Handler"] == "app.lambda_handler"
    assert (function["Runtime"], function["Architectures"]) == ("python3.13", ["arm64"])
    assert (function["Timeout"], function["MemorySize"], "Tracing" in function) == (30, 256, False)
    assert plain(function["Layers"]) == [{"Ref": "ExchangeLinkerLayer"}]
    assert plain(function["Role"]) == {"Fn::GetAtt": ["OutcomePublisherFunctionRole", "Arn"]}
    assert plain(function["LoggingConfig"]) == {"LogGroup": {"Ref": "OutcomePublisherFunctionLogGroup"}}
    assert plain(function["FunctionName"]) == {"Fn::Sub": "${AWS::StackName}-outcome-publisher"}
    assert "DeadLetterQueue" not in function  # async invokes only; the stream has its own on-failure destination


def test_outcome_publisher_environment(template: dict[str, Any]) -> None:
    assert plain(function_properties(template, FUNCTION)["Environment"]["Variables"]) == {
        "OUTCOME_EVENT_BUS_NAME": {"Ref": "OutcomeEventBusName"},
        "POWERTOOLS_SERVICE_NAME": "exchange-linker",
        "POWERTOOLS_METRICS_NAMESPACE": "ExchangeLinker",
        "POWERTOOLS_LOG_LEVEL": {"Ref": "LogLevel"},
        "LOG_LEVEL": {"Ref": "LogLevel"},
    }


def test_the_stream_event_source_retries_a_bounded_number_of_times_then_keeps_what_failed(
    template: dict[str, Any],
) -> None:
    (source,) = function_properties(template, FUNCTION)["Events"].values()
    assert source["Type"] == "DynamoDB"
    properties = plain(source["Properties"])
    assert properties == {
        "Stream": {"Fn::GetAtt": ["ResultsTable", "StreamArn"]},
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 25,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": 100,
        "MaximumRecordAgeInSeconds": 86400,
        "DestinationConfig": {
            "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": ["OutcomePublisherFailureQueue", "Arn"]}}
        },
    }
    # Bounded, and within what Lambda accepts (-1 would mean "until the record expires", silently).
    assert 0 <= properties["MaximumRetryAttempts"] <= 10_000
    assert 60 <= properties["MaximumRecordAgeInSeconds"] <= 604_800


def test_only_the_outcome_publisher_reads_the_stream(template: dict[str, Any]) -> None:
    readers = [
        name
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        for event in resource["Properties"].get("Events", {}).values()
        if event["Type"] == "DynamoDB"
    ]
    assert readers == [FUNCTION]


def test_failure_queue_keeps_messages_fourteen_days(template: dict[str, Any]) -> None:
    queue = plain(template["Resources"]["OutcomePublisherFailureQueue"]["Properties"])
    assert queue["QueueName"] == {"Fn::Sub": "${AWS::StackName}-outcome-publisher-failures"}
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_failures_and_lag_alarm(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    failures = plain(resources["OutcomePublisherFailuresAlarm"]["Properties"])
    assert (failures["Namespace"], failures["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert failures["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["OutcomePublisherFailureQueue", "QueueName"]}}
    ]
    assert (failures["Threshold"], failures["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    lag = plain(resources["OutcomePublisherIteratorAgeAlarm"]["Properties"])
    assert (lag["Namespace"], lag["MetricName"], lag["Statistic"]) == ("AWS/Lambda", "IteratorAge", "Maximum")
    assert lag["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": FUNCTION}}]
    assert lag["Threshold"] == 300_000  # milliseconds
    for alarm in (failures, lag):
        assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": "AlarmTopic"}]
        assert alarm["TreatMissingData"] == "notBreaching"
        assert "docs/runbook.md" in alarm["AlarmDescription"]
    for name in ("OutcomePublisherFailuresAlarm", "OutcomePublisherIteratorAgeAlarm"):
        assert resources[name]["Condition"] == "HasOutcomeBus"


def test_log_group_is_the_functions(template: dict[str, Any]) -> None:
    log_group = plain(template["Resources"]["OutcomePublisherFunctionLogGroup"]["Properties"])
    function_name = plain(template["Resources"][FUNCTION]["Properties"]["FunctionName"])["Fn::Sub"]
    assert log_group == {
        "LogGroupName": {"Fn::Sub": f"/aws/lambda/{function_name}"},
        "RetentionInDays": {"Ref": "RetentionDays"},
    }


def test_outputs_exist_only_with_a_bus(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert plain(outputs["OutcomePublisherFunctionName"]["Value"]) == {"Ref": FUNCTION}
    assert plain(outputs["OutcomePublisherFailureQueueUrl"]["Value"]) == {"Ref": "OutcomePublisherFailureQueue"}
    assert plain(outputs["OutcomeEventBusName"]["Value"]) == {"Ref": "OutcomeEventBusName"}
    for name in ("OutcomePublisherFunctionName", "OutcomePublisherFailureQueueUrl", "OutcomeEventBusName"):
        assert outputs[name]["Condition"] == "HasOutcomeBus"
        assert plain(outputs[name]["Export"]["Name"]) == {"Fn::Sub": f"${{AWS::StackName}}-{name}"}


def test_sam_emits_the_mapping_as_declared(transformed: dict[str, Any]) -> None:  # noqa: F811 - the fixture
    """What CloudFormation receives: one event source mapping on the stream, conditional like its function."""
    mappings = {
        name: resource
        for name, resource in transformed["Resources"].items()
        if resource["Type"] == "AWS::Lambda::EventSourceMapping"
        and resource["Properties"]["EventSourceArn"] == {"Fn::GetAtt": ["ResultsTable", "StreamArn"]}
    }
    ((_, mapping),) = mappings.items()
    assert mapping["Condition"] == "HasOutcomeBus"
    properties = mapping["Properties"]
    assert properties["FunctionName"] == {"Ref": FUNCTION}
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["MaximumRetryAttempts"] == 100
    assert properties["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["OutcomePublisherFailureQueue", "Arn"]}}
    }
