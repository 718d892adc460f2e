import json

import pytest

from exchange_linker.contracts.outcome_event import OutcomeEvent
from exchange_linker.dwolla.exchanges import ExchangeService
from exchange_linker.dwolla.tokens import TokenProvider
from exchange_linker.errors import AwsError, DwollaError
from exchange_linker.ingest.processor import InboundMessage, Outcome, RecordProcessor
from tests.conftest import body
from tests.unit.test_processor import FakeDwolla, MemoryDeadLetters, MemoryResults, MemoryTokens


class MemoryBus:
    def __init__(self) -> None:
        self.events: list[OutcomeEvent] = []
        self.down = False

    def publish(self, event: OutcomeEvent) -> None:
        if self.down:
            raise AwsError("events", "ThrottlingException", "slow down")
        self.events.append(event)


@pytest.fixture
def world():
    dwolla, results, bus = FakeDwolla(), MemoryResults(), MemoryBus()
    processor = RecordProcessor(
        ExchangeService(dwolla, TokenProvider(MemoryTokens(), dwolla)),
        results,
        MemoryDeadLetters(),
        max_receive_count=3,
        outcomes=bus,
    )
    return processor, dwolla, results, bus


def message(text):
    return InboundMessage(message_id="m", body=text, receive_count=1)


def test_created_and_failed_outcomes_are_announced_without_secrets(world):
    processor, dwolla, _, bus = world
    processor.process(message(body(eventId="ok", token="tok-secret-1")))
    dwolla.failures = [DwollaError("InvalidExchangeToken", "expired tok-secret-2", permanent=True, status=400)]
    processor.process(message(body(eventId="ko", token="tok-secret-2", customerId=None)))
    created, failed = bus.events
    assert (created.detail_type, created.exchange_id, created.status) == ("Exchange Created", "x1", "CREATED")
    assert (failed.detail_type, failed.error_code, failed.customer_id) == (
        "Exchange Failed",
        "InvalidExchangeToken",
        None,
    )
    details = created.detail_json() + failed.detail_json()
    assert "tok-secret" not in details
    assert set(json.loads(failed.detail_json())) == {
        "version",
        "eventId",
        "status",
        "partner",
        "errorCode",
        "attempts",
        "occurredAt",
        "outcomeId",
    }


def test_duplicates_are_not_announced_twice(world):
    processor, _, _, bus = world
    processor.process(message(body(eventId="dup")))
    assert processor.process(message(body(eventId="dup"))) is Outcome.ALREADY_CREATED
    assert len(bus.events) == 1


def test_a_bus_failure_never_undoes_the_outcome(world):
    processor, _, results, bus = world
    bus.down = True
    assert processor.process(message(body(eventId="e1"))) is Outcome.CREATED
    assert results.rows["e1"].status.value == "CREATED"
