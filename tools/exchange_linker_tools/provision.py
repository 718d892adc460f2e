"""Creates the template's queues, table and secrets in an AWS endpoint (moto server locally).

Only what the consumer and the CLI touch is created; everything is taken from template.yaml, so a test
can compare the local resources with the template and catch drift.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from secrets import token_urlsafe
from typing import TYPE_CHECKING, Any

import boto3

from exchange_linker_tools.template import (
    Resolver,
    function_properties,
    load_template,
    parameter_defaults,
    resources_of_type,
)

if TYPE_CHECKING:
    from mypy_boto3_sqs.literals import QueueAttributeNameType

CONSUMER_FUNCTION = "LinkCompletedFunction"
OUTCOME_PUBLISHER_FUNCTION = "OutcomePublisherFunction"
# CloudFormation property name -> SQS attribute name, for the properties the template may set.
QUEUE_ATTRIBUTES = {
    "VisibilityTimeout": "VisibilityTimeout",
    "MessageRetentionPeriod": "MessageRetentionPeriod",
    "DelaySeconds": "DelaySeconds",
    "MaximumMessageSize": "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "RedrivePolicy": "RedrivePolicy",
    "RedriveAllowPolicy": "RedriveAllowPolicy",
    "SqsManagedSseEnabled": "SqsManagedSseEnabled",
}


@dataclass(frozen=True)
class StreamMapping:
    """The outcome publisher's DynamoDB stream event source mapping, as the template declares it."""

    function_environment: dict[str, str]
    stream_arn: str
    starting_position: str
    batch_size: int
    maximum_retry_attempts: int
    bisect_on_function_error: bool
    reports_batch_item_failures: bool
    failure_queue_url: str | None


@dataclass(frozen=True)
class StackResources:
    """What was created, and the consumer's environment exactly as the template declares it."""

    stack_name: str
    region: str
    queue_url: str
    queue_arn: str
    dead_letter_queue_url: str
    dead_letter_queue_arn: str
    table_name: str
    credentials_secret_id: str
    token_secret_id: str
    function_environment: dict[str, str]
    batch_size: int
    max_receive_count: int  # the function's last attempt (MAX_RECEIVE_COUNT)
    redrive_receive_count: int  # the queue's maxReceiveCount: one spare receive after that
    visibility_timeout: int
    outcome_publisher: StreamMapping | None = None  # only with OutcomeEventBusName, as in the template
    function_timeout: int = 30  # seconds: the consumer function's Timeout (the local poller enforces it)

    def outputs(self) -> dict[str, str]:
        """The names the CLI reads from the environment (or from the deployed stack's outputs)."""
        outputs = {
            "LINK_COMPLETED_QUEUE_URL": self.queue_url,
            "DEAD_LETTER_QUEUE_URL": self.dead_letter_queue_url,
            "RESULTS_TABLE_NAME": self.table_name,
        }
        if self.outcome_publisher is not None:
            outputs["OUTCOME_EVENT_BUS_NAME"] = self.outcome_publisher.function_environment["OUTCOME_EVENT_BUS_NAME"]
            if self.outcome_publisher.failure_queue_url:
                outputs["OUTCOME_PUBLISHER_FAILURE_QUEUE_URL"] = self.outcome_publisher.failure_queue_url
        return outputs


def provision(
    stack_name: str,
    *,
    region: str,
    parameters: dict[str, str] | None = None,
    credentials: dict[str, str],
    session: boto3.session.Session | None = None,
) -> StackResources:
    """Create the stack's data plane resources. `credentials` is the Dwolla key/secret to store locally."""
    template = load_template()
    session = session or boto3.session.Session(region_name=region)
    resolver = Resolver(
        stack_name, region, parameter_defaults(template, parameters), mappings=template.get("Mappings", {})
    )
    conditions = template.get("Conditions", {})

    def wanted(resource: dict[str, Any]) -> bool:
        return "Condition" not in resource or resolver.condition(resource["Condition"], conditions)

    sqs = session.client("sqs")
    queues = {name: queue for name, queue in resources_of_type(template, "AWS::SQS::Queue").items() if wanted(queue)}
    # Queues without a redrive policy first: the others point at them.
    for logical_id, resource in sorted(queues.items(), key=lambda item: "RedrivePolicy" in item[1]["Properties"]):
        properties = resolver.resolve(resource["Properties"])
        attributes: dict[QueueAttributeNameType, str] = {
            QUEUE_ATTRIBUTES[name]: _attribute_text(value)  # type: ignore[misc]
            for name, value in properties.items()
            if name in QUEUE_ATTRIBUTES
        }
        url = sqs.create_queue(QueueName=properties["QueueName"], Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        resolver.refs[logical_id] = url
        resolver.attributes[(logical_id, "Arn")] = arn
        resolver.attributes[(logical_id, "QueueUrl")] = url
        resolver.attributes[(logical_id, "QueueName")] = properties["QueueName"]

    dynamodb = session.client("dynamodb")
    for logical_id, resource in resources_of_type(template, "AWS::DynamoDB::Table").items():
        properties = resolver.resolve(resource["Properties"])
        table = dynamodb.create_table(**_table_arguments(properties))["TableDescription"]
        if properties.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
            dynamodb.update_continuous_backups(
                TableName=properties["TableName"],
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        resolver.refs[logical_id] = properties["TableName"]
        resolver.attributes[(logical_id, "Arn")] = table["TableArn"]
        if "LatestStreamArn" in table:
            resolver.attributes[(logical_id, "StreamArn")] = table["LatestStreamArn"]

    secrets = session.client("secretsmanager")
    for logical_id, resource in resources_of_type(template, "AWS::SecretsManager::Secret").items():
        properties = resolver.resolve(resource["Properties"])
        value = _secret_value(properties, credentials)
        arn = secrets.create_secret(Name=properties["Name"], SecretString=value)["ARN"]
        resolver.refs[logical_id] = arn
        resolver.attributes[(logical_id, "Id")] = arn

    _ingestion(template, resolver, session, wanted)
    function = function_properties(template, CONSUMER_FUNCTION)
    environment = {
        name: str(value)
        for name, value in resolver.resolve(function.get("Environment", {}).get("Variables", {})).items()
    }
    source = next(event for event in function["Events"].values() if event["Type"] == "SQS")
    queue_id = source["Properties"]["Queue"]["Fn::GetAtt"][0]
    dead_letter_id = queues[queue_id]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    queue_url = resolver.refs[queue_id]
    live = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout", "RedrivePolicy"])
    publisher = template["Resources"][OUTCOME_PUBLISHER_FUNCTION]
    redrive = json.loads(live["Attributes"]["RedrivePolicy"])
    return StackResources(
        stack_name=stack_name,
        region=region,
        queue_url=queue_url,
        queue_arn=resolver.attributes[(queue_id, "Arn")],
        dead_letter_queue_url=resolver.refs[dead_letter_id],
        dead_letter_queue_arn=resolver.attributes[(dead_letter_id, "Arn")],
        table_name=environment["RESULTS_TABLE_NAME"],
        credentials_secret_id=environment["DWOLLA_CREDENTIALS_SECRET_ID"],
        token_secret_id=environment["DWOLLA_TOKEN_SECRET_ID"],
        function_environment=environment,
        batch_size=int(resolver.resolve(source["Properties"].get("BatchSize", 10))),
        max_receive_count=int(environment["MAX_RECEIVE_COUNT"]),
        redrive_receive_count=int(redrive["maxReceiveCount"]),
        visibility_timeout=int(live["Attributes"]["VisibilityTimeout"]),
        outcome_publisher=_stream_mapping(template, resolver) if wanted(publisher) else None,
        function_timeout=int(resolver.resolve(function.get("Timeout", 3))),
    )


def _stream_mapping(template: dict[str, Any], resolver: Resolver) -> StreamMapping:
    """The outcome publisher's environment and stream event source, resolved against the local stack."""
    function = function_properties(template, OUTCOME_PUBLISHER_FUNCTION)
    environment = resolver.resolve(function.get("Environment", {}).get("Variables", {}))
    source = next(event for event in function["Events"].values() if event["Type"] == "DynamoDB")
    properties = resolver.resolve(source["Properties"])
    on_failure = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
    queue_urls = {
        arn: resolver.refs[logical_id] for (logical_id, name), arn in resolver.attributes.items() if name == "Arn"
    }
    return StreamMapping(
        function_environment={name: str(value) for name, value in environment.items()},
        stream_arn=properties["Stream"],
        starting_position=properties["StartingPosition"],
        batch_size=int(properties.get("BatchSize", 100)),
        maximum_retry_attempts=int(properties.get("MaximumRetryAttempts", -1)),
        bisect_on_function_error=bool(properties.get("BisectBatchOnFunctionError", False)),
        reports_batch_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
        failure_queue_url=queue_urls[on_failure] if on_failure else None,
    )


def _ingestion(
    template: dict[str, Any],
    resolver: Resolver,
    session: boto3.session.Session,
    wanted: Callable[[dict[str, Any]], bool],
) -> None:
    """The optional EventBridge rule and SNS subscription, when their template condition holds."""
    for resource in resources_of_type(template, "AWS::Events::Rule").values():
        if wanted(resource):
            properties = resolver.resolve(resource["Properties"])
            events = session.client("events")
            bus = properties.get("EventBusName", "default")
            events.put_rule(
                Name=properties["Name"], EventBusName=bus, EventPattern=json.dumps(properties["EventPattern"])
            )
            events.put_targets(
                Rule=properties["Name"],
                EventBusName=bus,
                Targets=[{"Id": target["Id"], "Arn": target["Arn"]} for target in properties["Targets"]],
            )
    for resource in resources_of_type(template, "AWS::SNS::Subscription").values():
        if not wanted(resource) or resource["Properties"]["Protocol"] != "sqs":
            continue  # e-mail subscriptions to the alarm topic have no local meaning
        properties = resolver.resolve(resource["Properties"])
        raw = "true" if properties.get("RawMessageDelivery") else "false"
        session.client("sns").subscribe(
            TopicArn=properties["TopicArn"],
            Protocol="sqs",
            Endpoint=properties["Endpoint"],
            Attributes={"RawMessageDelivery": raw},
        )


def _secret_value(properties: dict[str, Any], credentials: dict[str, str]) -> str:
    """A generated secret from a template is the credentials one: locally the emulator's key and secret.
    One generated from nothing (the fingerprint key) gets random characters, as Secrets Manager would."""
    generate = properties.get("GenerateSecretString")
    if generate is None:
        return str(properties.get("SecretString", ""))
    if "SecretStringTemplate" in generate:
        return json.dumps(credentials)
    length = int(generate.get("PasswordLength", 32))
    return token_urlsafe(length)[:length]


def _attribute_text(value: Any) -> str:
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _table_arguments(properties: dict[str, Any]) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        key: properties[key]
        for key in ("TableName", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
        if key in properties
    }
    if properties.get("SSESpecification", {}).get("SSEEnabled"):
        arguments["SSESpecification"] = {"Enabled": True}
    if "StreamSpecification" in properties:
        view = properties["StreamSpecification"]["StreamViewType"]
        arguments["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    return arguments
