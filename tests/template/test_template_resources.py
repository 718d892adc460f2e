"""Queues, table, secrets, function wiring, outputs and samconfig.toml, read from the files themselves."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.template.support import function_properties, resources_of_type

QUEUE_ARN_PREFIX = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:"
FOURTEEN_DAYS = 14 * 24 * 3600


def plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def sqs_event_sources(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, event["Properties"])
        for name in resources_of_type(template, "AWS::Serverless::Function")
        for event in function_properties(template, name).get("Events", {}).values()
        if event["Type"] == "SQS"
    ]


# ---------------------------------------------------------------- parameters


def test_parameters(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    assert parameters["DwollaEnvironment"]["AllowedValues"] == ["sandbox", "production"]
    assert parameters["DwollaEnvironment"]["Default"] == "sandbox"
    assert parameters["DwollaApiUrl"]["Default"] == ""
    assert parameters["MaxReceiveCount"]["Type"] == "Number"
    assert parameters["MaxReceiveCount"]["Default"] == 5
    assert parameters["MaxReceiveCount"]["AllowedValues"] == list(range(2, 21))
    assert (parameters["BatchSize"]["MinValue"], parameters["BatchSize"]["MaxValue"]) == (1, 10)
    assert parameters["BatchSize"]["Default"] == 10
    concurrency = parameters["MaximumConcurrency"]
    assert (concurrency["MinValue"], concurrency["MaxValue"], concurrency["Default"]) == (2, 1000, 5)
    assert parameters["LogLevel"]["Default"] == "INFO"
    assert parameters["RetentionDays"]["Default"] == 30


# ---------------------------------------------------------------- queues and the event source


def test_visibility_timeout_is_at_least_six_function_timeouts(template: dict[str, Any]) -> None:
    sources = sqs_event_sources(template)
    assert sources
    for function, source in sources:
        queue_id = source["Queue"]["Fn::GetAtt"][0]
        visibility = props(template, queue_id)["VisibilityTimeout"]
        timeout = function_properties(template, function)["Timeout"]
        assert isinstance(visibility, int)
        assert isinstance(timeout, int)
        assert visibility >= 6 * timeout, f"{queue_id} {visibility}s < 6 x {function} {timeout}s"


def test_max_receive_count_feeds_the_redrive_policy_and_the_function(template: dict[str, Any]) -> None:
    redrive = props(template, "LinkCompletedQueue")["RedrivePolicy"]
    assert plain(redrive) == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["LinkCompletedDeadLetterQueue", "Arn"]},
        "maxReceiveCount": {"Fn::FindInMap": ["RedriveReceives", {"Ref": "MaxReceiveCount"}, "Count"]},
    }
    variables = function_properties(template, "LinkCompletedFunction")["Environment"]["Variables"]
    assert plain(variables["MAX_RECEIVE_COUNT"]) == {"Ref": "MaxReceiveCount"}
    # SQS redrives one receive after the function's own last attempt, for every allowed value
    spare = plain(template["Mappings"]["RedriveReceives"])
    allowed = template["Parameters"]["MaxReceiveCount"]["AllowedValues"]
    assert {int(key): value["Count"] for key, value in spare.items()} == {n: n + 1 for n in allowed}


def test_event_source_reports_batch_item_failures_and_caps_concurrency(template: dict[str, Any]) -> None:
    (function, source), *others = sqs_event_sources(template)
    assert others == []
    assert function == "LinkCompletedFunction"
    assert plain(source) == {
        "Queue": {"Fn::GetAtt": ["LinkCompletedQueue", "Arn"]},
        "BatchSize": {"Ref": "BatchSize"},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "ScalingConfig": {"MaximumConcurrency": {"Ref": "MaximumConcurrency"}},
    }


def test_function_has_no_async_dead_letter_queue(template: dict[str, Any]) -> None:
    """A function DeadLetterQueue applies to async invokes only; SQS failures go through the redrive policy."""
    function = function_properties(template, "LinkCompletedFunction")
    assert "DeadLetterQueue" not in function
    assert "EventInvokeConfig" not in function


ALL_QUEUES = ["LinkCompletedQueue", "LinkCompletedDeadLetterQueue", "OutcomePublisherFailureQueue"]


@pytest.mark.parametrize("queue_id", ALL_QUEUES)
def test_queues_are_encrypted(template: dict[str, Any], queue_id: str) -> None:
    assert props(template, queue_id)["SqsManagedSseEnabled"] is True


@pytest.mark.parametrize("queue_id", ALL_QUEUES)
def test_queues_refuse_plain_http(template: dict[str, Any], queue_id: str) -> None:
    policies = [
        policy["Properties"]["PolicyDocument"]
        for policy in resources_of_type(template, "AWS::SQS::QueuePolicy").values()
        if {"Ref": queue_id} in plain(policy["Properties"]["Queues"])
    ]
    assert len(policies) == 1, f"{queue_id} needs exactly one queue policy"
    assert {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:*",
        "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    } in [{key: value for key, value in plain(s).items() if key != "Sid"} for s in policies[0]["Statement"]]


def test_queue_names_and_retention(template: dict[str, Any]) -> None:
    queue = props(template, "LinkCompletedQueue")
    dead_letter = props(template, "LinkCompletedDeadLetterQueue")
    assert plain(queue["QueueName"]) == {"Fn::Sub": "${AWS::StackName}-link-completed"}
    assert plain(dead_letter["QueueName"]) == {"Fn::Sub": "${AWS::StackName}-link-completed-dlq"}
    assert queue["MessageRetentionPeriod"] == 345600
    assert dead_letter["MessageRetentionPeriod"] == FOURTEEN_DAYS
    # A dead-lettered message keeps its original enqueue time: the DLQ must keep messages longer.
    assert dead_letter["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]


def test_both_queues_take_the_same_explicit_message_size_the_code_budgets_for(template: dict[str, Any]) -> None:
    """What the queue accepted must fit the DLQ with its reason: same limit, and the one the consumer and the
    replay size their attributes for (issue 11, item 10)."""
    from exchange_linker.contracts.dead_letter import MAX_MESSAGE_SIZE

    sizes = {
        props(template, queue).get("MaximumMessageSize")
        for queue in ("LinkCompletedQueue", "LinkCompletedDeadLetterQueue")
    }
    assert sizes == {MAX_MESSAGE_SIZE}


def test_dead_letter_queue_accepts_only_the_main_queue(template: dict[str, Any]) -> None:
    allow = plain(props(template, "LinkCompletedDeadLetterQueue")["RedriveAllowPolicy"])
    assert allow["redrivePermission"] == "byQueue"
    (source,) = allow["sourceQueueArnList"]
    main_name = plain(props(template, "LinkCompletedQueue")["QueueName"])["Fn::Sub"]
    assert source == {"Fn::Sub": QUEUE_ARN_PREFIX + main_name}


# ---------------------------------------------------------------- table


def test_results_table(template: dict[str, Any]) -> None:
    resource = template["Resources"]["ResultsTable"]
    table = plain(resource["Properties"])
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
    assert table["TableName"] == {"Fn::Sub": "${AWS::StackName}-results"}
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "eventId", "KeyType": "HASH"}]
    assert sorted(table["AttributeDefinitions"], key=lambda item: item["AttributeName"]) == [
        {"AttributeName": "customerId", "AttributeType": "S"},
        {"AttributeName": "eventId", "AttributeType": "S"},
        {"AttributeName": "owner", "AttributeType": "S"},
        {"AttributeName": "updatedAt", "AttributeType": "S"},
    ]
    assert table["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "byCustomer",
            "KeySchema": [
                {"AttributeName": "customerId", "KeyType": "HASH"},
                {"AttributeName": "updatedAt", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
        {  # reconciliation: everything the owner's events recorded or may have made, the account's too
            "IndexName": "byOwner",
            "KeySchema": [
                {"AttributeName": "owner", "KeyType": "HASH"},
                {"AttributeName": "updatedAt", "KeyType": "RANGE"},
            ],
            "Projection": {
                "ProjectionType": "INCLUDE",
                "NonKeyAttributes": [
                    "partner",
                    "status",
                    "exchangeId",
                    "exchangeMayExist",
                    "uncertainSince",
                    "keyGeneration",
                ],
            },
        },
    ]
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True}
    # The outbox: the outcome publisher needs the status before and after each write.
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


# ---------------------------------------------------------------- secrets


def test_credentials_secret_holds_no_plaintext_secret(template: dict[str, Any]) -> None:
    resource = template["Resources"]["DwollaCredentialsSecret"]
    secret = plain(resource["Properties"])
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
    assert secret["Name"] == {"Fn::Sub": "${AWS::StackName}/dwolla/credentials"}
    assert "SecretString" not in secret
    generate = secret["GenerateSecretString"]
    assert json.loads(generate["SecretStringTemplate"]) == {"key": "replace-me"}
    assert generate["GenerateStringKey"] == "secret"
    assert "put-secret-value" in secret["Description"]


def test_token_secret_starts_empty(template: dict[str, Any]) -> None:
    secret = plain(props(template, "DwollaTokenSecret"))
    assert secret["Name"] == {"Fn::Sub": "${AWS::StackName}/dwolla/token"}
    assert json.loads(secret["SecretString"]) == {}


def test_fingerprint_key_is_generated_kept_and_never_in_the_template(template: dict[str, Any]) -> None:
    """Losing or changing it would make every earlier event look like a ConflictingEvent."""
    resource = template["Resources"]["FingerprintKeySecret"]
    secret = plain(resource["Properties"])
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
    assert secret["Name"] == {"Fn::Sub": "${AWS::StackName}/fingerprint-key"}
    assert "SecretString" not in secret
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32


# ---------------------------------------------------------------- function and layer


def test_function_configuration(template: dict[str, Any]) -> None:
    function = function_properties(template, "LinkCompletedFunction")
    assert function["CodeUri"] == "functions/link_completed/"
    assert function["Handler"] == "app.lambda_handler"
    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
    assert function["MemorySize"] == 256
    assert function["Timeout"] == 30
    assert "Tracing" not in function
    assert plain(function["Layers"]) == [{"Ref": "ExchangeLinkerLayer"}]
    assert plain(function["LoggingConfig"]) == {"LogGroup": {"Ref": "LinkCompletedFunctionLogGroup"}}


def test_function_environment(template: dict[str, Any]) -> None:
    variables = plain(function_properties(template, "LinkCompletedFunction")["Environment"]["Variables"])
    assert variables == {
        "DWOLLA_ENVIRONMENT": {"Ref": "DwollaEnvironment"},
        "DWOLLA_API_URL": {"Ref": "DwollaApiUrl"},
        "DWOLLA_CREDENTIALS_SECRET_ID": {"Ref": "DwollaCredentialsSecret"},
        "DWOLLA_TOKEN_SECRET_ID": {"Ref": "DwollaTokenSecret"},
        "FINGERPRINT_KEY_SECRET_ID": {"Ref": "FingerprintKeySecret"},
        "RESULTS_TABLE_NAME": {"Ref": "ResultsTable"},
        "DEAD_LETTER_QUEUE_URL": {"Ref": "LinkCompletedDeadLetterQueue"},
        "MAX_RECEIVE_COUNT": {"Ref": "MaxReceiveCount"},
        "POWERTOOLS_SERVICE_NAME": "exchange-linker",
        "POWERTOOLS_METRICS_NAMESPACE": "ExchangeLinker",
        "POWERTOOLS_LOG_LEVEL": {"Ref": "LogLevel"},
        "LOG_LEVEL": {"Ref": "LogLevel"},
        "LINK_COMPLETED_QUEUE_URL": {"Ref": "LinkCompletedQueue"},
    }


def test_log_group_is_the_functions_and_has_retention(template: dict[str, Any]) -> None:
    log_group = plain(props(template, "LinkCompletedFunctionLogGroup"))
    function_name = plain(props(template, "LinkCompletedFunction")["FunctionName"])["Fn::Sub"]
    assert log_group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{function_name}"}
    assert log_group["RetentionInDays"] == {"Ref": "RetentionDays"}


def test_layer(template: dict[str, Any]) -> None:
    resource = template["Resources"]["ExchangeLinkerLayer"]
    layer = plain(resource["Properties"])
    assert layer["ContentUri"] == "layers/exchange_linker/"
    assert layer["CompatibleRuntimes"] == ["python3.13"]
    assert layer["CompatibleArchitectures"] == ["arm64"]
    assert plain(resource["Metadata"]) == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}


# ---------------------------------------------------------------- outputs and samconfig


@pytest.mark.parametrize(
    ("output", "value"),
    [
        ("LinkCompletedQueueUrl", {"Ref": "LinkCompletedQueue"}),
        ("LinkCompletedQueueArn", {"Fn::GetAtt": ["LinkCompletedQueue", "Arn"]}),
        ("LinkCompletedDeadLetterQueueUrl", {"Ref": "LinkCompletedDeadLetterQueue"}),
        ("LinkCompletedDeadLetterQueueArn", {"Fn::GetAtt": ["LinkCompletedDeadLetterQueue", "Arn"]}),
        ("ResultsTableName", {"Ref": "ResultsTable"}),
        ("ResultsTableArn", {"Fn::GetAtt": ["ResultsTable", "Arn"]}),
        ("DwollaCredentialsSecretArn", {"Ref": "DwollaCredentialsSecret"}),
        ("DwollaTokenSecretArn", {"Ref": "DwollaTokenSecret"}),
        ("LinkCompletedFunctionName", {"Ref": "LinkCompletedFunction"}),
        ("ExchangeLinkerLayerArn", {"Ref": "ExchangeLinkerLayer"}),
    ],
)
def test_outputs_are_exported_under_the_stack_name(template: dict[str, Any], output: str, value: Any) -> None:
    declared = plain(template["Outputs"][output])
    assert declared["Value"] == value
    assert declared["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{output}"}


def overrides(parameters: dict[str, Any]) -> dict[str, str]:
    value = parameters["parameter_overrides"]
    pairs = value.split() if isinstance(value, str) else value
    return dict(pair.split("=", 1) for pair in pairs)


def test_samconfig_environments(samconfig: dict[str, Any], template: dict[str, Any]) -> None:
    assert samconfig["version"] == 0.1
    assert samconfig["default"] == samconfig["sandbox"]
    for env, stack in [("sandbox", "exchange-linker-sandbox"), ("production", "exchange-linker-production")]:
        config = samconfig[env]
        assert config["global"]["parameters"]["stack_name"] == stack
        assert config["validate"]["parameters"]["lint"] is True
        deploy = config["deploy"]["parameters"]
        assert deploy["capabilities"] == "CAPABILITY_IAM"
        assert deploy["confirm_changeset"] is True
        assert deploy["resolve_s3"] is True
        assert deploy["region"] == "us-east-1"
        values = overrides(deploy)
        assert values["DwollaEnvironment"] == env
        assert set(values) <= set(template["Parameters"]), "override of an unknown parameter"
        for name, value in values.items():
            allowed = template["Parameters"][name].get("AllowedValues")
            if allowed is not None:
                assert value in [str(item) for item in allowed], name
            spec = template["Parameters"][name]
            if "MinValue" in spec:
                assert spec["MinValue"] <= int(value) <= spec.get("MaxValue", int(value)), name
    assert samconfig["production"]["deploy"]["parameters"]["fail_on_empty_changeset"] is False
