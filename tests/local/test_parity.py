"""The local stack is provisioned from template.yaml: prove it matches what `sam deploy` would create."""

import json

import pytest

from exchange_linker_tools.template import function_properties, load_template

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def template():
    return load_template()


def test_queues_match_the_template(stack, template):
    resources = template["Resources"]
    name = stack.resources.stack_name
    pairs = [
        (stack.resources.queue_url, resources["LinkCompletedQueue"]["Properties"], f"{name}-link-completed"),
        (
            stack.resources.dead_letter_queue_url,
            resources["LinkCompletedDeadLetterQueue"]["Properties"],
            f"{name}-link-completed-dlq",
        ),
    ]
    for url, declared, queue_name in pairs:
        live = stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert url.endswith("/" + queue_name)
        assert live["VisibilityTimeout"] == str(declared.get("VisibilityTimeout", 30))
        assert live["MessageRetentionPeriod"] == str(declared["MessageRetentionPeriod"])
        assert live.get("SqsManagedSseEnabled") == "true"


def test_redrive_uses_the_max_receive_count_parameter(stack, template):
    live = stack.sqs.get_queue_attributes(QueueUrl=stack.resources.queue_url, AttributeNames=["RedrivePolicy"])
    redrive = json.loads(live["Attributes"]["RedrivePolicy"])
    default = template["Parameters"]["MaxReceiveCount"]["Default"]
    assert int(redrive["maxReceiveCount"]) == default + 1  # one spare receive after the function's last
    assert redrive["deadLetterTargetArn"] == stack.resources.dead_letter_queue_arn
    assert stack.resources.function_environment["MAX_RECEIVE_COUNT"] == str(default)


def test_table_matches_the_template(stack, template):
    declared = template["Resources"]["ResultsTable"]["Properties"]
    live = stack.dynamodb.describe_table(TableName=stack.resources.table_name)["Table"]
    assert live["TableName"] == f"{stack.resources.stack_name}-results"
    assert live["KeySchema"] == declared["KeySchema"]
    assert sorted(live["AttributeDefinitions"], key=str) == sorted(declared["AttributeDefinitions"], key=str)
    live_indexes = {index["IndexName"]: index for index in live["GlobalSecondaryIndexes"]}
    for declared_index in declared["GlobalSecondaryIndexes"]:
        index = live_indexes.pop(declared_index["IndexName"])
        assert index["KeySchema"] == declared_index["KeySchema"]
        assert index["Projection"] == declared_index["Projection"]
    assert live_indexes == {}
    assert live["BillingModeSummary"]["BillingMode"] == declared["BillingMode"]
    backups = stack.dynamodb.describe_continuous_backups(TableName=stack.resources.table_name)
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == (
        "ENABLED"
    )


def test_secrets_and_function_environment_match_the_template(stack, template):
    name = stack.resources.stack_name
    credentials = stack.secretsmanager.describe_secret(SecretId=stack.resources.credentials_secret_id)
    token = stack.secretsmanager.describe_secret(SecretId=stack.resources.token_secret_id)
    assert (credentials["Name"], token["Name"]) == (f"{name}/dwolla/credentials", f"{name}/dwolla/token")
    declared = function_properties(template, "LinkCompletedFunction")["Environment"]["Variables"]
    assert set(stack.resources.function_environment) == set(declared)
    assert stack.resources.function_environment["DWOLLA_API_URL"] == stack.emulator.url
    batch_size = function_properties(template, "LinkCompletedFunction")["Events"]["LinkCompleted"]["Properties"]
    assert stack.resources.batch_size == template["Parameters"]["BatchSize"]["Default"]
    assert batch_size["BatchSize"] == {"Ref": "BatchSize"}
