"""The real consumer against moto server and the Dwolla emulator, over real HTTP on loopback."""

from __future__ import annotations

import json
import uuid

import pytest

from exchange_linker.dwolla.exchange_request import idempotency_key
from exchange_linker_tools.link_events import SNS_TOPIC_ARN, eventbridge_event, signed, sns_notification
from tests.conftest import CUSTOMER_ID, FINICITY_RECEIPT, link_event
from tests.integration.helpers import RecordingHandler, attributes, drain, reason

RECEIPT = FINICITY_RECEIPT
ZERO_CUSTOMER = "00000000-0000-0000-0000-000000000000"

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("fields", "partner", "kind"),
    [
        ({"partner": "Plaid", "token": "processor-sandbox-1"}, "Plaid", "token"),
        ({"partner": "MX", "token": "mx-authorization-code"}, "MX", "token"),
        ({"partner": "Flinks", "token": "Zmxpbmtz"}, "Flinks", "token"),
        ({"partner": "Checkout.com", "token": "pay_abc123"}, "Checkout.com", "token"),
        ({"partner": "Plaid", "token": None, "plaid": {"publicToken": "public-sandbox-1"}}, "Plaid", "plaid"),
        ({"partner": "MX", "token": None, "mx": {"availableConnectionToken": "eyJh"}}, "MX", "mx"),
        ({"partner": "Finicity", "token": None, "finicity": RECEIPT}, "Finicity", "finicity"),
        ({"customerId": None, "partner": "Flinks", "token": "Zmxpbmtz"}, "Flinks", "token"),
        ({"customerId": None, "partner": "Finicity", "token": None, "finicity": RECEIPT}, "Finicity", "finicity"),
    ],
)
def test_every_variant_becomes_one_exchange(stack, fields, partner, kind):
    event = link_event(metadata={"channel": "web"}, **fields)
    stack.publish(event)
    drain(stack)
    result = stack.result(event["eventId"])
    (exchange,) = stack.emulator.exchanges
    assert result["status"] == "CREATED"
    assert result["exchangeUrl"] == f"{stack.emulator.url}/exchanges/{exchange.id}"
    assert result["exchangeId"] == exchange.id
    assert (result["partner"], result["metadata"], int(result["attempts"])) == (partner, {"channel": "web"}, 1)
    assert (exchange.partner, str(exchange.kind), exchange.customer_id) == (partner, kind, event.get("customerId"))
    assert exchange.idempotency_key == idempotency_key(event["eventId"], 0)
    assert stack.dead_letters() == []


BAD_RECEIPT = {**RECEIPT, "profile": "three"}


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"token": "invalid-processor-token"}, "InvalidExchangeToken"),
        ({"token": "inactive-processor-token"}, "InvalidExchange"),
        ({"token": "reauth-processor-token"}, "UpdateCredentials"),
        ({"token": "deactivated-processor-token"}, "InactiveExchange"),
        ({"token": "revoked-processor-token"}, "InvalidExchangeToken"),  # documented as 401 too
        ({"customerId": ZERO_CUSTOMER}, "NotFound"),
        ({"partner": "Finicity", "token": None, "finicity": BAD_RECEIPT}, "ValidationError"),
    ],
)
def test_permanent_dwolla_errors_are_dead_lettered_with_their_reason(stack, fields, code):
    event = link_event(**fields)
    text = json.dumps(event)
    stack.publish(text)
    drain(stack)
    (letter,) = stack.dead_letters()
    why = reason(letter)
    assert letter["Body"] == text
    assert (why["errorCode"], why["eventId"], why["attempts"]) == (code, event["eventId"], 1)
    assert why["errorMessage"]
    assert why["failedAt"].endswith("Z")
    result = stack.result(event["eventId"])
    assert (result["status"], result["errorCode"]) == ("FAILED", code)
    assert stack.emulator.exchanges == []


def test_invalid_scope_needs_dwolla_and_a_replay_then_succeeds(stack):
    stack.emulator.set_scope_enabled(False)
    event = link_event()
    stack.publish(event)
    drain(stack)
    assert reason(stack.dead_letters()[0])["errorCode"] == "InvalidScope"
    stack.emulator.set_scope_enabled(True)
    stack.publish(event)  # what a replay does
    drain(stack)
    result = stack.result(event["eventId"])
    assert (result["status"], int(result["keyGeneration"])) == ("CREATED", 1)
    assert len(stack.emulator.exchanges) == 1


def test_transient_errors_retry_then_dead_letter_on_the_last_receive(stack):
    """A 5xx on every receive (a 429 never dead-letters: see test_rate_limit.py)."""
    token, code = "server-error-x", "ServerError"
    event = link_event(token=token)
    stack.publish(event)
    reports = drain(stack)
    max_receives = stack.resources.max_receive_count
    assert sum(report.failed for report in reports) == max_receives - 1
    (letter,) = stack.dead_letters()  # ours, with a reason: SQS's own redrive never had to act
    assert (reason(letter)["errorCode"], reason(letter)["attempts"]) == (code, max_receives)
    result = stack.result(event["eventId"])
    assert (result["status"], int(result["attempts"])) == ("FAILED", max_receives)
    assert stack.emulator.stats.exchange_posts == max_receives


def test_retrying_is_recorded_between_attempts(stack):
    event = link_event(token="server-error-once")
    stack.publish(event)
    source = stack.event_source(stack.consumer().handle_batch)
    report = source.poll_once()
    assert report.failed == 1
    result = stack.result(event["eventId"])
    assert (result["status"], result["errorCode"], int(result["attempts"])) == ("RETRYING", "ServerError", 1)


def test_one_bad_record_never_fails_the_others(stack):
    good, transient = link_event(), link_event(token="server-error-x")
    stack.publish(good)
    stack.publish(transient)
    stack.publish("not json at all")
    handler = RecordingHandler(stack.consumer())
    report = stack.event_source(handler).poll_once()
    assert (report.received, report.succeeded, report.failed, report.handler_errors) == (3, 2, 1, 0)
    assert len(handler.responses[0]["batchItemFailures"]) == 1
    assert stack.result(good["eventId"])["status"] == "CREATED"


def test_a_batch_where_everything_fails_transiently_still_answers(stack):
    for _ in range(3):
        stack.publish(link_event(token="server-error-x"))
    handler = RecordingHandler(stack.consumer())
    report = stack.event_source(handler).poll_once()
    assert report.handler_errors == 0
    assert len(handler.responses[0]["batchItemFailures"]) == 3


def test_invalid_events_are_dead_lettered_and_never_reach_dwolla(stack):
    unknown_partner = link_event(partner="Yodlee")
    account_open_banking = link_event(customerId=None, token=None, plaid={"publicToken": "public-x"})
    for body in (json.dumps(unknown_partner), json.dumps(account_open_banking), "{broken"):
        stack.publish(body)
    drain(stack)
    letters = stack.dead_letters()
    assert sorted(reason(letter)["errorCode"] for letter in letters) == ["InvalidEvent"] * 3
    assert {reason(letter).get("eventId") for letter in letters} == {
        unknown_partner["eventId"],
        account_open_banking["eventId"],
        None,
    }
    assert stack.result(unknown_partner["eventId"])["errorCode"] == "InvalidEvent"
    assert stack.emulator.stats.exchange_posts == 0


def test_sns_and_eventbridge_envelopes(stack):
    via_sns, via_eventbridge = link_event(), link_event(partner="MX")
    message_id = str(uuid.uuid4())
    signature = signed(message_id, str(uuid.uuid4()), region="us-east-1", topic_arn=SNS_TOPIC_ARN)
    stack.publish(sns_notification(via_sns, message_id=message_id, **signature))
    stack.publish(eventbridge_event(via_eventbridge))
    drain(stack)
    assert stack.result(via_sns["eventId"])["status"] == "CREATED"
    assert stack.result(via_eventbridge["eventId"])["status"] == "CREATED"


def test_duplicate_publishes_create_one_exchange(stack):
    event = link_event()
    stack.publish(event)
    drain(stack)
    stack.publish(event)
    stack.publish(event)
    drain(stack)
    assert len(stack.emulator.exchanges) == 1
    assert stack.emulator.stats.exchange_posts == 1


def test_token_is_reused_across_invocations_and_containers(stack):
    first, second = stack.consumer(), stack.consumer()
    for _ in range(3):
        stack.publish(link_event())
        drain(stack, first)
    for _ in range(2):
        stack.publish(link_event())
        drain(stack, second)
    stats = stack.emulator.stats
    assert (stats.exchanges_created, stats.token_requests) == (5, 1)
    assert stats.partner_lookups == 2  # once per container


def test_token_expiring_mid_batch_is_renewed_once(stack):
    consumer = stack.consumer()
    stack.publish(link_event())
    drain(stack, consumer)
    stack.emulator.expire_all_tokens()
    events = [link_event() for _ in range(4)]
    for event in events:
        stack.publish(event)
    drain(stack, consumer)
    assert all(stack.result(event["eventId"])["status"] == "CREATED" for event in events)
    assert stack.emulator.stats.token_requests == 2


def test_unparsable_token_secret_means_no_token(stack):
    secrets = stack.secretsmanager
    secrets.put_secret_value(SecretId=stack.resources.token_secret_id, SecretString="{{not json")
    event = link_event()
    stack.publish(event)
    drain(stack)
    assert stack.result(event["eventId"])["status"] == "CREATED"
    shared = json.loads(secrets.get_secret_value(SecretId=stack.resources.token_secret_id)["SecretString"])
    assert set(shared) == {"accessToken", "expiresAt"}


def test_wrong_client_credentials_end_in_the_dlq_with_the_reason(stack):
    secrets = stack.secretsmanager
    secrets.put_secret_value(
        SecretId=stack.resources.credentials_secret_id, SecretString=json.dumps({"key": "k", "secret": "wrong"})
    )
    stack.publish(link_event())
    drain(stack)
    (letter,) = stack.dead_letters()
    assert reason(letter)["errorCode"] == "InvalidClientCredentials"


def test_same_idempotency_key_after_a_timeout_so_dwolla_deduplicates(stack):
    stack.emulator.faults.timeout_after_create_rate = 1.0
    stack.emulator.faults.timeout_delay = 1.5
    consumer = stack.consumer(DWOLLA_READ_TIMEOUT="0.3")
    event = link_event()
    stack.publish(event)
    source = stack.event_source(consumer.handle_batch)
    assert source.poll_once().failed == 1
    assert stack.result(event["eventId"])["errorCode"] == "Timeout"
    stack.emulator.wait_for_stats(lambda stats: stats.in_flight == 0)
    stack.emulator.faults.timeout_after_create_rate = 0.0
    source.drain()
    (exchange,) = stack.emulator.exchanges
    result = stack.result(event["eventId"])
    assert (result["status"], result["exchangeId"], int(result["attempts"])) == ("CREATED", exchange.id, 2)
    assert stack.emulator.stats.idempotent_replays == 1


def test_no_secret_reaches_logs_table_or_dlq(stack, capfd, captured_logs):
    events = [
        link_event(token="processor-sandbox-SECRET1"),
        link_event(token="invalid-SECRET2"),
        link_event(token="server-error-SECRET3"),
        link_event(token=None, plaid={"publicToken": "public-SECRET4"}),
        link_event(partner="Finicity", token=None, finicity={**RECEIPT, "receiptId": "cr_SECRET5"}),
        link_event(partner="Yodlee", token="tok-SECRET6"),
        link_event(customerId=None, token=None, mx={"availableConnectionToken": "SECRET7"}),
        # issue 14: a funding source made, and one refused (its DLQ reason and FAILED fields)
        link_event(
            token="processor-sandbox-SECRET9", fundingSource={"name": "Checking", "bankAccountType": "checking"}
        ),
        link_event(
            partner="Finicity",
            token=None,
            finicity={**RECEIPT, "receiptId": "cr_SECRET10"},
            fundingSource={"name": "Savings", "bankAccountType": "savings"},
        ),
    ]
    stack.emulator.add_fault_rule("Forbidden", partner="Finicity", operation="funding-source")
    for event in events:
        stack.publish(event)
    consumer = stack.consumer()
    drain(stack, consumer)
    stack.emulator.expire_all_tokens()
    stack.publish(link_event(token="processor-sandbox-SECRET8"))
    drain(stack, consumer)
    secrets = stack.secretsmanager
    access_token = json.loads(secrets.get_secret_value(SecretId=stack.resources.token_secret_id)["SecretString"])[
        "accessToken"
    ]
    fingerprint_key = secrets.get_secret_value(
        SecretId=stack.resources.function_environment["FINGERPRINT_KEY_SECRET_ID"]
    )["SecretString"]
    forbidden = [f"SECRET{i}" for i in range(1, 11)] + [access_token, stack.emulator.client_secret, fingerprint_key]
    captured = capfd.readouterr()
    logs = captured_logs.getvalue() + captured.out + captured.err
    assert "exchange created" in logs  # the logs were captured at all
    assert "funding source created" in logs
    assert "FundingSourceForbidden" in logs
    assert "ExchangeErrors" in logs  # and so were the metrics
    table_dump = json.dumps(stack.dynamodb.scan(TableName=stack.resources.table_name)["Items"])
    dlq_attributes = json.dumps([attributes(letter) for letter in stack.dead_letters()])
    for secret in forbidden:
        assert secret not in logs
        assert secret not in table_dump
        assert secret not in dlq_attributes


def test_customer_id_is_stored_for_the_gsi(stack):
    event = link_event(customerId=CUSTOMER_ID)
    stack.publish(event)
    drain(stack)
    items = stack.dynamodb.query(
        TableName=stack.resources.table_name,
        IndexName="byCustomer",
        KeyConditionExpression="customerId = :c",
        ExpressionAttributeValues={":c": {"S": CUSTOMER_ID}},
    )["Items"]
    assert [item["eventId"]["S"] for item in items] == [event["eventId"]]


def test_concurrent_records_keep_their_own_log_context(stack, captured_logs):
    stack.emulator.faults.latency = 0.05  # make the ten records overlap
    events = [link_event(partner=partner) for partner in ["Plaid", "MX", "Flinks", "Checkout.com", "Plaid"] * 2]
    for event in events:
        stack.publish(event)
    report = stack.event_source(stack.consumer().handle_batch).poll_once()
    assert report.succeeded == 10
    created = [json.loads(line) for line in captured_logs.getvalue().splitlines() if '"exchange created"' in line]
    assert len(created) == 10
    for line in created:
        row = stack.result(line["eventId"])
        assert (line["exchangeId"], line["partner"]) == (row["exchangeId"], row["partner"])
    assert stack.emulator.stats.in_flight == 0
