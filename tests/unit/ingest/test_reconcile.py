"""Reconciliation decisions the emulator cannot easily force: Dwolla's list failing, and an unknown outcome of
unknown age. None of them may end in a POST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from exchange_linker.contracts.results import ExchangeResult, Status
from exchange_linker.dwolla.fingerprint import Fingerprinter, differing_parts
from exchange_linker.errors import DependencyError, DwollaError
from exchange_linker.ingest.processor import InboundMessage, Outcome, RetryableError
from exchange_linker_tools.fakes import (
    TEST_FINGERPRINTS,
    FakeDwolla,
    processor_world,
)
from tests.conftest import body

NOW = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
A_DAY_AGO = "2026-11-20T17:00:00.000Z"


class ListingDwolla(FakeDwolla):
    def __init__(self) -> None:
        super().__init__()
        self.list_failure: DwollaError | None = None
        self.lists = 0

    def list_exchanges(self, customer_id, token):
        self.lists += 1
        if self.list_failure is not None:
            raise self.list_failure
        return []


@pytest.fixture
def world():
    return processor_world(ListingDwolla(), clock=lambda: NOW)


def unknown_outcome(results, event_id, since):
    results.rows[event_id] = ExchangeResult(
        event_id,
        Status.RETRYING,
        1,
        A_DAY_AGO,
        error_code="Timeout",
        key_generation=0,
        exchange_may_exist=True,
        uncertain_since=since,
    )


def message(text, receive_count):
    return InboundMessage(message_id="m", body=text, receive_count=receive_count)


def test_a_list_that_fails_transiently_retries_then_goes_to_a_person_never_to_a_post(world):
    processor, dwolla, results, dlq = world
    unknown_outcome(results, "e1", A_DAY_AGO)
    dwolla.list_failure = DwollaError("ServerError", "boom", permanent=False, status=500)
    text = body(eventId="e1")
    with pytest.raises(RetryableError) as retried:
        processor.process(message(text, 1))
    assert retried.value.error.code == "ExchangeMayExist"
    assert processor.process(message(text, 3)) is Outcome.FAILED
    (letter,) = dlq.letters
    assert (letter.error_code, letter.exchange_may_exist_since) == ("ExchangeMayExist", A_DAY_AGO)
    assert "ServerError" in letter.error_message
    assert (dwolla.lists, dwolla.keys) == (2, [])
    assert results.rows["e1"].key_generation == 0


def test_a_list_refused_for_good_goes_to_a_person_at_once(world):
    processor, dwolla, results, dlq = world
    unknown_outcome(results, "e1", A_DAY_AGO)
    dwolla.list_failure = DwollaError("Forbidden", "no", permanent=True, status=403)
    assert processor.process(message(body(eventId="e1"), 1)) is Outcome.FAILED
    assert dlq.letters[0].error_code == "ExchangeMayExist"
    assert dwolla.keys == []


def test_an_unknown_outcome_of_unknown_age_goes_to_a_person(world):
    """Rows written before uncertainSince existed: the key's age cannot be told, so neither can its safety."""
    processor, dwolla, results, dlq = world
    unknown_outcome(results, "e1", None)
    assert processor.process(message(body(eventId="e1"), 1)) is Outcome.FAILED
    assert (dlq.letters[0].error_code, dlq.letters[0].exchange_may_exist_since) == ("ExchangeMayExist", "unknown")
    assert (dwolla.lists, dwolla.keys) == (0, [])


def test_within_the_window_the_same_key_is_sent_and_dwolla_is_not_asked(world):
    processor, dwolla, results, _ = world
    unknown_outcome(results, "e1", (NOW - timedelta(hours=22)).isoformat())
    assert processor.process(message(body(eventId="e1"), 2)) is Outcome.CREATED
    assert dwolla.lists == 0
    assert len(dwolla.keys) == 1


def test_differing_parts_are_named_and_older_rows_without_a_fingerprint_compare_equal():
    first = TEST_FINGERPRINTS.of(_event(token="tok-one-1234"))
    assert differing_parts(first, TEST_FINGERPRINTS.of(_event(token="tok-one-1234"))) == []
    assert differing_parts(first, TEST_FINGERPRINTS.of(_event(token="tok-two-1234"))) == ["credential"]
    assert differing_parts(first, TEST_FINGERPRINTS.of(_event(token="tok-one-1234", partner="MX"))) == ["partner"]
    assert differing_parts({}, first) == []


def test_a_short_fingerprint_key_is_refused_transiently():
    with pytest.raises(DependencyError) as caught:
        Fingerprinter(lambda: b"short").of(_event())
    assert (caught.value.code, caught.value.permanent) == ("FingerprintKeyUnavailable", False)


def _event(**fields):
    from exchange_linker.contracts.link_completed import parse_link_completed

    return parse_link_completed(body(eventId="e1", **fields))


def test_a_rival_could_own_an_exchange_only_if_its_unanswered_post_was_sent_within_the_keys_lifetime():
    from exchange_linker.contracts.results import OwnerEntry
    from exchange_linker.ingest.reconcile import _could_own

    created = NOW - timedelta(hours=2)

    def rival(since, **fields):
        return OwnerEntry("e2", Status.RETRYING, exchange_may_exist=True, uncertain_since=since, **fields)

    assert _could_own(rival("2026-11-21T15:59:00.000Z"), created)  # sent a minute before Dwolla stamped it
    assert _could_own(rival("2026-11-21T16:01:00.000Z"), created)  # within the clock skew
    assert _could_own(rival("2026-11-20T17:00:00.000Z"), created)  # a retry of the same key, 23 h on
    assert _could_own(rival(None), created)  # of unknown age: it could be anything
    assert not _could_own(rival("2026-11-21T16:05:00.000Z"), created)  # sent after it was made
    assert not _could_own(rival("2026-11-19T12:00:00.000Z"), created)  # its key never went out that late
    assert not _could_own(rival("2026-11-21T15:59:00.000Z", exchange_id="x9"), created)  # recorded its own
    settled = OwnerEntry("e3", Status.FAILED, uncertain_since="2026-11-21T15:59:00.000Z")
    assert not _could_own(settled, created)  # nothing may exist for it
