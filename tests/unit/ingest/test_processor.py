"""The record processor with in-memory ports: every outcome and where each message ends."""

import json

import pytest

from exchange_linker.contracts.dead_letter import read_reason
from exchange_linker.contracts.results import Status
from exchange_linker.dwolla.exchange_request import idempotency_key
from exchange_linker.dwolla.exchanges import ExchangeService
from exchange_linker.dwolla.fingerprint import Fingerprinter
from exchange_linker.dwolla.tokens import TokenProvider
from exchange_linker.errors import DependencyError, DwollaError
from exchange_linker.ingest.processor import InboundMessage, Outcome, RecordProcessor, RetryableError
from exchange_linker_tools.fakes import MemoryTokens, processor_world
from tests.conftest import body


@pytest.fixture
def world():
    return processor_world()


def message(text, receive_count=1):
    return InboundMessage(message_id="m-1", body=text, receive_count=receive_count)


def test_created(world):
    processor, _, results, dlq = world
    assert processor.process(message(body(eventId="e1", metadata={"k": "v"}))) is Outcome.CREATED
    row = results.rows["e1"]
    assert (row.status, row.exchange_id, row.partner, row.metadata) == (Status.CREATED, "x1", "Plaid", {"k": "v"})
    assert dlq.letters == []


def test_already_created_is_not_sent_again(world):
    processor, dwolla, _, _ = world
    event = body(eventId="e1")
    processor.process(message(event))
    assert processor.process(message(event)) is Outcome.ALREADY_CREATED
    assert len(dwolla.keys) == 1


def test_invalid_event_goes_to_the_dlq_with_its_reason(world):
    processor, _, results, dlq = world
    assert processor.process(message(body(eventId="bad-1", partner="Yodlee"))) is Outcome.FAILED
    (letter,) = dlq.letters
    assert (letter.error_code, letter.event_id) == ("InvalidEvent", "bad-1")
    assert "partner" in letter.error_message
    assert results.rows["bad-1"].status is Status.FAILED


def test_not_json_goes_to_the_dlq_without_an_event_id(world):
    processor, _, results, dlq = world
    processor.process(message("{oops"))
    assert dlq.letters[0].event_id is None
    assert dlq.letters[0].body == "{oops"
    assert results.rows == {}


def test_permanent_dwolla_error_bumps_the_key_generation(world):
    processor, dwolla, results, dlq = world
    dwolla.failures = [DwollaError("InvalidExchangeToken", "expired", permanent=True, status=400)]
    event = body(eventId="e1")
    assert processor.process(message(event)) is Outcome.FAILED
    assert results.rows["e1"].key_generation == 1
    assert dlq.letters[0].error_code == "InvalidExchangeToken"
    processor.process(message(event))  # the replay
    assert dwolla.keys == [idempotency_key("e1", 0), idempotency_key("e1", 1)]
    assert results.rows["e1"].status is Status.CREATED


def test_transient_error_retries_with_the_same_key(world):
    processor, dwolla, results, _ = world
    dwolla.failures = [DwollaError("Timeout", "no answer", permanent=False, exchange_may_exist=True)]
    event = body(eventId="e1")
    with pytest.raises(RetryableError):
        processor.process(message(event, receive_count=1))
    assert results.rows["e1"].status is Status.RETRYING
    assert processor.process(message(event, receive_count=2)) is Outcome.CREATED
    assert dwolla.keys[0] == dwolla.keys[1]


def test_last_receive_turns_a_transient_error_into_a_dlq_entry_and_keeps_the_key(world):
    processor, dwolla, results, dlq = world
    dwolla.failures = [DwollaError("ServerError", "boom", permanent=False, status=500)]
    assert processor.process(message(body(eventId="e1"), receive_count=3)) is Outcome.FAILED
    assert results.rows["e1"].status is Status.FAILED
    assert results.rows["e1"].key_generation == 0
    assert (dlq.letters[0].error_code, dlq.letters[0].attempts) == ("ServerError", 3)


def test_dlq_failure_sends_the_message_back_rather_than_losing_it(world):
    processor, _, _, dlq = world
    dlq.fail = True
    with pytest.raises(RetryableError):
        processor.process(message(body(eventId="e1", partner="Yodlee")))


def test_results_failure_on_the_last_receive_still_dead_letters_and_nothing_is_sent(world):
    """The intent is written before the POST: a table that takes no write means Dwolla is never called."""
    processor, dwolla, results, dlq = world
    results.fail_writes = True
    with pytest.raises(RetryableError):
        processor.process(message(body(eventId="e1"), receive_count=1))
    assert processor.process(message(body(eventId="e1"), receive_count=3)) is Outcome.FAILED
    assert dlq.letters[0].error_code == "ProvisionedThroughputExceededException"
    assert dwolla.keys == []


def test_a_refusal_after_the_intent_clears_it_and_moves_the_key(world):
    processor, dwolla, results, _ = world
    dwolla.failures = [DwollaError("InvalidExchange", "gone", permanent=True, status=400)]
    assert processor.process(message(body(eventId="e1"))) is Outcome.FAILED
    row = results.rows["e1"]
    assert (row.status, row.key_generation, row.exchange_may_exist, row.uncertain_since, row.intent_id) == (
        Status.FAILED,
        1,
        False,
        None,
        None,
    )


def test_a_bug_is_retried_not_raised(world):
    processor, dwolla, _, _ = world

    def broken(request, token):
        raise KeyError("surprise")

    dwolla.create_exchange = broken
    with pytest.raises(RetryableError) as caught:
        processor.process(message(body(eventId="e1")))
    assert caught.value.error.code == "InternalError"


def test_error_messages_are_scrubbed_of_credentials(world):
    processor, dwolla, results, dlq = world
    dwolla.failures = [DwollaError("ValidationError", "token tok-echoed-back is bad", permanent=True, status=400)]
    processor.process(message(body(eventId="e1", token="tok-echoed-back")))
    assert "tok-echoed-back" not in dlq.letters[0].error_message
    assert "tok-echoed-back" not in results.rows["e1"].error_message


def test_original_message_attributes_travel_with_the_dead_letter(world):
    processor, _, _, dlq = world
    inbound = InboundMessage(
        message_id="m",
        body=json.dumps({"x": 1}),
        receive_count=1,
        attributes={"traceparent": {"DataType": "String", "StringValue": "00-abc"}},
    )
    processor.process(inbound)
    attributes = dlq.letters[0].message_attributes()
    assert attributes["traceparent"]["StringValue"] == "00-abc"
    reason = read_reason(attributes)
    assert reason is not None
    assert reason.error_code == "InvalidEvent"


def test_a_concurrent_duplicate_that_loses_the_race_is_not_announced_twice(world):
    processor, dwolla, results, _ = world
    real_get, stale = results.get, iter([None, None])
    results.get = lambda event_id: next(stale, real_get(event_id))  # both copies look before either has written
    event = body(eventId="twin")
    assert processor.process(message(event)) is Outcome.CREATED
    assert processor.process(message(event)) is Outcome.ALREADY_CREATED
    assert len(dwolla.keys) == 1  # the second copy's intent was refused: it never asked Dwolla


def unreadable_key() -> bytes:
    raise DependencyError("FingerprintKeyUnavailable", "secretsmanager: throttled", permanent=False)


def test_a_copy_that_cannot_fingerprint_its_request_never_writes_the_item(world):
    """Without its fingerprint a write could not be held to one request: another request's item would be
    overwritten. Such a copy leaves the item alone; its reason travels on its DLQ message."""
    processor, dwolla, results, dlq = world
    dwolla.failures = [DwollaError("Timeout", "no answer", permanent=False, exchange_may_exist=True)]
    with pytest.raises(RetryableError):
        processor.process(message(body(eventId="e1", token="processor-sandbox-OTHER"), receive_count=1))
    theirs = results.rows["e1"]
    blind = RecordProcessor(
        ExchangeService(dwolla, TokenProvider(MemoryTokens(), dwolla)),
        results,
        dlq,
        fingerprints=Fingerprinter(unreadable_key),
        max_receive_count=3,
    )
    mine = body(eventId="e1")
    with pytest.raises(RetryableError):
        blind.process(message(mine, receive_count=1))
    assert blind.process(message(mine, receive_count=3)) is Outcome.FAILED
    assert results.rows["e1"] == theirs  # the other request's item, untouched
    (letter,) = dlq.letters
    assert (letter.error_code, letter.event_id) == ("FingerprintKeyUnavailable", "e1")
    assert len(dwolla.keys) == 1  # only the other request's POST
