"""The ResultsStore contract (contracts/results.py), held against MemoryResults and DynamoDbResults alike.

What the processor relies on: CREATED is final; exchangeMayExist is sticky and uncertainSince and the
fingerprint are kept once set; a write with `expected` happens only from exactly that key state and then
replaces it; a CREATED write clears the error and the key state, any other write clears the exchange;
whatever a write leaves empty is kept.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from exchange_linker.contracts.results import ExchangeResult, KeyState, OwnerEntry, ResultsStore, Status

T0, T1, T2 = "2026-11-20T18:04:05.000Z", "2026-11-20T18:05:00.000Z", "2026-11-20T18:06:00.000Z"
CUSTOMER = "74a207b2-b7b7-4efa-8bf8-582148e7b980"
URL = "https://api-sandbox.dwolla.com/exchanges/x1"


def retrying(event_id: str, **fields: object) -> ExchangeResult:
    return replace(ExchangeResult(event_id, Status.RETRYING, 1, T0, partner="Plaid", customer_id=CUSTOMER), **fields)


def created(event_id: str, **fields: object) -> ExchangeResult:
    row = ExchangeResult(event_id, Status.CREATED, 2, T1, partner="Plaid", customer_id=CUSTOMER, exchange_url=URL)
    return replace(row, **{"exchange_id": "x1", **fields})


def uncertain(event_id: str, since: str = T0, **fields: object) -> ExchangeResult:
    return retrying(event_id, error_code="Timeout", exchange_may_exist=True, uncertain_since=since, **fields)


def test_an_event_never_written_has_no_result(results: ResultsStore, event_id: str) -> None:
    assert results.get(event_id) is None


def test_get_returns_every_field_put(results: ResultsStore, event_id: str) -> None:
    row = uncertain(
        event_id,
        metadata={"orderId": "o-1"},
        error_message="read timed out",
        key_generation=2,
        fingerprint={"credential": "f1", "partner": "f2"},
    )
    assert results.put(row) is True
    assert results.get(event_id) == row


def test_a_generation_left_empty_keeps_the_one_held(results: ResultsStore, event_id: str) -> None:
    results.put(retrying(event_id, key_generation=3))
    results.put(retrying(event_id, attempts=2, key_generation=None))
    assert _read(results, event_id).key_generation == 3
    other = f"evt-{uuid.uuid4()}"
    results.put(retrying(other, key_generation=None))
    assert _read(results, other).key_generation == 0


def test_created_is_never_left(results: ResultsStore, event_id: str) -> None:
    assert results.put(created(event_id)) is True
    for later in (retrying(event_id, attempts=3), replace(retrying(event_id), status=Status.FAILED), created(event_id)):
        assert results.put(later) is False
        assert results.put(later, expected=KeyState.of(_read(results, event_id))) is False
    assert _read(results, event_id) == created(event_id, key_generation=0)


def test_exchange_may_exist_is_sticky_and_uncertain_since_kept_once_set(results: ResultsStore, event_id: str) -> None:
    results.put(uncertain(event_id, since=T0))
    results.put(uncertain(event_id, since=T1, attempts=2))
    assert _read(results, event_id).uncertain_since == T0
    results.put(retrying(event_id, attempts=3, error_code="ServerError"))
    row = _read(results, event_id)
    assert (row.exchange_may_exist, row.uncertain_since, row.error_code) == (True, T0, "ServerError")


def test_the_first_fingerprint_stays(results: ResultsStore, event_id: str) -> None:
    results.put(retrying(event_id, fingerprint={"credential": "first"}))
    results.put(retrying(event_id, attempts=2, fingerprint={"credential": "second"}))
    assert _read(results, event_id).fingerprint == {"credential": "first"}
    results.put(retrying(event_id, attempts=3, fingerprint={"credential": "third"}), expected=_state(results, event_id))
    assert _read(results, event_id).fingerprint == {"credential": "first"}


def test_fields_a_write_leaves_empty_are_kept(results: ResultsStore, event_id: str) -> None:
    results.put(retrying(event_id, metadata={"k": "v"}, error_code="ServerError", error_message="boom"))
    results.put(ExchangeResult(event_id, Status.RETRYING, 2, T1))
    row = _read(results, event_id)
    assert (row.partner, row.customer_id, row.metadata) == ("Plaid", CUSTOMER, {"k": "v"})
    assert (row.error_code, row.error_message, row.attempts, row.updated_at) == ("ServerError", "boom", 2, T1)


def test_created_clears_the_error_and_the_key_state(results: ResultsStore, event_id: str) -> None:
    results.put(uncertain(event_id, error_message="read timed out"))
    results.put(created(event_id, reconciled=True))
    row = _read(results, event_id)
    assert (row.error_code, row.error_message, row.exchange_may_exist, row.uncertain_since) == (None, None, False, None)
    assert (row.exchange_url, row.exchange_id, row.reconciled) == (URL, "x1", True)


def test_a_write_short_of_created_clears_the_exchange(results: ResultsStore, event_id: str) -> None:
    results.put(retrying(event_id, exchange_url=URL, exchange_id="x1", reconciled=True))
    results.put(replace(retrying(event_id, attempts=2), status=Status.FAILED, error_code="NotFound"))
    row = _read(results, event_id)
    assert (row.status, row.exchange_url, row.exchange_id, row.reconciled) == (Status.FAILED, None, None, False)


def test_a_conditional_write_that_expects_no_item(results: ResultsStore, event_id: str) -> None:
    assert results.put(retrying(event_id), expected=KeyState(exists=False)) is True
    assert results.put(retrying(event_id, attempts=2), expected=KeyState(exists=False)) is False
    assert _read(results, event_id).attempts == 1


def test_a_conditional_write_from_the_state_read_replaces_the_key_state(results: ResultsStore, event_id: str) -> None:
    results.put(uncertain(event_id, key_generation=0))
    state = _state(results, event_id)
    assert state == KeyState(True, 0, True, T0)
    assert results.put(retrying(event_id, attempts=2, key_generation=1), expected=state) is True
    row = _read(results, event_id)
    assert (row.key_generation, row.exchange_may_exist, row.uncertain_since) == (1, False, None)
    assert results.put(uncertain(event_id, since=T2, key_generation=1), expected=KeyState.of(row)) is True
    assert _read(results, event_id).uncertain_since == T2


def test_a_conditional_write_from_another_state_changes_nothing(results: ResultsStore, event_id: str) -> None:
    results.put(uncertain(event_id, key_generation=1))
    before = _read(results, event_id)
    state = KeyState.of(before)
    for stale in (
        replace(state, key_generation=0),
        replace(state, key_generation=2),
        replace(state, exchange_may_exist=False, uncertain_since=None),
        replace(state, uncertain_since=T1),
    ):
        assert results.put(retrying(event_id, attempts=9, key_generation=5), expected=stale) is False
    assert _read(results, event_id) == before


def test_recorded_exchanges_are_the_customers_rows_with_an_exchange(results: ResultsStore, event_id: str) -> None:
    customer = str(uuid.uuid4())
    second, pending, elsewhere = (f"evt-{uuid.uuid4()}" for _ in range(3))
    results.put(created(event_id, customer_id=customer))
    results.put(created(second, customer_id=customer, exchange_id="x2", exchange_url=f"{URL[:-2]}x2"))
    results.put(retrying(pending, customer_id=customer))
    results.put(created(elsewhere, customer_id=str(uuid.uuid4()), exchange_id="x3"))
    assert results.recorded_exchanges(customer) == {"x1": event_id, "x2": second}
    assert results.recorded_exchanges(str(uuid.uuid4())) == {}


def _read(results: ResultsStore, event_id: str) -> ExchangeResult:
    row = results.get(event_id)
    assert row is not None
    return row


def _state(results: ResultsStore, event_id: str) -> KeyState:
    return KeyState.of(results.get(event_id))


# ---------------------------------------------------------------- issue 14: the funding source of a CREATED row
FS_URL = "https://api-sandbox.dwolla.com/funding-sources/f1"


def test_a_created_write_records_a_pending_funding_source(results: ResultsStore, event_id: str) -> None:
    from exchange_linker.contracts.results import FundingSourceResult, FundingSourceStatus

    pending = FundingSourceResult(FundingSourceStatus.PENDING)
    assert results.put(created(event_id, funding_source=pending)) is True
    assert _read(results, event_id).funding_source == pending


def test_the_funding_source_is_written_only_on_a_created_row_and_never_left_once_created(
    results: ResultsStore, event_id: str
) -> None:
    from exchange_linker.contracts.results import FundingSourceResult, FundingSourceStatus

    failing = FundingSourceResult(FundingSourceStatus.PENDING, None, None, "FundingSourceServerError", "500", 0)
    made = FundingSourceResult(FundingSourceStatus.CREATED, FS_URL, "f1", key_generation=0)
    results.put(retrying(event_id))
    assert results.put_funding_source(event_id, made, attempts=2, at=T1) is False  # no exchange recorded
    assert _read(results, event_id).funding_source is None
    results.put(created(event_id, funding_source=FundingSourceResult(FundingSourceStatus.PENDING)))
    assert results.put_funding_source(event_id, failing, attempts=3, at=T1) is True
    assert _read(results, event_id).funding_source == failing
    assert results.put_funding_source(event_id, made, attempts=4, at=T2) is True
    row = _read(results, event_id)
    assert (row.status, row.funding_source, row.attempts, row.updated_at) == (Status.CREATED, made, 4, T2)
    refused = FundingSourceResult(FundingSourceStatus.FAILED, None, None, "FundingSourceForbidden", "no", 1)
    assert results.put_funding_source(event_id, refused, attempts=5, at=T2) is False  # a slower copy's failure
    assert _read(results, event_id).funding_source == made


# ------------------------------------------------ one eventId, one request; the owner index (issue 11)

OURS = {"request": "a" * 64, "customerId": "c", "partner": "p", "credential": "1"}
THEIRS = {**OURS, "request": "b" * 64, "credential": "2"}


def test_no_write_of_another_request_touches_the_item(results: ResultsStore, event_id: str) -> None:
    assert results.put(uncertain(event_id, fingerprint=OURS, intent_id="i1")) is True
    before = _read(results, event_id)
    for theirs in (
        uncertain(event_id, fingerprint=THEIRS, error_message="500"),
        retrying(event_id, status=Status.FAILED, fingerprint=THEIRS, error_code="InvalidScope", key_generation=1),
        created(event_id, fingerprint=THEIRS),
    ):
        assert results.put(theirs) is False
        assert results.put(theirs, expected=KeyState.of(before)) is False
    assert results.get(event_id) == before


def test_an_item_without_a_fingerprint_takes_the_first_and_keeps_it(results: ResultsStore, event_id: str) -> None:
    assert results.put(retrying(event_id)) is True
    assert results.put(retrying(event_id, fingerprint=OURS)) is True
    assert results.put(retrying(event_id, status=Status.FAILED, fingerprint=THEIRS)) is False
    assert _read(results, event_id).fingerprint == OURS


def test_an_intent_is_part_of_the_key_state_a_conditional_write_expects(results: ResultsStore, event_id: str) -> None:
    results.put(retrying(event_id))
    first = KeyState.of(_read(results, event_id))
    assert results.put(uncertain(event_id, intent_id="mine"), expected=first) is True
    mine = KeyState.of(_read(results, event_id))
    assert results.put(uncertain(event_id, intent_id="theirs"), expected=mine) is True  # another attempt's intent
    assert results.put(retrying(event_id, key_generation=1), expected=mine) is False  # a stale writer's
    assert results.put(retrying(event_id, error_code="Timeout")) is True  # a write without `expected` keeps it
    assert _read(results, event_id).intent_id == "theirs"
    assert results.put(created(event_id)) is True
    assert _read(results, event_id).intent_id is None


def test_the_owner_index_shows_what_each_owner_made_or_may_have_made(results: ResultsStore) -> None:
    ids = {name: f"evt-{name}-{uuid.uuid4()}" for name in ("a1", "a2", "a3", "amx", "c1")}
    customer = str(uuid.uuid4())
    account = {"customer_id": None}
    assert results.put(created(ids["a1"], exchange_id=f"x-{ids['a1']}", **account))
    assert results.put(uncertain(ids["a2"], since=T1, updated_at=T1, **account))
    assert results.put(retrying(ids["a3"], status=Status.FAILED, error_code="InvalidScope", **account))
    assert results.put(created(ids["amx"], partner="MX", **account))
    assert results.put(created(ids["c1"], customer_id=customer, exchange_id="x4"))
    mine = set(ids.values())
    seen = sorted((e for e in results.owner_activity(None, "Plaid", T0) if e.event_id in mine), key=_order(ids))
    assert seen == [
        OwnerEntry(ids["a1"], Status.CREATED, f"x-{ids['a1']}"),
        OwnerEntry(ids["a2"], Status.RETRYING, None, exchange_may_exist=True, uncertain_since=T1),
    ]
    assert results.owner_activity(customer, "Plaid", T0) == [OwnerEntry(ids["c1"], Status.CREATED, "x4")]
    assert [e for e in results.owner_activity(None, "Plaid", T2) if e.event_id in mine] == []


def _order(ids: dict[str, str]):
    order = list(ids.values())
    return lambda entry: order.index(entry.event_id)
