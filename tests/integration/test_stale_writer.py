"""Issue 11.3: a processor that lost a race never moves the idempotency key of an exchange that may exist.

Two processors (two Lambda containers) hold copies of one event; their steps are interleaved by hand
against moto server and the emulator: the first is refused while the application lacks the exchange
scope and is paused before it records that; meanwhile the scope is back, the second creates the exchange
at Dwolla but times out. When the first finally writes, the key generation must not move: the next
attempt must reuse the key so Dwolla answers with the exchange it already made.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.adapters.dynamodb_results import DynamoDbResults
from exchange_linker.bootstrap import build_consumer
from exchange_linker.contracts.results import ExchangeResult, Status
from exchange_linker.dwolla.exchange_request import idempotency_key
from exchange_linker.ingest.processor import InboundMessage, Outcome, RetryableError
from exchange_linker_tools.emulator import FaultPlan
from tests.conftest import link_event
from tests.integration.helpers import reason

pytestmark = pytest.mark.integration


class HeldWrites:
    """The real DynamoDB store whose writes wait at a gate: a container the scheduler paused mid-record."""

    def __init__(self, inner: DynamoDbResults) -> None:
        self._inner = inner
        self.waiting = threading.Event()
        self.go = threading.Event()

    def get(self, event_id: str) -> ExchangeResult | None:
        return self._inner.get(event_id)

    def put(self, result: ExchangeResult, **kwargs: Any) -> bool:
        if result.status is Status.FAILED:  # the refusal's record (the intent ahead of the POST went through)
            self.waiting.set()
            assert self.go.wait(10), "the test never released the held write"
        return self._inner.put(result, **kwargs)


def test_a_refusal_recorded_late_keeps_the_key_of_an_exchange_another_copy_may_have_made(stack):
    event = link_event()
    text = json.dumps(event)
    held = HeldWrites(DynamoDbResults(AwsClients(), stack.resources.table_name))
    slow = build_consumer(stack.settings(), results=held).processor
    stack.emulator.set_scope_enabled(False)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(slow.process, InboundMessage("copy-1", text, receive_count=1))
        assert held.waiting.wait(10)  # refused (InvalidScope), about to bump the key generation
        stack.emulator.set_scope_enabled(True)
        stack.emulator.faults = FaultPlan(timeout_after_create_rate=1.0, timeout_delay=1.5)
        fast = stack.consumer(DWOLLA_READ_TIMEOUT="0.3").processor
        with pytest.raises(RetryableError):
            fast.process(InboundMessage("copy-2", text, receive_count=1))  # created at Dwolla, answer lost
        held.go.set()
        assert first.result(timeout=10) is Outcome.FAILED
    row = stack.result(event["eventId"])
    assert (int(row["keyGeneration"]), row["exchangeMayExist"]) == (0, True)
    (letter,) = stack.dead_letters()  # the refused copy still ends somewhere, with its reason
    assert reason(letter)["errorCode"] == "InvalidScope"

    stack.emulator.wait_for_stats(lambda stats: stats.in_flight == 0)
    stack.emulator.faults = FaultPlan()
    outcome = stack.consumer().processor.process(InboundMessage("copy-2", text, receive_count=2))
    (exchange,) = stack.emulator.exchanges
    assert outcome is Outcome.CREATED
    assert exchange.idempotency_key == idempotency_key(event["eventId"], 0)
    assert stack.result(event["eventId"])["exchangeId"] == exchange.id
