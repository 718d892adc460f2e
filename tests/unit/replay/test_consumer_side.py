"""What a replayed message meets in the consumer: processor.py with in-memory ports, at the edges a replay reaches."""

from __future__ import annotations

from exchange_linker.contracts.results import ExchangeResult, Status
from exchange_linker.errors import DwollaError
from exchange_linker.ingest.processor import InboundMessage, Outcome, RecordProcessor
from exchange_linker_tools.fakes import TEST_FINGERPRINTS, MemoryDeadLetters, MemoryResults
from tests.conftest import body


class RefusingDwolla:
    def __init__(self) -> None:
        self.generations: list[int] = []

    def prepare(self, event, key_generation):
        self.generations.append(key_generation)
        return key_generation

    def send(self, request, before_sending=None):
        if before_sending is not None:
            before_sending()
        raise DwollaError("InvalidScope", "scope not enabled", permanent=True, status=401)


class OtherCopyWinsResults(MemoryResults):
    """A concurrent copy of the event (a replay racing a redelivery) records CREATED right after our read."""

    def get(self, event_id):
        row = super().get(event_id)
        self.rows[event_id] = ExchangeResult(event_id, Status.CREATED, 1, "2026-11-21T00:00:00.000Z", exchange_id="x1")
        return row


def test_a_copy_that_fails_after_the_other_copy_created_the_exchange_is_not_reported_failed():
    results, dead_letters = OtherCopyWinsResults(), MemoryDeadLetters()
    processor = RecordProcessor(
        RefusingDwolla(), results, dead_letters, fingerprints=TEST_FINGERPRINTS, max_receive_count=5
    )
    outcome = processor.process(InboundMessage(message_id="m1", body=body(eventId="evt-race"), receive_count=1))
    assert results.rows["evt-race"].status is Status.CREATED
    assert dead_letters.letters == []
    assert outcome is Outcome.ALREADY_CREATED
