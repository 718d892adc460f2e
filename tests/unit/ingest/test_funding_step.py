"""The funding-source step (issue 14) with in-memory ports: where each failure of the POST leaves the event."""

from dataclasses import replace

import pytest

from exchange_linker.contracts.results import FundingSourceStatus, Status
from exchange_linker.dwolla.exchange_request import idempotency_key
from exchange_linker.dwolla.funding_sources import funding_source_key
from exchange_linker.errors import DwollaError
from exchange_linker.ingest.deferral import DeferredRecordError
from exchange_linker.ingest.processor import InboundMessage, Outcome, RetryableError
from exchange_linker_tools.fakes import processor_world
from tests.conftest import body

FUNDING = {"name": "Checking", "bankAccountType": "checking"}


@pytest.fixture
def world():
    return processor_world()


def message(text, receive_count=1):
    return InboundMessage(message_id="m-1", body=text, receive_count=receive_count)


def event(**fields):
    return body(**{"eventId": "e1", "token": "processor-sandbox-1", "fundingSource": FUNDING, **fields})


def test_the_funding_source_follows_the_exchange_and_is_recorded(world):
    processor, dwolla, results, dlq = world
    assert processor.process(message(event())) is Outcome.FUNDING_SOURCE_CREATED
    row = results.rows["e1"]
    assert (row.status, row.exchange_id) == (Status.CREATED, "x1")
    assert row.funding_source is not None
    assert (row.funding_source.status, row.funding_source.funding_source_id) == (FundingSourceStatus.CREATED, "f1")
    assert dwolla.funding_keys == [funding_source_key("e1", 0)]
    assert processor.process(message(event())) is Outcome.ALREADY_CREATED  # a redelivery sends nothing
    assert (len(dwolla.keys), len(dwolla.funding_keys), dlq.letters) == (1, 1, [])


def test_a_refusal_dead_letters_keeps_created_and_moves_only_the_funding_source_key(world):
    processor, dwolla, results, dlq = world
    dwolla.funding_failures = [DwollaError("NotFound", "gone", permanent=True, status=404)]
    assert processor.process(message(event())) is Outcome.FAILED
    row = results.rows["e1"]
    assert row.status is Status.CREATED
    assert row.funding_source is not None
    assert (row.funding_source.status, row.funding_source.error_code) == (
        FundingSourceStatus.FAILED,
        "FundingSourceNotFound",
    )
    (letter,) = dlq.letters
    assert (letter.error_code, letter.exchange_url) == ("FundingSourceNotFound", "https://dwolla.test/exchanges/x1")
    assert processor.process(message(event())) is Outcome.FUNDING_SOURCE_CREATED  # the replay resumes
    assert dwolla.keys == [idempotency_key("e1", 0)]  # one exchange POST, ever
    assert dwolla.funding_keys == [funding_source_key("e1", 0), funding_source_key("e1", 1)]


def test_a_transient_failure_stays_pending_then_dead_letters_on_the_last_receive_with_the_same_key(world):
    processor, dwolla, results, dlq = world
    dwolla.funding_failures = [DwollaError("ServerError", "boom", permanent=False, status=500)] * 3
    with pytest.raises(RetryableError):
        processor.process(message(event(), receive_count=1))
    pending = results.rows["e1"].funding_source
    assert pending is not None
    assert (pending.status, pending.error_code) == (FundingSourceStatus.PENDING, "FundingSourceServerError")
    with pytest.raises(RetryableError):
        processor.process(message(event(), receive_count=2))
    assert processor.process(message(event(), receive_count=3)) is Outcome.FAILED
    assert dlq.letters[0].error_code == "FundingSourceServerError"
    assert set(dwolla.funding_keys) == {funding_source_key("e1", 0)}
    assert results.rows["e1"].funding_source.key_generation == 0  # the outcome may be unknown: same key next


def test_a_429_on_the_funding_source_is_no_attempt_and_never_the_dlq(world):
    processor, dwolla, results, dlq = world
    dwolla.funding_failures = [DwollaError("TooManyRequests", "slow down", permanent=False, status=429)] * 3
    with pytest.raises(DeferredRecordError):
        processor.process(message(event(), receive_count=3))
    assert dlq.letters == []
    assert results.rows["e1"].funding_source.status is FundingSourceStatus.PENDING


def test_a_table_that_refuses_the_funding_source_write_retries_without_a_second_exchange(world):
    processor, dwolla, results, _ = world
    processor.process(message(event(fundingSource=None)))
    row = results.rows["e1"]  # as written before funding sources existed: no fundingSource fingerprint part
    results.rows["e1"] = replace(row, fingerprint={k: v for k, v in row.fingerprint.items() if k != "fundingSource"})
    results.fail_writes = True
    with pytest.raises(RetryableError):
        processor.process(message(event(), receive_count=1))
    results.fail_writes = False
    assert processor.process(message(event(), receive_count=2)) is Outcome.FUNDING_SOURCE_CREATED
    assert (len(dwolla.keys), dwolla.funding_keys[0] == dwolla.funding_keys[1]) == (1, True)
