"""Least privilege: every grant names its resource, and the function gets exactly what it needs.

Checked twice: on the template as written (every policy of every role and function), and on the template
as SAM transforms it, so nothing SAM adds behind the scenes (managed policies of event sources, of
the basic execution role) can widen the role unnoticed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from tests.template.support import REGION, resources_of_type

# Actions that support no resource-level permissions: "*" is the only possible Resource. None are granted.
STAR_RESOURCE_ACTIONS: set[str] = set()

OUTCOME_BUS_ARN = "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${OutcomeEventBusName}"
# Each role's complete set of permissions: action -> resources it may be granted on.
EXPECTED_GRANTS: dict[str, dict[str, list[Any]]] = {
    "LinkCompletedFunctionRole": {
        "logs:CreateLogStream": [{"Fn::GetAtt": ["LinkCompletedFunctionLogGroup", "Arn"]}],
        "logs:PutLogEvents": [{"Fn::GetAtt": ["LinkCompletedFunctionLogGroup", "Arn"]}],
        "sqs:ReceiveMessage": [{"Fn::GetAtt": ["LinkCompletedQueue", "Arn"]}],
        "sqs:DeleteMessage": [{"Fn::GetAtt": ["LinkCompletedQueue", "Arn"]}],
        "sqs:GetQueueAttributes": [{"Fn::GetAtt": ["LinkCompletedQueue", "Arn"]}],
        "sqs:ChangeMessageVisibility": [{"Fn::GetAtt": ["LinkCompletedQueue", "Arn"]}],
        # the DLQ, and its own queue (a deferred record's fresh copy on its last receive)
        "sqs:SendMessage": [
            {"Fn::GetAtt": ["LinkCompletedDeadLetterQueue", "Arn"]},
            {"Fn::GetAtt": ["LinkCompletedQueue", "Arn"]},
        ],
        "secretsmanager:GetSecretValue": [
            {"Ref": "DwollaCredentialsSecret"},
            {"Ref": "DwollaTokenSecret"},
            {"Ref": "FingerprintKeySecret"},
        ],
        "secretsmanager:PutSecretValue": [{"Ref": "DwollaTokenSecret"}],
        "dynamodb:GetItem": [{"Fn::GetAtt": ["ResultsTable", "Arn"]}],
        "dynamodb:UpdateItem": [{"Fn::GetAtt": ["ResultsTable", "Arn"]}],
        "dynamodb:Query": [  # reconciliation only
            {"Fn::Sub": "${ResultsTable.Arn}/index/byCustomer"},
            {"Fn::Sub": "${ResultsTable.Arn}/index/byOwner"},
        ],
    },
    # The replay reads, holds and deletes DLQ messages, sends them back, and reads results: no writes to
    # the table, no secrets, nothing on the DLQ's send side.
    "DlqReplayFunctionRole": {
        "logs:CreateLogStream": [{"Fn::GetAtt": ["DlqReplayFunctionLogGroup", "Arn"]}],
        "logs:PutLogEvents": [{"Fn::GetAtt": ["DlqReplayFunctionLogGroup", "Arn"]}],
        "sqs:ReceiveMessage": [{"Fn::GetAtt": ["LinkCompletedDeadLetterQueue", "Arn"]}],
        "sqs:DeleteMessage": [{"Fn::GetAtt": ["LinkCompletedDeadLetterQueue", "Arn"]}],
        "sqs:ChangeMessageVisibility": [{"Fn::GetAtt": ["LinkCompletedDeadLetterQueue", "Arn"]}],
        "sqs:GetQueueAttributes": [
            {"Fn::GetAtt": ["LinkCompletedDeadLetterQueue", "Arn"]},
            {"Fn::GetAtt": ["LinkCompletedQueue", "Arn"]},
        ],
        "sqs:SendMessage": [{"Fn::GetAtt": ["LinkCompletedQueue", "Arn"]}],
        "dynamodb:GetItem": [{"Fn::GetAtt": ["ResultsTable", "Arn"]}],
    },
    # The outbox: reads the results table's stream, puts on the outcome bus only, describes failed batches on
    # its own failure queue. No table reads or writes, no secrets.
    "OutcomePublisherFunctionRole": {
        "logs:CreateLogStream": [{"Fn::GetAtt": ["OutcomePublisherFunctionLogGroup", "Arn"]}],
        "logs:PutLogEvents": [{"Fn::GetAtt": ["OutcomePublisherFunctionLogGroup", "Arn"]}],
        "dynamodb:DescribeStream": [{"Fn::GetAtt": ["ResultsTable", "StreamArn"]}],
        "dynamodb:GetRecords": [{"Fn::GetAtt": ["ResultsTable", "StreamArn"]}],
        "dynamodb:GetShardIterator": [{"Fn::GetAtt": ["ResultsTable", "StreamArn"]}],
        "dynamodb:ListStreams": [{"Fn::GetAtt": ["ResultsTable", "StreamArn"]}],
        "events:PutEvents": [{"Fn::Sub": OUTCOME_BUS_ARN}],
        "sqs:SendMessage": [{"Fn::GetAtt": ["OutcomePublisherFailureQueue", "Arn"]}],
    },
    # The reconciliation reads: the table (Scan, the byCustomer index) and the two Dwolla secrets. No write,
    # not even of the shared token.
    "ReconcileFunctionRole": {
        "logs:CreateLogStream": [{"Fn::GetAtt": ["ReconcileFunctionLogGroup", "Arn"]}],
        "logs:PutLogEvents": [{"Fn::GetAtt": ["ReconcileFunctionLogGroup", "Arn"]}],
        "dynamodb:Scan": [{"Fn::GetAtt": ["ResultsTable", "Arn"]}],
        "dynamodb:Query": [{"Fn::Sub": "${ResultsTable.Arn}/index/byCustomer"}],
        "secretsmanager:GetSecretValue": [{"Ref": "DwollaCredentialsSecret"}, {"Ref": "DwollaTokenSecret"}],
    },
}
# function -> the explicit role it runs with
FUNCTION_ROLES = {
    "LinkCompletedFunction": "LinkCompletedFunctionRole",
    "DlqReplayFunction": "DlqReplayFunctionRole",
    "OutcomePublisherFunction": "OutcomePublisherFunctionRole",
    "ReconcileFunction": "ReconcileFunctionRole",
}


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def plain(value: Any) -> Any:
    """cfn-lint's node classes -> plain dicts, lists and strings (for comparisons and JSON)."""
    return json.loads(json.dumps(value))


def strings_in(value: Any) -> Iterator[str]:
    """Every literal string in a value, intrinsic functions included (a Fn::Sub pattern is a string)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def configured(policy: Any) -> Any:
    """A policy behind `!If [Condition, policy, !Ref AWS::NoValue]` counts as granted: check the worst case."""
    if isinstance(policy, dict) and set(policy) == {"Fn::If"}:
        _, when_true, when_false = policy["Fn::If"]
        assert plain(when_false) == {"Ref": "AWS::NoValue"}, "a conditional policy must be all or nothing"
        return when_true
    return policy


def policy_documents(template: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(where, policy document) for every identity policy in the template, SAM function Policies included."""
    for name, role in resources_of_type(template, "AWS::IAM::Role").items():
        for policy in map(configured, role["Properties"].get("Policies", [])):
            yield f"{name}/{policy['PolicyName']}", policy["PolicyDocument"]
    for resource_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
        for name, resource in resources_of_type(template, resource_type).items():
            yield name, resource["Properties"]["PolicyDocument"]
    for name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        for index, policy in enumerate(as_list(function["Properties"].get("Policies", []))):
            if isinstance(policy, dict) and "Statement" in policy:
                yield f"{name}/Policies[{index}]", policy
            # Anything else is a SAM policy template (checked in the transformed template) or a
            # managed policy name (refused by test_functions_use_no_managed_policies).


def statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for where, document in policy_documents(template):
        for statement in as_list(document["Statement"]):
            yield where, statement


def star_violations(template: dict[str, Any]) -> list[str]:
    problems = []
    for where, statement in statements(template):
        if "NotAction" in statement or "NotResource" in statement:
            problems.append(f"{where}: NotAction/NotResource grant everything else")
        if statement.get("Effect") != "Allow":
            continue
        actions = list(strings_in(statement.get("Action", [])))
        if any("*" in action for action in actions):
            problems.append(f"{where}: wildcard action in {actions}")
        star_resource = any("*" in text for text in strings_in(statement.get("Resource", [])))
        if star_resource and not set(actions) <= STAR_RESOURCE_ACTIONS:
            problems.append(f"{where}: wildcard resource for {actions}")
    return problems


def granted(template: dict[str, Any], role: str) -> dict[str, list[Any]]:
    """What one role's inline policies allow (the only identity policies the template may have)."""
    grants: dict[str, list[Any]] = {}
    for where, statement in statements(template):
        if statement.get("Effect") != "Allow" or where.split("/", 1)[0] != role:
            continue
        for action in as_list(statement["Action"]):
            grants.setdefault(action, []).extend(plain(as_list(statement["Resource"])))
    return grants


class NoManagedPolicies:
    """Stands in for IAM's ListPolicies: the template names no managed policy by its short name."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def transformed(template: dict[str, Any]) -> dict[str, Any]:
    """The template as CloudFormation receives it after the SAM transform (local paths swapped for S3)."""
    document = copy.deepcopy(plain(template))
    for resource in document["Resources"].values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):
                properties[key] = "s3://example-bucket/example-key"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        return transform(document, {}, NoManagedPolicies())


def test_no_wildcards_in_the_template_policies(template: dict[str, Any]) -> None:
    assert list(statements(template)), "no policy statements found: is the walk broken?"
    assert star_violations(template) == []


def test_no_wildcards_after_the_sam_transform(transformed: dict[str, Any]) -> None:
    assert star_violations(transformed) == []


def test_no_managed_policies_after_the_sam_transform(transformed: dict[str, Any]) -> None:
    """SAM attaches AWS managed policies with Resource "*" to roles it generates (e.g.
    AWSLambdaSQSQueueExecutionRole for an SQS event): every role must carry inline policies only."""
    roles = resources_of_type(transformed, "AWS::IAM::Role")
    assert roles
    attached = {name: role["Properties"].get("ManagedPolicyArns") for name, role in roles.items()}
    assert all(not arns for arns in attached.values()), attached


def test_functions_use_no_managed_policies(template: dict[str, Any]) -> None:
    for name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        policies = as_list(function["Properties"].get("Policies", []))
        assert not [policy for policy in policies if isinstance(policy, str)], name


def test_every_function_runs_with_an_explicit_least_privilege_role(template: dict[str, Any]) -> None:
    roles = resources_of_type(template, "AWS::IAM::Role")
    for name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        role = function["Properties"].get("Role")
        assert role is not None, f"{name} would get a SAM-generated role with managed policies"
        assert plain(role)["Fn::GetAtt"][0] in roles


@pytest.mark.parametrize("role_id", sorted(EXPECTED_GRANTS))
def test_role_can_only_be_assumed_by_lambda(template: dict[str, Any], role_id: str) -> None:
    role = template["Resources"][role_id]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"


def test_every_identity_policy_belongs_to_a_known_role(template: dict[str, Any]) -> None:
    """Grants outside the roles checked below (another role, a standalone policy) would go unchecked."""
    owners = {where.split("/", 1)[0] for where, _ in policy_documents(template)}
    assert owners == set(EXPECTED_GRANTS)
    assert set(resources_of_type(template, "AWS::IAM::Role")) == set(EXPECTED_GRANTS)


@pytest.mark.parametrize("role_id", sorted(EXPECTED_GRANTS))
def test_grants_are_exactly_what_the_function_needs(template: dict[str, Any], role_id: str) -> None:
    grants, expected_grants = granted(template, role_id), EXPECTED_GRANTS[role_id]
    assert sorted(grants) == sorted(expected_grants)
    for action, resources in grants.items():
        expected = expected_grants[action]
        assert sorted(map(json.dumps, resources)) == sorted(map(json.dumps, expected)), action


def test_put_secret_value_only_on_the_token_secret(template: dict[str, Any]) -> None:
    writes = [
        plain(as_list(statement["Resource"]))
        for _, statement in statements(template)
        if statement.get("Effect") == "Allow"
        and any(action.startswith("secretsmanager:Put") for action in as_list(statement["Action"]))
    ]
    assert writes == [[{"Ref": "DwollaTokenSecret"}]]


@pytest.mark.parametrize(("function_id", "role_id"), sorted(FUNCTION_ROLES.items()))
def test_transformed_role_is_the_template_role(transformed: dict[str, Any], function_id: str, role_id: str) -> None:
    """SAM must not generate another role for a function (it would come with managed policies)."""
    function = transformed["Resources"][function_id]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert sorted(resources_of_type(transformed, "AWS::IAM::Role")) == sorted(FUNCTION_ROLES.values())
    assert "TracingConfig" not in function  # no X-Ray: see the Globals comment in template.yaml


def test_every_function_has_its_own_role(template: dict[str, Any]) -> None:
    functions = resources_of_type(template, "AWS::Serverless::Function")
    assert {name: plain(f["Properties"]["Role"])["Fn::GetAtt"][0] for name, f in functions.items()} == FUNCTION_ROLES


def test_only_the_outcome_publisher_puts_events_and_only_on_the_outcome_bus(template: dict[str, Any]) -> None:
    """The stream is the single path to the bus: the consumer itself has no PutEvents left to lose events with."""
    puts = {role: granted(template, role).get("events:PutEvents") for role in EXPECTED_GRANTS}
    assert {role: resources for role, resources in puts.items() if resources} == {
        "OutcomePublisherFunctionRole": [{"Fn::Sub": OUTCOME_BUS_ARN}]
    }


def test_the_outcome_publisher_exists_only_with_a_bus(template: dict[str, Any]) -> None:
    for name in (
        "OutcomePublisherFunction",
        "OutcomePublisherFunctionRole",
        "OutcomePublisherFunctionLogGroup",
        "OutcomePublisherFailureQueue",
        "OutcomePublisherFailureQueuePolicy",
    ):
        assert template["Resources"][name]["Condition"] == "HasOutcomeBus", name
