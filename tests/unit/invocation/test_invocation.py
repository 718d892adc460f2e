"""The invocation's deadline and its memory of failed dependencies."""

import pytest

from exchange_linker.errors import DependencyError, DwollaError, NotAttemptedError
from exchange_linker.invocation import MIN_CALL_SECONDS, Invocation
from exchange_linker_tools.fakes import FakeClock


def test_no_deadline_without_a_context():
    invocation = Invocation(margin=10)
    invocation.begin(None)
    assert invocation.remaining() is None
    assert invocation.timeouts(3.05, 10) == (3.05, 10)


def test_calls_are_cut_to_the_deadline_and_not_started_after_it():
    clock = FakeClock(100.0)
    invocation = Invocation(margin=10, clock=clock)
    invocation.begin(30)  # the deadline is 20 s away
    assert invocation.timeouts(3.05, 10) == (3.05, 10)
    clock.now += 14  # 6 s left
    connect, read = invocation.timeouts(3.05, 10)
    assert connect + read <= 6
    assert read >= 4
    clock.now += 6 - MIN_CALL_SECONDS + 0.01
    with pytest.raises(NotAttemptedError, match="DeadlineExceeded"):
        invocation.timeouts(3.05, 10)


def test_a_failed_dependency_is_remembered_until_the_next_invocation():
    invocation = Invocation(margin=0)
    invocation.begin(30)
    invocation.remember("token", DwollaError("Timeout", "POST /token: no answer in time", permanent=False))
    invocation.remember("token", DwollaError("ServerError", "later", permanent=False))  # the first one stays
    again = invocation.recall("token")
    assert again is not None
    assert again.code == "Timeout"
    assert not again.permanent
    invocation.begin(30)
    assert invocation.recall("token") is None


def test_refusals_and_lack_of_time_are_not_a_failing_dependency():
    invocation = Invocation(margin=0)
    invocation.begin(30)
    invocation.remember("partners", DwollaError("NotFound", "no such customer", permanent=True))
    invocation.remember("partners", NotAttemptedError("DeadlineExceeded", "out of time"))
    assert invocation.recall("partners") is None


def test_a_guarded_call_that_failed_fails_at_once_until_the_next_invocation():
    calls = []

    def read() -> bytes:
        calls.append(1)
        raise DwollaError("InternalServiceError", "secretsmanager: down", permanent=False)

    invocation = Invocation(margin=0)
    invocation.begin(30)
    guarded = invocation.guard("fingerprint key", read)
    for _ in range(3):
        with pytest.raises(DependencyError, match="down"):
            guarded()
    assert len(calls) == 1
    invocation.begin(30)
    with pytest.raises(DependencyError):
        guarded()
    assert len(calls) == 2
