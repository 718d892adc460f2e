"""Strict JSON (issue 11, item 12): NaN/Infinity and duplicate keys are InvalidEvent, in every envelope.

Python's json module accepts `NaN`, `Infinity`, `-Infinity` and numbers too large for a float (`1e999`
becomes inf), and keeps the last of two equal keys. Any of these would reach Dwolla, or make the event
mean something its sender may not have meant (`"customerId"` twice: whose exchange is it?).
"""

from __future__ import annotations

import json

import pytest

from exchange_linker.contracts.link_completed import LinkCompletedEvent, parse_link_completed
from exchange_linker.dwolla.exchange_request import build_exchange_request
from exchange_linker.errors import InvalidEventError
from tests.conftest import FINICITY_RECEIPT, link_event

OTHER_CUSTOMER = "5a0b1b5e-3c2d-4d7e-9f80-112233445566"


def finicity_event(**receipt: object) -> dict[str, object]:
    return link_event(partner="Finicity", token=None, finicity={**FINICITY_RECEIPT, **receipt})


def with_number(text: str) -> str:
    """A Finicity event whose receipt `partnerId` is the raw JSON number `text`."""
    body = json.dumps(finicity_event(partnerId=12345))
    assert body.count("12345") == 1
    return body.replace("12345", text)


def sns(message: str) -> str:
    return json.dumps({"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": message})


def eventbridge(detail_json: str) -> str:
    return '{"version": "0", "detail-type": "Link Completed", "source": "linking", "detail": ' + detail_json + "}"


def refused(body: str) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as caught:
        parse_link_completed(body)
    return caught.value


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_non_finite_numbers_are_invalid_events(number: str) -> None:
    body = with_number(number)
    json.loads(body)  # what Python's json would have let through
    error = refused(body)
    assert "finite" in error.reason
    assert error.event_id == json.loads(body)["eventId"]  # still recorded FAILED under its eventId


@pytest.mark.parametrize("wrap", [sns, eventbridge], ids=["sns", "eventbridge"])
@pytest.mark.parametrize("number", ["NaN", "Infinity", "1e999"])
def test_non_finite_numbers_inside_envelopes_are_invalid_events(wrap, number: str) -> None:
    refused(wrap(with_number(number)))


def test_a_duplicated_customer_id_is_an_invalid_event_not_the_last_one_wins() -> None:
    event = link_event()
    body = json.dumps(event)[:-1] + f', "customerId": "{OTHER_CUSTOMER}"}}'
    assert json.loads(body)["customerId"] == OTHER_CUSTOMER  # what Python's json would have done
    error = refused(body)
    assert (error.field, error.event_id) == ("customerId", event["eventId"])
    assert "twice" in error.reason


@pytest.mark.parametrize(
    "body",
    [
        # in the Finicity receipt, passed through to Dwolla whole
        json.dumps(finicity_event()).replace('"profile": 3', '"profile": 3, "profile": 4'),
        # in metadata
        json.dumps(link_event(metadata={"channel": "ios"})).replace(
            '"channel": "ios"', '"channel": "ios", "channel": "web"'
        ),
        # the credential itself
        json.dumps(link_event(token="processor-a"))[:-1] + ', "token": "processor-b"}',
    ],
    ids=["receipt", "metadata", "token"],
)
def test_duplicate_keys_anywhere_are_invalid_events(body: str) -> None:
    json.loads(body)
    assert "twice" in refused(body).reason


def test_a_duplicated_event_id_leaves_no_usable_event_id() -> None:
    body = json.dumps(link_event(eventId="evt-a"))[:-1] + ', "eventId": "evt-b"}'
    assert refused(body).event_id is None


def test_duplicate_keys_in_the_envelopes_are_invalid_events() -> None:
    event = json.dumps(link_event())
    other = json.dumps(link_event(customerId=OTHER_CUSTOMER))
    notification = sns(event)[:-1] + ", " + json.dumps({"Message": other})[1:]
    refused(notification)
    refused(sns(event[:-1] + ', "partner": "MX"}'))
    refused(eventbridge(event)[:-1] + ', "detail": ' + other + "}")


def test_a_duplicated_key_name_from_the_sender_is_not_echoed_when_odd() -> None:
    odd = "x" * 40 + "\n" + "y" * 40
    body = json.dumps(link_event())[:-1] + f", {json.dumps(odd)}: 1, {json.dumps(odd)}: 2}}"
    error = refused(body)
    assert "\n" not in str(error)
    assert "yyyy" not in str(error)


def test_requests_to_dwolla_never_carry_nan() -> None:
    """allow_nan=False on the request body: even an event that slipped past the contract cannot send NaN."""
    event = LinkCompletedEvent.model_validate(finicity_event())
    event.credential_payload()["finicity"]["partnerId"] = float("nan")  # the receipt dict is mutable
    with pytest.raises(ValueError, match="JSON compliant"):
        build_exchange_request(event, "https://api.dwolla.com/exchange-partners/x", 0)
