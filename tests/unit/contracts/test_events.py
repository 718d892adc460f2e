import json

import pytest

from exchange_linker.contracts.link_completed import CredentialKind, Partner, parse_link_completed
from exchange_linker.errors import InvalidEventError
from exchange_linker_tools.link_events import SNS_TOPIC_ARN, eventbridge_event, signed, sns_notification
from tests.conftest import CUSTOMER_ID, FINICITY_RECEIPT, link_event

RECEIPT = FINICITY_RECEIPT


def parse(**fields):
    return parse_link_completed(json.dumps(link_event(**fields)))


def invalid(**fields) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as caught:
        parse(**fields)
    return caught.value


@pytest.mark.parametrize(
    ("fields", "kind", "partner"),
    [
        ({"partner": "Plaid"}, CredentialKind.TOKEN, Partner.PLAID),
        ({"partner": "mx"}, CredentialKind.TOKEN, Partner.MX),
        ({"partner": "FLINKS"}, CredentialKind.TOKEN, Partner.FLINKS),
        ({"partner": "checkout.com", "token": "pay_abc"}, CredentialKind.TOKEN, Partner.CHECKOUT),
        (
            {"partner": "Plaid", "token": None, "plaid": {"publicToken": "public-x"}},
            CredentialKind.PLAID,
            Partner.PLAID,
        ),
        ({"partner": "MX", "token": None, "mx": {"availableConnectionToken": "e30="}}, CredentialKind.MX, Partner.MX),
        ({"partner": "Finicity", "token": None, "finicity": RECEIPT}, CredentialKind.FINICITY, Partner.FINICITY),
        ({"customerId": None}, CredentialKind.TOKEN, Partner.PLAID),
        (
            {"customerId": None, "partner": "Finicity", "token": None, "finicity": RECEIPT},
            CredentialKind.FINICITY,
            Partner.FINICITY,
        ),
    ],
)
def test_accepts_every_credential_variant(fields, kind, partner):
    event = parse(**fields)
    assert event.credential_kind is kind
    assert event.partner is partner


def test_normalises_customer_id_and_keeps_metadata():
    event = parse(customerId=CUSTOMER_ID.upper(), metadata={"source": "mobile"})
    assert event.customer_id == CUSTOMER_ID
    assert event.metadata == {"source": "mobile"}


def test_finicity_receipt_is_passed_through_whole():
    event = parse(partner="Finicity", token=None, finicity=RECEIPT)
    assert event.credential_payload() == {"finicity": RECEIPT}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"eventId": ""}, "eventId"),
        ({"eventId": "x" * 129}, "eventId"),
        ({"eventId": "has space"}, "eventId"),
        ({"eventId": None}, "eventId"),
        ({"eventType": "link.started"}, "eventType"),
        ({"occurredAt": "yesterday"}, "occurredAt"),
        ({"occurredAt": "2026-11-20T18:04:05"}, "occurredAt"),  # RFC 3339 needs an offset
        ({"customerId": "../../accounts/x"}, "customerId"),
        ({"customerId": "%2e%2e"}, "customerId"),
        ({"customerId": "https://evil.example/x"}, "customerId"),
        ({"customerId": CUSTOMER_ID + "\n"}, "customerId"),
        ({"customerId": "urn:uuid:" + CUSTOMER_ID}, "customerId"),
        ({"partner": "Yodlee"}, "partner"),
        ({"partner": "Visa"}, "partner"),
        ({"partner": None}, "partner"),
        ({"token": ""}, "token"),
        ({"token": 12345}, "token"),
        ({"metadata": {"a": 1}}, "metadata.a"),
        ({"custmerId": CUSTOMER_ID}, "custmerId"),
    ],
)
def test_rejects_with_the_offending_field(fields, field):
    assert invalid(**fields).field == field


@pytest.mark.parametrize(
    "fields",
    [
        {"token": None},
        {"plaid": {"publicToken": "public-x"}},
        {"partner": "MX", "mx": {"availableConnectionToken": "t"}},
        {"customerId": None, "token": None, "partner": "Plaid", "plaid": {"publicToken": "public-x"}},
        {"customerId": None, "token": None, "partner": "MX", "mx": {"availableConnectionToken": "t"}},
        {"partner": "Finicity"},
        {"partner": "MX", "token": None, "plaid": {"publicToken": "public-x"}},
        {"partner": "Finicity", "token": None, "finicity": {}},
    ],
)
def test_rejects_missing_extra_or_misplaced_credentials(fields):
    error = invalid(**fields)
    assert error.code == "InvalidEvent"


def test_invalid_event_keeps_a_usable_event_id_and_never_echoes_values():
    error = invalid(eventId="evt-1", partner="Plaid", token="tok-secret-value", plaid={"publicToken": "pub-secret"})
    assert error.event_id == "evt-1"
    assert "tok-secret-value" not in str(error)
    assert "pub-secret" not in str(error)


def test_unusable_event_id_is_not_reported():
    assert invalid(eventId="bad id", partner="Yodlee").event_id is None


@pytest.mark.parametrize("body", ["not json", "[]", "null", "42", '"text"', "{", "[" * 100_000])
def test_rejects_bodies_that_are_not_event_objects(body):
    with pytest.raises(InvalidEventError):
        parse_link_completed(body)


def test_reads_an_sns_notification():
    signature = signed("m-1", "s-1", region="us-east-1", topic_arn=SNS_TOPIC_ARN)
    notification = sns_notification(link_event(eventId="sns-1"), message_id="m-1", **signature)
    assert parse_link_completed(json.dumps(notification)).event_id == "sns-1"


def test_reads_an_eventbridge_event():
    envelope = eventbridge_event(link_event(eventId="eb-1"), event_id="e-1")
    assert parse_link_completed(json.dumps(envelope)).event_id == "eb-1"


def test_sns_notification_with_a_broken_message_is_invalid():
    notification = {"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": "{not json"}
    with pytest.raises(InvalidEventError) as caught:
        parse_link_completed(json.dumps(notification))
    assert caught.value.field == "Message"


def test_repr_hides_credentials():
    event = parse(token="tok-very-secret", metadata={"k": "v"})
    assert "tok-very-secret" not in repr(event)
    assert "tok-very-secret" in event.secret_values()
