"""Each chaos check on a fabricated final state: it passes the good state and catches the broken one."""

from __future__ import annotations

from typing import Any

import pytest

from exchange_linker.contracts.dead_letter import MAX_MESSAGE_SIZE
from exchange_linker.contracts.dead_letter import REASON_ATTRIBUTE as REASON
from exchange_linker_tools.chaos.events import ChaosEvent, generate_traffic
from exchange_linker_tools.chaos.schedule import ActionKind, ScheduleSettings, build_schedule
from exchange_linker_tools.chaos.verify import (
    DeadLetterRecord,
    DwollaExchange,
    Receive,
    Secret,
    is_replayable,
    verify,
)
from exchange_linker_tools.emulator.models import fingerprint

MARKER = "CHAOSSECRETtest"
CREATED = ChaosEvent("e1", "e1", '{"eventId": "e1"}', f"tok-{MARKER}-1", "CREATED")
REFUSED = ChaosEvent("e2", "e2", '{"eventId": "e2"}', f"invalid-{MARKER}-2", "FAILED", "InvalidExchangeToken")
GARBAGE = ChaosEvent("body:3", None, f"not json {MARKER}-3", None, "FAILED", "InvalidEvent")
EVENTS = [CREATED, REFUSED, GARBAGE]


def exchange(event: ChaosEvent, exchange_id: str = "x1") -> DwollaExchange:
    assert event.credential is not None
    return DwollaExchange(
        exchange_id, f"http://127.0.0.1:1/exchanges/{exchange_id}", fingerprint(event.credential), "k"
    )


def good_state() -> dict[str, Any]:
    return {
        "rows": {
            "e1": {"status": "CREATED", "exchangeId": "x1", "exchangeUrl": "http://127.0.0.1:1/exchanges/x1"},
            "e2": {"status": "FAILED", "errorCode": "InvalidExchangeToken"},
        },
        "letters": [
            DeadLetterRecord("m2", REFUSED.body, {REASON: '{"errorCode":"InvalidExchangeToken","eventId":"e2"}'}),
            DeadLetterRecord("m3", GARBAGE.body, {REASON: '{"errorCode":"InvalidEvent"}'}),
        ],
        "exchanges": [exchange(CREATED)],
        "outputs": {"worker.out": '{"message": "exchange created"}'},
        "secrets": [Secret("client secret", "s3cr3t-client"), Secret("token", "tok-abc")],
    }


def run(state: dict[str, Any], events: list[ChaosEvent] = EVENTS, **extra: Any):
    return verify(
        events,
        rows=state["rows"],
        dead_letters=state["letters"],
        exchanges=state["exchanges"],
        outputs=state["outputs"],
        secrets=state["secrets"],
        marker=MARKER,
        **extra,
    )


def test_a_good_state_passes() -> None:
    verdict = run(good_state())
    assert verdict.ok, verdict.problems()
    assert verdict.by_outcome == {"CREATED": 1, "FAILED:InvalidExchangeToken": 1, "FAILED:InvalidEvent": 1}
    assert verdict.dlq_reasons == {"reason attribute": 2}


def test_an_event_neither_created_nor_dead_lettered_is_lost() -> None:
    state = good_state()
    state["letters"] = state["letters"][1:]
    assert run(state).lost == ["e2 (row FAILED, no DLQ message)"]
    state["rows"]["e1"]["status"] = "RETRYING"
    assert len(run(state).lost) == 2


def test_a_second_exchange_for_one_event_is_a_duplicate() -> None:
    state = good_state()
    state["exchanges"].append(exchange(CREATED, "x2"))
    verdict = run(state)
    assert verdict.duplicates == {"e1": 2}
    assert verdict.created_mismatches  # CREATED must match exactly one


def test_created_must_point_at_dwollas_exchange() -> None:
    state = good_state()
    state["rows"]["e1"]["exchangeId"] = "other"
    assert run(state).created_mismatches == ["e1: the table's exchange is not Dwolla's"]
    state["exchanges"] = []
    assert run(state).created_mismatches == ["e1: CREATED with 0 exchanges at Dwolla"]


def test_an_exchange_behind_a_failed_event_or_of_no_event_is_reported() -> None:
    state = good_state()
    state["exchanges"].append(exchange(REFUSED, "x9"))
    state["exchanges"].append(DwollaExchange("x8", "loc", "0" * 16, None))
    verdict = run(state)
    assert verdict.orphan_exchanges == ["e2 (FAILED, 1 at Dwolla)"]
    assert verdict.unattributed_exchanges == ["x8"]


def test_dlq_messages_need_a_reason_somewhere() -> None:
    state = good_state()
    state["letters"][0] = DeadLetterRecord("m2", REFUSED.body, {})  # redriven by SQS: the table says why
    verdict = run(state)
    assert verdict.ok, verdict.problems()
    assert verdict.dlq_reasons["redriven by SQS, reason in the table"] == 1
    state["letters"].append(DeadLetterRecord("m4", CREATED.body, {}))  # a stale copy of a CREATED event
    assert run(state).dlq_reasons["redriven by SQS, a stale copy of a CREATED event"] == 1
    unknown = '{"eventId": "e9", "eventType": "link.completed", "partner": "Plaid", "token": "t"}'
    state["letters"].append(DeadLetterRecord("m5", unknown, {}))  # a readable event nobody recorded
    assert run(state).reasonless == ["m5 (event e9, row None)"]


def test_outcomes_must_match_what_the_event_asked_for() -> None:
    state = good_state()
    state["rows"]["e2"]["errorCode"] = "ServerError"
    verdict = run(state)
    assert verdict.unexpected == ["e2: expected FAILED:InvalidExchangeToken, got FAILED:ServerError"]
    assert verdict.unsettled == ["e2 (ServerError)"]  # a replayable failure left behind


def test_a_row_left_retrying_defers_to_the_dlq_messages_reason() -> None:
    """The last receive's FAILED write was refused (a results table refusing writes): the row keeps an
    earlier attempt's transient code, the DLQ message carries the final reason, and that is the outcome."""
    state = good_state()
    state["rows"]["e2"] = {"status": "RETRYING", "errorCode": "Timeout"}
    verdict = run(state)
    assert verdict.ok, verdict.problems()
    assert verdict.by_outcome["FAILED:InvalidExchangeToken"] == 1
    assert verdict.failed_without_failed_row == ["e2 (row RETRYING)"]
    state["letters"][0] = DeadLetterRecord("m2", REFUSED.body, {})  # redriven by SQS: only the row says why
    assert run(state).unsettled == ["e2 (Timeout)"]


def test_a_failed_row_older_than_the_dlq_messages_reason_defers_to_it() -> None:
    """Run 5 (seed 11): a replayed ServerError was dead-lettered as ExchangeMayExist on its last receive
    while the table refused writes; the row kept the first FAILED (ServerError). The newer reason is the
    outcome (held for a person), not a replayable failure left behind."""
    state = good_state()
    state["rows"]["e2"] = {"status": "FAILED", "errorCode": "ServerError", "updatedAt": "2026-12-03T10:00:00Z"}
    newer = '{"errorCode":"InvalidExchangeToken","eventId":"e2","failedAt":"2026-12-03T10:05:00Z"}'
    older = '{"errorCode":"ServerError","eventId":"e2","failedAt":"2026-12-03T09:59:00Z"}'
    state["letters"][0] = DeadLetterRecord("m2", REFUSED.body, {REASON: newer})
    state["letters"].append(DeadLetterRecord("m2-old", REFUSED.body, {REASON: older}))
    verdict = run(state)
    assert verdict.ok, verdict.problems()
    assert verdict.by_outcome["FAILED:InvalidExchangeToken"] == 1
    state["letters"][0] = DeadLetterRecord("m2", REFUSED.body, {REASON: older})  # the row is the newest word
    assert run(state).unsettled == ["e2 (ServerError)"]


UNRECORDED = ChaosEvent(
    "e4", "e4", '{"eventId": "e4", "eventType": "link.completed", "partner": "Plaid", "token": "t"}', "t", "CREATED"
)


def cut_short_state() -> dict[str, Any]:
    """e4's every attempt failed transiently while the table refused writes (no row); SQS moved it."""
    state = good_state()
    state["letters"].append(DeadLetterRecord("m4", UNRECORDED.body, {}))
    return state


def test_a_message_sqs_moved_after_its_last_receives_were_cut_short_is_not_reasonless() -> None:
    """Run 5 (seed 11): containers SIGKILLed on a message's last receive and on SQS's spare one, while the
    table refused every write: SQS's redrive moved it with nothing recorded. That is the runbook's
    `Unknown` ("a crash on every attempt"), and the verifier checks that it is exactly that: every marked
    receive at or past the function's last one was an invocation that never returned."""
    state = cut_short_state()
    receives = {"m4": [Receive(1, completed=True), Receive(5, completed=False), Receive(6, completed=False)]}
    verdict = run(state, events=[*EVENTS, UNRECORDED], receives=receives, last_receive=5)
    assert verdict.reasonless == []
    assert verdict.cut_short == ["m4 (event e4, row None)"]
    assert verdict.dlq_reasons["moved by SQS, its last receives cut short (Unknown)"] == 1


@pytest.mark.parametrize(
    "receives",
    [
        {"m4": [Receive(5, completed=True), Receive(6, completed=False)]},  # the function had its last word
        {"m4": [Receive(5, completed=False), Receive(6, completed=True)]},  # and on the spare receive
        None,  # no receive marks: nothing shows the receives were cut short
    ],
    ids=["last-receive-returned", "spare-receive-returned", "no-marks"],
)
def test_a_reasonless_message_whose_last_receive_returned_is_reasonless(receives) -> None:
    verdict = run(cut_short_state(), events=[*EVENTS, UNRECORDED], receives=receives, last_receive=5)
    assert verdict.reasonless == ["m4 (event e4, row None)"]
    assert verdict.cut_short == []


def test_an_exchange_that_may_exist_is_held_for_a_person_not_unexpected() -> None:
    """ExchangeMayExist ends an event whose outcome was unknown and never recorded (every write refused):
    by design a person decides (runbook). Held, counted, never a second exchange."""
    state = good_state()
    state["rows"]["e1"] = {"status": "FAILED", "errorCode": "ExchangeMayExist"}
    state["letters"].append(DeadLetterRecord("m1", CREATED.body, {REASON: '{"errorCode":"ExchangeMayExist"}'}))
    verdict = run(state)
    assert verdict.ok, verdict.problems()
    assert verdict.held == {"e1": "expected CREATED, 1 exchange at Dwolla"}
    state["exchanges"] = []
    assert run(state).held == {"e1": "expected CREATED, 0 exchanges at Dwolla"}
    state["exchanges"] = [exchange(CREATED), exchange(CREATED, "x2")]
    assert run(state).duplicates == {"e1": 2}


@pytest.mark.parametrize(
    "where",
    ["worker.out", "results table", "DLQ attributes"],
)
@pytest.mark.parametrize(
    ("text", "leak"),
    [
        (f"token=tok-{MARKER}-1", "a credential (run marker)"),
        ("Authorization: Bearer tok-abc", "token in"),
        ("secret s3cr3t-client", "client secret in"),
    ],
)
def test_any_secret_in_any_output_is_a_leak(where: str, text: str, leak: str) -> None:
    state = good_state()
    state["outputs"][where] = text
    leaks = run(state).leaks
    assert len(leaks) == 1
    assert leak in leaks[0]
    assert where in leaks[0]
    assert "s3cr3t" not in leaks[0]
    assert "tok-abc" not in leaks[0]  # the report names secrets, never shows them


@pytest.mark.parametrize(
    ("code", "replayable"),
    [
        ("ServerError", True),
        ("Timeout", True),
        ("ProvisionedThroughputExceededException", True),
        ("TooManyRequests", True),
        ("InvalidExchangeToken", False),
        ("InvalidEvent", False),
        ("NotFound", False),
        ("Http400", False),
        (None, False),
    ],
)
def test_only_failures_that_may_pass_later_are_replayed(code: str | None, replayable: bool) -> None:
    assert is_replayable(code) is replayable


def test_traffic_and_schedule_are_reproducible_from_the_seed() -> None:
    first, again, other = (generate_traffic(300, seed=s, marker=MARKER) for s in (5, 5, 6))
    assert first == again
    assert first != other
    assert first.duplicates > 0
    assert len({event.key for event in first.events}) == len(first.events)
    assert all(MARKER in event.body for event in first.events)
    assert {event.expected_error for event in first.events} >= {None, "InvalidEvent", "InvalidExchangeToken"}
    settings = ScheduleSettings(horizon=120)
    assert build_schedule(5, settings) == build_schedule(5, settings)
    assert build_schedule(5, settings) != build_schedule(6, settings)
    kinds = {action.kind for action in build_schedule(5, settings).actions}
    assert kinds == set(ActionKind)
    labels = {phase.label.split()[0] for phase in build_schedule(5, settings).phases}
    assert {"dwolla:outage", "dwolla:429", "dwolla:timeout-after-create", "dwolla:reset"} <= labels


def test_an_unreadable_body_explains_itself() -> None:
    """At the size limit or with 10 attributes there is no room for a reason: InvalidEvent is in the body."""
    state = good_state()
    state["letters"][1] = DeadLetterRecord("m3", GARBAGE.body, {})
    verdict = run(state)
    assert verdict.reasonless == []
    assert verdict.dlq_reasons["no room for a reason, the body is invalid"] == 1
    assert verdict.unexpected == []  # the body is its reason: InvalidEvent, as the event expects
    assert verdict.by_outcome["FAILED:InvalidEvent"] == 1


UPSTREAM = {"trace.id": ("String", "abc"), "priority": ("Number", "3")}
TAGGED = ChaosEvent(
    "e5", "e5", '{"eventId": "e5"}', f"invalid-{MARKER}-5", "FAILED", "InvalidExchangeToken", attributes=UPSTREAM
)


def tagged_state(attributes: dict[str, str], types: dict[str, str]) -> dict[str, Any]:
    state = good_state()
    state["rows"]["e5"] = {"status": "FAILED", "errorCode": "InvalidExchangeToken"}
    state["letters"].append(DeadLetterRecord("m5", TAGGED.body, attributes, types))
    return state


def run_tagged(state: dict[str, Any]):
    return run(state, [*EVENTS, TAGGED])


def test_every_upstream_attribute_must_reach_the_dlq_as_sent() -> None:
    reason = {REASON: '{"errorCode":"InvalidExchangeToken","eventId":"e5"}'}
    kept = tagged_state({**reason, "trace.id": "abc", "priority": "3"}, {"trace.id": "String", "priority": "Number"})
    verdict = run_tagged(kept)
    assert verdict.ok, verdict.problems()
    assert verdict.attributes_kept == 2
    dropped = run_tagged(tagged_state({**reason, "trace.id": "abc"}, {"trace.id": "String"}))
    assert dropped.attributes_lost == ["m5 (e5): priority"]
    assert not dropped.ok
    changed = tagged_state({**reason, "trace.id": "abd", "priority": "3"}, {"trace.id": "String", "priority": "String"})
    assert run_tagged(changed).attributes_lost == ["m5 (e5): trace.id, priority"]


def test_traffic_has_ten_attribute_messages_and_bodies_at_the_size_limit() -> None:
    traffic = generate_traffic(300, seed=5, marker=MARKER, attribute_share=0.05, oversized_share=0.02)
    full = [event for event in traffic.events if len(event.attributes) == 10]
    oversized = [event for event in traffic.events if event.size == MAX_MESSAGE_SIZE]
    assert full
    assert {event.expected_status for event in oversized} == {"CREATED", "FAILED"}
    assert any(event.event_id is None for event in generate_traffic(300, seed=5, marker=MARKER).events)
    assert all(event.size <= MAX_MESSAGE_SIZE for event in traffic.events)


TWIN = ChaosEvent("e1#twin", "e1", '{"eventId": "e1", "token": "twin"}', f"twin-{MARKER}-1", "CREATED")


def run_twinned(state: dict[str, Any]):
    return run(state, twins={"e1": TWIN})


def conflict(body: str) -> DeadLetterRecord:
    return DeadLetterRecord("m9", body, {REASON: '{"errorCode":"ConflictingEvent","eventId":"e1"}'})


def test_the_version_without_the_exchange_must_be_a_conflicting_event() -> None:
    state = good_state()
    state["letters"].append(conflict(TWIN.body))  # the original won, the twin was dead-lettered
    verdict = run_twinned(state)
    assert verdict.ok, verdict.problems()
    assert verdict.conflicts_dead_lettered == 1
    state["letters"].pop()
    assert run_twinned(state).conflicts_missing == ["e1: the twin is not a ConflictingEvent"]
    state["letters"].append(conflict(CREATED.body))  # the wrong version dead-lettered
    assert run_twinned(state).conflicts_missing == ["e1: the twin is not a ConflictingEvent"]


def test_the_twin_may_win_but_never_with_a_second_exchange() -> None:
    state = good_state()
    state["exchanges"] = [exchange(TWIN)]
    state["letters"].append(conflict(CREATED.body))
    verdict = run_twinned(state)
    assert verdict.ok, verdict.problems()
    assert verdict.unattributed_exchanges == []
    state["exchanges"].append(exchange(CREATED, "x2"))  # both versions made an exchange
    assert run_twinned(state).duplicates == {"e1": 2}


def test_without_any_exchange_either_version_may_be_the_conflicting_event() -> None:
    """The version that took the row was held (ExchangeMayExist, no exchange made): the twin that found the
    row taken is the ConflictingEvent (the 10,000-event run: an account event whose original was held)."""
    state = good_state()
    state["exchanges"] = []
    state["rows"]["e1"] = {"status": "FAILED", "errorCode": "ExchangeMayExist"}
    state["letters"].append(
        DeadLetterRecord("m1", CREATED.body, {REASON: '{"errorCode":"ExchangeMayExist","eventId":"e1"}'})
    )
    state["letters"].append(conflict(TWIN.body))
    verdict = run_twinned(state)
    assert verdict.conflicts_missing == []
    assert verdict.conflicts_dead_lettered == 1
    state["letters"].pop()
    assert run_twinned(state).conflicts_missing == ["e1: neither version is a ConflictingEvent"]


def test_a_conflicting_event_is_never_replayed() -> None:
    assert not is_replayable("ConflictingEvent")
    assert not is_replayable("ExchangeMayExist")


def test_traffic_twins_share_the_event_id_not_the_credential() -> None:
    traffic = generate_traffic(300, seed=5, marker=MARKER, conflict_share=0.05)
    assert traffic.twins
    by_id = {event.event_id: event for event in traffic.events}
    for event_id, twin in traffic.twins.items():
        assert by_id[event_id].credential != twin.credential
        assert by_id[event_id].expected_status == "CREATED"
        assert twin in traffic.publish_order
    assert generate_traffic(300, seed=5, marker=MARKER).events == traffic.events  # the rest is unchanged


def test_every_terminal_result_needs_an_outcome_event() -> None:
    state = good_state()
    arguments = {
        "rows": state["rows"],
        "dead_letters": state["letters"],
        "exchanges": state["exchanges"],
        "outputs": state["outputs"],
        "secrets": state["secrets"],
        "marker": MARKER,
    }
    verdict = verify(EVENTS, **arguments, announced={"e1:CREATED", "e2:FAILED", "e2:RETRYING"})
    assert verdict.ok, verdict.problems()
    assert verdict.outcomes_announced == 2
    verdict = verify(EVENTS, **arguments, announced={"e1:CREATED", "e2:RETRYING"})
    assert verdict.outcomes_missing == ["e2:FAILED"]
    assert not verdict.ok
