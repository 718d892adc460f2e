"""events/*.json: real Lambda SQS events, consistent with expected.json, the v1 contract and the template."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel, SnsNotificationModel, SqsModel

from tests.template.support import EVENTS_DIR, REGION

EVENT_FILES = sorted(path for path in EVENTS_DIR.glob("*.json") if path.name != "expected.json")
EXPECTED = json.loads((EVENTS_DIR / "expected.json").read_text(encoding="utf-8"))

RECORD_KEYS = {
    "messageId",
    "receiptHandle",
    "body",
    "attributes",
    "messageAttributes",
    "md5OfBody",
    "eventSource",
    "eventSourceARN",
    "awsRegion",
}
ATTRIBUTE_KEYS = {"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"}
EVENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
PARTNERS = {"plaid", "mx", "flinks", "finicity", "checkout.com"}
CREDENTIALS = ("token", "plaid", "mx", "finicity")
ERROR_CODES = {"InvalidEvent", "InvalidExchangeToken", "UpdateCredentials", "NotFound"}
UNKNOWN_CUSTOMER = "00000000-0000-0000-0000-000000000000"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def record_of(path: Path) -> dict[str, Any]:
    (record,) = load(path)["Records"]
    return record


def link_event(body: str) -> dict[str, Any] | None:
    """The v1 event inside a record body (bare, SNS- or EventBridge-wrapped); None if the body is not JSON."""
    try:
        message = json.loads(body)
    except json.JSONDecodeError:
        return None
    if message.get("Type") == "Notification":
        return json.loads(message["Message"])
    if "detail-type" in message:
        return message["detail"]
    return message


def contract_violations(event: dict[str, Any]) -> list[str]:
    """A compact statement of the v1 contract; the real validation lives in the exchange_linker package."""
    problems = []
    if not isinstance(event.get("eventId"), str) or not EVENT_ID.match(event["eventId"]):
        problems.append("eventId")
    if event.get("eventType") != "link.completed":
        problems.append("eventType")
    if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", str(event.get("occurredAt"))):
        problems.append("occurredAt")
    if str(event.get("partner", "")).lower() not in PARTNERS:
        problems.append("partner")
    present = [name for name in CREDENTIALS if name in event]
    if len(present) != 1:
        problems.append(f"credentials {present}")
    if "customerId" not in event and set(present) & {"plaid", "mx"}:
        problems.append("open banking needs a customer")
    metadata = event.get("metadata", {})
    if not isinstance(metadata, dict) or not all(isinstance(value, str) for value in metadata.values()):
        problems.append("metadata")
    return problems


def credential_texts(event: dict[str, Any]) -> list[str]:
    values = [event.get("token"), event.get("plaid", {}).get("publicToken")]
    values += [event.get("mx", {}).get("availableConnectionToken"), event.get("finicity", {}).get("receiptId")]
    return [value for value in values if value]


def decoded(text: str) -> str:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return text


def test_there_are_sample_events() -> None:
    assert len(EVENT_FILES) >= 17


def test_expected_lists_every_file_and_only_them() -> None:
    assert sorted(EXPECTED) == [path.name for path in EVENT_FILES]
    for name, outcome in EXPECTED.items():
        if outcome["status"] == "CREATED":  # and, for an event asking for one, its funding source (issue 14)
            assert outcome in ({"status": "CREATED"}, {"status": "CREATED", "fundingSource": "CREATED"}), name
            assert ("fundingSource" in outcome) == ("fundingSource" in record_of(EVENTS_DIR / name)["body"]), name
        else:
            assert set(outcome) == {"status", "errorCode"}, name
            assert outcome["status"] == "FAILED", name
            assert outcome["errorCode"] in ERROR_CODES, name


def test_files_are_what_the_generator_writes() -> None:
    result = subprocess.run(
        [sys.executable, str(EVENTS_DIR / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda path: path.name)
def test_is_a_lambda_sqs_event(path: Path, template: dict[str, Any], samconfig: dict[str, Any]) -> None:
    document = load(path)
    assert list(document) == ["Records"]
    (record,) = document["Records"]
    assert set(record) == RECORD_KEYS
    assert set(record["attributes"]) == ATTRIBUTE_KEYS
    assert all(isinstance(value, str) for value in record["attributes"].values())
    sent = int(record["attributes"]["SentTimestamp"])
    assert int(record["attributes"]["ApproximateFirstReceiveTimestamp"]) >= sent
    assert int(record["attributes"]["ApproximateReceiveCount"]) >= 1
    assert record["messageAttributes"] == {}
    assert record["md5OfBody"] == hashlib.md5(record["body"].encode("utf-8")).hexdigest()
    assert record["eventSource"] == "aws:sqs"
    assert record["awsRegion"] == REGION
    stack = samconfig["default"]["global"]["parameters"]["stack_name"]
    queue_name = template["Resources"]["LinkCompletedQueue"]["Properties"]["QueueName"]["Fn::Sub"]
    queue_name = queue_name.replace("${AWS::StackName}", stack)
    assert record["eventSourceARN"] == f"arn:aws:sqs:{REGION}:123456789012:{queue_name}"
    SqsModel.model_validate(document)  # what Powertools' parser accepts as an SQS event


def test_message_ids_and_event_ids_are_unique() -> None:
    message_ids = [record_of(path)["messageId"] for path in EVENT_FILES]
    assert len(set(message_ids)) == len(message_ids)
    events = [link_event(record_of(path)["body"]) for path in EVENT_FILES]
    event_ids = [event["eventId"] for event in events if event is not None]
    assert len(event_ids) == len(EVENT_FILES) - 1  # all but bad-not-json.json
    assert len(set(event_ids)) == len(event_ids)


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda path: path.name)
def test_body_matches_its_expected_outcome(path: Path) -> None:
    expected = EXPECTED[path.name]
    event = link_event(record_of(path)["body"])
    if event is None:
        assert expected == {"status": "FAILED", "errorCode": "InvalidEvent"}
        return
    problems = contract_violations(event)
    if expected.get("errorCode") == "InvalidEvent":
        assert problems, f"{path.name} is expected to be invalid but satisfies the contract"
        return
    assert problems == [], path.name
    credential = credential_texts(event)[0]
    match expected.get("errorCode"):
        case "InvalidExchangeToken":
            assert credential.startswith("invalid")
        case "UpdateCredentials":
            assert credential.startswith("reauth")
        case "NotFound":
            assert event["customerId"] == UNKNOWN_CUSTOMER
        case None:
            assert not credential.startswith(("invalid", "reauth"))
            assert event.get("customerId") != UNKNOWN_CUSTOMER


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda path: path.name)
def test_credentials_are_fake_sandbox_values(path: Path) -> None:
    event = link_event(record_of(path)["body"])
    for text in credential_texts(event or {}):
        assert "sandbox" in decoded(text), f"{path.name}: {text!r} does not look like a sandbox value"


def test_wrapped_bodies_are_valid_envelopes() -> None:
    sns = json.loads(record_of(EVENTS_DIR / "sns-wrapped.json")["body"])
    SnsNotificationModel.model_validate(sns)
    assert json.loads(sns["Message"])["eventType"] == "link.completed"
    bridge = json.loads(record_of(EVENTS_DIR / "eventbridge-wrapped.json")["body"])
    parsed = EventBridgeModel.model_validate(bridge)
    assert parsed.detail_type == "Link Completed"
    assert parsed.source == "com.example.linking"
    assert parsed.detail["eventType"] == "link.completed"


def test_account_exchange_has_no_customer() -> None:
    event = link_event(record_of(EVENTS_DIR / "account-exchange.json")["body"])
    assert event is not None
    assert "customerId" not in event
    assert "token" in event
