"""The record processor with in-memory ports: every outcome and where each message ends."""

import json
from dataclasses import replace

import pytest

from exchange_linker.contracts.dead_letter import DeadLetter, read_reason
from exchange_linker.contracts.results import ExchangeResult, KeyState, OwnerEntry, Status
from exchange_linker.dwolla.exchange_request import idempotency_key
from exchange_linker.dwolla.exchanges import CreatedExchange, ExchangeService
from exchange_linker.dwolla.fingerprint import Fingerprinter
from exchange_linker.dwolla.tokens import AccessToken, TokenProvider
from exchange_linker.errors import AwsError, DwollaError
from exchange_linker.ingest.processor import InboundMessage, Outcome, RecordProcessor, RetryableError
from tests.conftest import body


class FakeDwolla:
    def __init__(self) -> None:
        self.failures: list[DwollaError] = []
        self.keys: list[str] = []

    def issue_token(self) -> AccessToken:
        return AccessToken("token", expires_at=4_000_000_000)

    def exchange_partners(self, token):
        return {"Plaid": "https://dwolla.test/exchange-partners/p", "MX": "https://dwolla.test/exchange-partners/m"}

    def create_exchange(self, request, token):
        self.keys.append(request.idempotency_key)
        if self.failures:
            raise self.failures.pop(0)
        return CreatedExchange(url="https://dwolla.test/exchanges/x1", exchange_id="x1", request_id="r1")


TEST_FINGERPRINTS = Fingerprinter(lambda: b"unit-test-fingerprint-key-32-bytes!")


class MemoryTokens:
    def load(self, *, fresh):
        return None

    def save(self, token):
        pass


class MemoryResults:
    """results.ResultsStore in a dict, with the adapter's rules: CREATED is final, another request's
    fingerprint refuses the write, exchangeMayExist sticky, uncertainSince, intentId and fingerprint kept
    once set; with `expected`, only from that state, replacing it."""

    def __init__(self) -> None:
        self.rows: dict[str, ExchangeResult] = {}
        self.fail_writes = False

    def get(self, event_id):
        return self.rows.get(event_id)

    def recorded_exchanges(self, customer_id):
        rows = [row for row in self.rows.values() if row.customer_id == customer_id and row.exchange_id]
        return {row.exchange_id: row.event_id for row in rows}

    def owner_activity(self, customer_id, partner, since):
        rows = [row for row in self.rows.values() if row.customer_id == customer_id and row.partner == partner]
        return [
            OwnerEntry(row.event_id, row.status, row.exchange_id, row.exchange_may_exist, row.uncertain_since)
            for row in rows
            if row.updated_at >= since and (row.exchange_id or row.exchange_may_exist)
        ]

    def put(self, result, *, expected=None):
        if self.fail_writes:
            raise AwsError("dynamodb", "ProvisionedThroughputExceededException", "slow down")
        current = self.rows.get(result.event_id)
        if current is not None and current.status is Status.CREATED:
            return False
        stored, ours = (current.fingerprint.get("request") if current else None), result.fingerprint.get("request")
        if current is not None and stored and ours and stored != ours:
            return False
        if expected is not None and KeyState.of(current) != expected:
            return False
        generation = (
            result.key_generation if result.key_generation is not None else (current.key_generation if current else 0)
        )
        may_exist = result.exchange_may_exist and result.status is not Status.CREATED
        since = result.uncertain_since if may_exist else None
        intent = result.intent_id if result.status is not Status.CREATED else None
        if expected is None and result.status is not Status.CREATED and current is not None:
            may_exist = may_exist or current.exchange_may_exist
            since = current.uncertain_since or since
            intent = intent or current.intent_id
        fingerprint = (current.fingerprint if current is not None else None) or result.fingerprint
        self.rows[result.event_id] = replace(
            result,
            key_generation=generation,
            exchange_may_exist=may_exist,
            uncertain_since=since,
            fingerprint=fingerprint,
            intent_id=intent,
        )
        return True


class MemoryDeadLetters:
    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []
        self.fail = False

    def send(self, letter):
        if self.fail:
            raise AwsError("sqs", "ServiceUnavailable", "down")
        self.letters.append(letter)


@pytest.fixture
def world():
    dwolla, results, dlq = FakeDwolla(), MemoryResults(), MemoryDeadLetters()
    processor = RecordProcessor(
        ExchangeService(dwolla, TokenProvider(MemoryTokens(), dwolla)),
        results,
        dlq,
        fingerprints=TEST_FINGERPRINTS,
        max_receive_count=3,
    )
    return processor, dwolla, results, dlq


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
    assert (row.status, row.key_generation, row.exchange_may_exist, row.uncertain_since) == (
        Status.FAILED,
        1,
        False,
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
