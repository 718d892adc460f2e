"""The DeadLetterQueue contract (contracts/dead_letter.py), held against MemoryDeadLetters and SqsDeadLetters.

What an operator relies on: the message arrives as it came, its upstream attributes whole and its reason
readable; a send that fails raises AwsError, so the processor never acknowledges a message it lost.
"""

from __future__ import annotations

import pytest

from exchange_linker.contracts.dead_letter import DeadLetter, read_reason
from exchange_linker.errors import AwsError
from tests.conftest import body
from tests.ports.queues import DeadLetterSide

UPSTREAM = {"traceparent": {"DataType": "String", "StringValue": "00-abc-def-01"}}


def letter(event_id: str, **fields: object) -> DeadLetter:
    values: dict = {
        "error_code": "InvalidScope",
        "error_message": "scope not enabled",
        "failed_at": "2026-11-21T10:00:00.000Z",
        "attempts": 3,
        "event_id": event_id,
        "original_attributes": UPSTREAM,
        **fields,
    }
    return DeadLetter(body(eventId=event_id), **values)


def test_a_letter_arrives_with_its_body_its_upstream_attributes_and_its_reason(dead_letters: DeadLetterSide) -> None:
    sent = letter(
        "evt-1", exchange_url="https://api-sandbox.dwolla.com/exchanges/x1", exchange_may_exist_since="unknown"
    )
    dead_letters.port.send(sent)
    ((arrived_body, attributes),) = dead_letters.side.arrived()
    assert arrived_body == sent.body
    assert attributes["traceparent"] == UPSTREAM["traceparent"]
    assert read_reason(attributes) == sent.reason


def test_every_letter_arrives(dead_letters: DeadLetterSide) -> None:
    for index in range(3):
        dead_letters.port.send(letter(f"evt-{index}"))
    reasons = [read_reason(attributes) for _, attributes in dead_letters.side.arrived()]
    assert sorted(reason.event_id for reason in reasons if reason is not None) == ["evt-0", "evt-1", "evt-2"]


def test_a_send_that_fails_raises_aws_error(dead_letters: DeadLetterSide) -> None:
    dead_letters.side.break_sends()
    with pytest.raises(AwsError) as failed:
        dead_letters.port.send(letter("evt-lost"))
    assert failed.value.service == "sqs"
