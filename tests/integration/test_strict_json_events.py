"""Strict JSON end to end (issue 11, item 12): what Python's json would let through never reaches Dwolla."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FINICITY_RECEIPT, link_event
from tests.integration.helpers import drain, reason

pytestmark = pytest.mark.integration

OTHER_CUSTOMER = "5a0b1b5e-3c2d-4d7e-9f80-112233445566"


def test_nan_and_duplicate_keys_are_invalid_events_never_sent_to_dwolla(stack):
    nan_receipt = link_event(partner="Finicity", token=None, finicity={**FINICITY_RECEIPT, "partnerId": 7})
    nan_body = json.dumps(nan_receipt).replace('"partnerId": 7', '"partnerId": NaN')
    twice = link_event()
    twice_body = json.dumps(twice)[:-1] + f', "customerId": "{OTHER_CUSTOMER}"}}'
    overflow = link_event(partner="Finicity", token=None, finicity={**FINICITY_RECEIPT, "partnerId": 7})
    overflow_body = json.dumps(overflow).replace('"partnerId": 7', '"partnerId": 1e999')
    sns_body = json.dumps(
        {
            "Type": "Notification",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:link-completed",
            "Message": json.dumps(link_event(token="processor-a"))[:-1] + ', "token": "processor-b"}',
        }
    )
    for text in (nan_body, twice_body, overflow_body, sns_body):
        stack.publish(text)
    drain(stack)
    letters = {letter["Body"]: reason(letter) for letter in stack.dead_letters()}
    assert set(letters) == {nan_body, twice_body, overflow_body, sns_body}  # bodies kept byte for byte
    assert {why["errorCode"] for why in letters.values()} == {"InvalidEvent"}
    for event in (nan_receipt, twice, overflow):
        result = stack.result(event["eventId"])
        assert (result["status"], result["errorCode"]) == ("FAILED", "InvalidEvent")
    assert stack.emulator.stats.exchange_posts == 0
