"""The CLI's publish, status and schema commands against moto server."""

import json

import pytest
from click.testing import CliRunner

from exchange_linker_cli.main import cli
from tests.conftest import CUSTOMER_ID, link_event
from tests.integration.helpers import drain

pytestmark = pytest.mark.integration


@pytest.fixture
def runner(stack, monkeypatch):
    for name, value in stack.resources.outputs().items():
        monkeypatch.setenv(name, value)
    return CliRunner()


def test_publish_from_flags_then_status(stack, runner):
    published = runner.invoke(
        cli,
        [
            "publish",
            "--customer-id",
            CUSTOMER_ID,
            "--partner",
            "plaid",
            "--token",
            "processor-sandbox-9",
            "--metadata",
            "source=cli",
            "--json",
        ],
    )
    assert published.exit_code == 0, published.output
    event_id = json.loads(published.output)["eventId"]
    drain(stack)
    status = runner.invoke(cli, ["status", "--event-id", event_id, "--json"])
    (row,) = json.loads(status.output)
    assert (row["status"], row["partner"], row["metadata"]) == ("CREATED", "Plaid", {"source": "cli"})
    by_customer = runner.invoke(cli, ["status", "--customer-id", CUSTOMER_ID, "--json"])
    assert event_id in {row["eventId"] for row in json.loads(by_customer.output)}
    table = runner.invoke(cli, ["status", "--event-id", event_id])
    assert "CREATED" in table.output


def test_publish_from_a_file(stack, runner, tmp_path):
    path = tmp_path / "event.json"
    event = link_event(partner="MX", token=None, mx={"availableConnectionToken": "eyJh"})
    path.write_text(json.dumps(event))
    assert runner.invoke(cli, ["publish", "--file", str(path)]).exit_code == 0
    drain(stack)
    assert stack.result(event["eventId"])["status"] == "CREATED"


@pytest.mark.parametrize(
    "arguments",
    [
        ["--partner", "Plaid"],  # no credential
        ["--partner", "Plaid", "--token", "t", "--plaid-public-token", "p", "--customer-id", CUSTOMER_ID],
        ["--partner", "Plaid", "--plaid-public-token", "p"],  # open banking needs a customer
        ["--partner", "Plaid", "--token", "t", "--customer-id", "../../accounts/x"],
    ],
)
def test_publish_refuses_an_invalid_event_and_sends_nothing(stack, runner, arguments):
    result = runner.invoke(cli, ["publish", *arguments])
    assert result.exit_code != 0
    assert "not a valid v1 link.completed event" in result.output
    depth = stack.sqs.get_queue_attributes(
        QueueUrl=stack.resources.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert depth == "0"


def test_status_of_an_unknown_event_exits_non_zero(runner):
    assert runner.invoke(cli, ["status", "--event-id", "nope"]).exit_code == 1


def test_commands_explain_a_missing_target(monkeypatch):
    for name in ("LINK_COMPLETED_QUEUE_URL", "RESULTS_TABLE_NAME"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["status", "--event-id", "x"])
    assert result.exit_code == 2
    assert "RESULTS_TABLE_NAME" in result.output


@pytest.mark.parametrize("command", ["run", "publish", "status", "schema"])
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


def test_published_schema_is_in_sync_with_the_models():
    result = CliRunner().invoke(cli, ["schema", "--check"])
    assert result.exit_code == 0, result.output


def test_schema_agrees_with_the_parser_on_every_sample_event():
    import jsonschema

    from exchange_linker.contracts.link_completed import parse_link_completed, unwrap_envelope
    from exchange_linker.errors import InvalidEventError
    from exchange_linker_cli.schemas import link_completed_schema
    from exchange_linker_tools.sample_events import sample_events

    validator = jsonschema.Draft202012Validator(link_completed_schema())
    checked = 0
    for sample in sample_events():
        try:
            payload = unwrap_envelope(json.loads(sample.body))
        except ValueError:
            continue  # not JSON: nothing for a schema to say
        try:
            parse_link_completed(sample.body)
            accepted = True
        except InvalidEventError:
            accepted = False
        assert validator.is_valid(payload) is accepted, sample.name
        checked += 1
    assert checked >= 15
