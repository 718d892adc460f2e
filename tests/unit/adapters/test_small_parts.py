from exchange_linker.adapters.dynamodb_results import from_item, to_update
from exchange_linker.contracts.dead_letter import REASON_ATTRIBUTE, DeadLetter, read_reason
from exchange_linker.contracts.results import ExchangeResult, KeyState, Status
from exchange_linker.redaction import MAX_ERROR_MESSAGE, scrub


def test_scrub_masks_flattens_and_truncates():
    assert scrub("bad token abc123\nxyz", ["abc123"]) == "bad token [redacted] xyz"
    assert len(scrub("x" * 1000, [])) == MAX_ERROR_MESSAGE


def test_dead_letter_keeps_every_upstream_attribute_and_adds_the_reason_in_one():
    originals = {f"a{i}": {"DataType": "String", "StringValue": str(i)} for i in range(8)}
    originals["errorCode"] = {"DataType": "String", "StringValue": "the sender's own"}  # not ours: kept
    letter = DeadLetter("{}", "InvalidEvent", "partner: unknown", "2026-11-21T00:00:00Z", 1, "e1", originals)
    attributes = letter.message_attributes()
    assert {name: value for name, value in attributes.items() if name != REASON_ATTRIBUTE} == originals
    reason = read_reason(attributes)
    assert reason is not None
    assert (reason.error_code, reason.event_id, reason.attempts) == ("InvalidEvent", "e1", 1)


def test_dead_letter_with_ten_upstream_attributes_has_no_slot_for_the_reason():
    originals = {f"a{i}": {"DataType": "String", "StringValue": str(i)} for i in range(10)}
    letter = DeadLetter("{}", "InvalidEvent", "partner: unknown", "2026-11-21T00:00:00Z", 1, "e1", originals)
    assert letter.message_attributes() == originals


def test_created_row_clears_old_errors_and_failed_row_clears_exchange():
    created = ExchangeResult("e1", Status.CREATED, 2, "t", exchange_url="u", exchange_id="x", key_generation=0)
    update = to_update(created)
    assert update.removes == ["#errorCode", "#errorMessage", "#exchangeMayExist", "#uncertainSince", "#intentId"]
    assert update.values[":exchangeId"] == {"S": "x"}
    assert update.condition == "(attribute_not_exists(eventId) OR #status <> :created)"
    failed = ExchangeResult("e1", Status.FAILED, 1, "t", error_code="NotFound", error_message="m")
    update = to_update(failed)
    assert "#keyGeneration" not in update.names  # None means keep what the table holds
    assert update.removes == ["#exchangeUrl", "#exchangeId", "#reconciled"]


def test_item_round_trip():
    row = from_item({"eventId": "e1", "status": "FAILED", "attempts": 3, "errorCode": "X", "metadata": {"a": "b"}})
    assert (row.status, row.attempts, row.metadata, row.key_generation) == (Status.FAILED, 3, {"a": "b"}, 0)


def test_exchange_may_exist_is_set_but_never_cleared_before_created_and_its_time_kept_once_set():
    uncertain = ExchangeResult(
        "e1", Status.RETRYING, 1, "t", error_code="Timeout", exchange_may_exist=True, uncertain_since="t0"
    )
    update = to_update(uncertain)
    assert update.values[":exchangeMayExist"] == {"BOOL": True}
    assert "#uncertainSince = if_not_exists(#uncertainSince, :uncertainSince)" in update.sets
    later = ExchangeResult("e1", Status.FAILED, 2, "t", error_code="InvalidScope")
    update = to_update(later)
    assert not {"#exchangeMayExist", "#uncertainSince"} & set(update.names)
    assert from_item({"eventId": "e1", "status": "FAILED", "exchangeMayExist": True}).exchange_may_exist


def test_a_conditional_write_happens_only_from_the_state_read_and_replaces_it():
    read = KeyState(exists=True, key_generation=2, exchange_may_exist=True, uncertain_since="t0")
    fresh = ExchangeResult("e1", Status.RETRYING, 1, "t", key_generation=3)
    update = to_update(fresh, read)
    assert update.removes[-3:] == ["#exchangeMayExist", "#uncertainSince", "#intentId"]
    assert update.condition == (
        "#status <> :created AND #keyGeneration = :expectedGeneration AND #exchangeMayExist = :true"
        " AND #uncertainSince = :expectedSince AND attribute_not_exists(#intentId)"
    )
    assert (update.values[":expectedGeneration"], update.values[":expectedSince"]) == ({"N": "2"}, {"S": "t0"})
    first = to_update(fresh, KeyState(exists=True))
    assert "(attribute_not_exists(#keyGeneration) OR #keyGeneration = :expectedGeneration)" in first.condition
    assert to_update(fresh, KeyState(exists=False)).condition == "attribute_not_exists(eventId)"
