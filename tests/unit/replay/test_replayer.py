"""The Replayer on in-memory queues: what moves, what stays behind, how fast, and when it stops."""

from __future__ import annotations

import json

import pytest

from exchange_linker.replay.filter import ReplayFilter
from exchange_linker.replay.pacing import Deadline, RateLimiter
from exchange_linker.replay.replayer import Action, Replayer, ReplayRefusedError, StopReason, check_route
from exchange_linker_tools.fakes import FakeClock, MemoryQueue
from tests.conftest import body
from tests.unit.replay.test_replay_core import reason

# ---------------------------------------------------------------- the replayer


def scope_queue(matching: int, other: int) -> MemoryQueue:
    queue = MemoryQueue()
    for i in range(matching):
        queue.put(body(eventId=f"evt-m{i}"), reason("InvalidScope", f"evt-m{i}"))
    for i in range(other):
        queue.put(body(eventId=f"evt-o{i}"), reason("NotFound", f"evt-o{i}"))
    return queue


SCOPE = ReplayFilter(error_codes=frozenset({"InvalidScope"}))


def test_moves_what_matches_and_gives_the_rest_back():
    dlq, destination = scope_queue(3, 12), MemoryQueue()
    summary = Replayer(dlq, destination).run(SCOPE, dry_run=False)
    assert (summary.scanned, summary.matched, summary.moved, summary.stopped_by) == (15, 3, 3, StopReason.EMPTY)
    assert sorted(json.loads(b)["eventId"] for b, _ in destination.sent) == ["evt-m0", "evt-m1", "evt-m2"]
    assert len(dlq.messages) == 12
    assert len(dlq.visible_ids()) == 12  # released, not left invisible
    assert all(stored.receipts == 1 for stored in dlq.messages.values())  # each seen once
    assert dict(summary.by_error_code) == {"InvalidScope": 3}
    assert {row.action for row in summary.rows} == {Action.MOVED}


def test_dry_run_moves_nothing_and_releases_everything():
    dlq, destination = scope_queue(3, 2), MemoryQueue()
    summary = Replayer(dlq, destination).run(SCOPE, dry_run=True)
    assert (summary.matched, summary.moved, destination.sent) == (3, 0, [])
    assert len(dlq.visible_ids()) == 5
    assert {row.action for row in summary.rows} == {Action.WOULD_MOVE}


def test_a_failed_send_stops_the_run_and_the_message_stays_visible():
    dlq, destination = scope_queue(3, 0), MemoryQueue(fail_sends=True)
    summary = Replayer(dlq, destination).run(SCOPE, dry_run=False)
    assert (summary.failed_sends, summary.moved, summary.stopped_by) == (1, 0, StopReason.SEND_FAILED)
    assert len(dlq.visible_ids()) == 3


def test_a_failed_delete_duplicates_never_drops():
    dlq, destination = scope_queue(1, 0), MemoryQueue()
    dlq.fail_deletes = True
    summary = Replayer(dlq, destination).run(SCOPE, dry_run=False)
    assert (summary.moved, summary.not_deleted) == (1, 1)
    assert len(destination.sent) == 1
    assert len(dlq.visible_ids()) == 1  # in both queues: the consumer skips the duplicate


class SimulatedCrashError(Exception):
    pass


def test_a_crash_between_send_and_delete_leaves_the_message_in_both_queues():
    dlq, destination = scope_queue(2, 1), MemoryQueue()

    def crash(receipt_handle: str) -> None:
        raise SimulatedCrashError

    dlq.delete = crash  # type: ignore[method-assign]
    with pytest.raises(SimulatedCrashError):
        Replayer(dlq, destination).run(SCOPE, dry_run=False)
    assert len(destination.sent) == 1
    assert len(dlq.messages) == 3
    assert len(dlq.visible_ids()) == 3  # released on the way out


def test_limit_moves_exactly_n():
    dlq, destination = scope_queue(25, 5), MemoryQueue()
    summary = Replayer(dlq, destination).run(SCOPE, dry_run=False, limit=12)
    assert (summary.moved, summary.stopped_by) == (12, StopReason.LIMIT)
    assert len(destination.sent) == 12
    assert len(dlq.visible_ids()) == 18


def test_rate_spaces_the_sends_evenly():
    clock = FakeClock()
    dlq, destination = scope_queue(5, 0), MemoryQueue()
    Replayer(dlq, destination, rate=RateLimiter(4, clock=clock, sleep=clock.sleep)).run(SCOPE, dry_run=False)
    assert clock.sleeps == [0.25, 0.25, 0.25, 0.25]
    assert len(destination.sent) == 5


def test_rate_limiter_counts_time_already_spent():
    clock = FakeClock()
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep)
    assert limiter.wait() == 0
    clock.now += 0.2  # work between two sends
    assert limiter.wait() == pytest.approx(0.3)
    clock.now += 5  # idle: no burst allowance builds up
    assert [limiter.wait(), limiter.wait()] == [0, 0.5]


@pytest.mark.parametrize("rate", [0, -1.5])
def test_rate_must_be_positive(rate):
    with pytest.raises(ValueError):
        RateLimiter(rate)


def test_the_deadline_stops_cleanly_and_reports_truncated():
    clock = FakeClock()
    dlq, destination = scope_queue(10, 0), MemoryQueue(clock=clock)
    dlq.clock = clock
    deadline = Deadline.in_seconds(3.2, clock=clock)
    limiter = RateLimiter(1, clock=clock, sleep=clock.sleep)
    summary = Replayer(dlq, destination, rate=limiter, deadline=deadline).run(SCOPE, dry_run=False)
    assert summary.truncated
    assert summary.moved == 4  # at 0, 1, 2 and 3 s; the fifth would start after the deadline
    assert len(dlq.visible_ids()) == 6


def test_the_hold_covers_the_rest_of_a_lambda_run():
    dlq = scope_queue(1, 0)
    Replayer(dlq, deadline=Deadline(lambda: 400.0, margin=30)).run(SCOPE)
    assert set(dlq.holds) == {370 + 60}


def test_a_message_whose_hold_ran_out_is_not_counted_twice():
    """A slow run (1 message per 100 s) outlives the 900 s hold: messages come back but count once."""
    clock = FakeClock()
    dlq, destination = MemoryQueue(clock=clock), MemoryQueue()
    for code, count in [("NotFound", 5), ("InvalidScope", 12), ("NotFound", 25)]:
        for _ in range(count):
            dlq.put(body(), reason(code))
    limiter = RateLimiter(0.01, clock=clock, sleep=clock.sleep)
    summary = Replayer(dlq, destination, rate=limiter).run(SCOPE, dry_run=False)
    assert clock.now - 1000 > 900
    assert max(stored.receipts for stored in dlq.messages.values()) > 1  # they did come back
    assert (summary.scanned, summary.moved) == (42, 12)
    assert len(destination.sent) == 12
    assert len(dlq.visible_ids()) == 30


class DeadLettersAgain(MemoryQueue):
    """The consumer, cause not fixed: every replayed message is back in the DLQ moments later."""

    def __init__(self, dlq: MemoryQueue) -> None:
        super().__init__(clock=dlq.clock)
        self.dlq = dlq

    def send(self, body, attributes):
        if len(self.sent) > 50:
            raise AssertionError("the run keeps replaying its own output")
        super().send(body, attributes)
        self.clock.now += 0.5
        self.dlq.put(body, {name: value["StringValue"] for name, value in attributes.items()})


def test_a_run_does_not_feed_on_its_own_output():
    clock = FakeClock()
    dlq = MemoryQueue(clock=clock)
    for i in range(15):
        dlq.put(body(eventId=f"evt-{i}"), reason("InvalidScope", f"evt-{i}"))
    consumer = DeadLettersAgain(dlq)
    summary = Replayer(dlq, consumer, now=clock.datetime).run(ReplayFilter(), dry_run=False)
    assert (summary.moved, summary.arrived_during_run, summary.stopped_by) == (15, 15, StopReason.EMPTY)
    assert len(consumer.sent) == 15
    assert len(dlq.visible_ids()) == 15  # the second failures wait, visible, for the next run


def test_a_move_needs_a_destination():
    with pytest.raises(ValueError):
        Replayer(MemoryQueue()).run(SCOPE, dry_run=False)


def test_refuses_to_replay_into_the_dlq_itself():
    arn = "arn:aws:sqs:us-east-1:123456789012:dlq"
    with pytest.raises(ReplayRefusedError):
        check_route("https://sqs/q/dlq", arn, "https://sqs/q/dlq/", "arn:other")
    with pytest.raises(ReplayRefusedError):
        check_route("https://sqs/q/dlq", arn, "https://sqs.us-east-1.amazonaws.com/123456789012/dlq", arn)
    check_route("https://sqs/q/dlq", arn, "https://sqs/q/main", "arn:aws:sqs:us-east-1:123456789012:main")
