"""Creates the template's queues, table and secrets in an AWS endpoint (moto server locally).

Only what the consumer and the CLI touch is created; everything is taken from template.yaml, so a test
can compare the local resources with the template and catch drift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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
    function_timeout: int = 30  # seconds: the consumer function's Timeout (the local poller enforces it)

    def outputs(self) -> dict[str, str]:
        """The names the CLI reads from the environment (or from the deployed stack's outputs)."""
        return {
            "LINK_COMPLETED_QUEUE_URL": self.queue_url,
            "DEAD_LETTER_QUEUE_URL": self.dead_letter_queue_url,
            "RESULTS_TABLE_NAME": self.table_name,
        }


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
    sqs = session.client("sqs")
    queues = resources_of_type(template, "AWS::SQS::Queue")
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

    secrets = session.client("secretsmanager")
    for logical_id, resource in resources_of_type(template, "AWS::SecretsManager::Secret").items():
        properties = resolver.resolve(resource["Properties"])
        # A generated secret is the credentials one: locally it holds the emulator's key and secret.
        value = json.dumps(credentials) if "GenerateSecretString" in properties else properties.get("SecretString", "")
        arn = secrets.create_secret(Name=properties["Name"], SecretString=value)["ARN"]
        resolver.refs[logical_id] = arn
        resolver.attributes[(logical_id, "Id")] = arn

    _ingestion(template, resolver, session)
    function = function_properties(template, CONSUMER_FUNCTION)
    environment = {
        name: str(value)
        for name, value in resolver.resolve(function.get("Environment", {}).get("Variables", {})).items()
    }
    source = next(event for event in function["Events"].values() if event["Type"] == "SQS")
    queue_id = source["Properties"]["Queue"]["Fn::GetAtt"][0]
    dead_letter_id = next(name for name in queues if name != queue_id)
    queue_url = resolver.refs[queue_id]
    live = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout", "RedrivePolicy"])
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
        function_timeout=int(resolver.resolve(function.get("Timeout", 3))),
    )


def _ingestion(template: dict[str, Any], resolver: Resolver, session: boto3.session.Session) -> None:
    """The optional EventBridge rule and SNS subscription, when their template condition holds."""
    conditions = template.get("Conditions", {})

    def wanted(resource: dict[str, Any]) -> bool:
        return "Condition" not in resource or resolver.condition(resource["Condition"], conditions)

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
    return arguments
