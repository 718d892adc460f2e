"""Two Lambda containers working on one event, their steps interleaved by hand (moto server + emulator).

A test holds one copy at a gate, lets the other run (or die), then releases the first: the races that a
batch's timing makes rare but a chaos run finds.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.adapters.dynamodb_results import DynamoDbResults
from exchange_linker.bootstrap import build_consumer
from exchange_linker.contracts.results import ExchangeResult
from exchange_linker.ingest.processor import InboundMessage, Outcome
from exchange_linker_tools.local_stack import LocalStack


class Killed(BaseException):
    """The Lambda container died: nothing after this point runs, not even the failure path."""


class RealStore:
    """The stack's real DynamoDB store; a subclass changes one step of it, everything else is as it is."""

    def __init__(self, stack: LocalStack) -> None:
        self._inner = DynamoDbResults(AwsClients(), stack.resources.table_name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class GatedStore(RealStore):
    """A real store with a gate: the step that reaches it waits until the test sets `go`."""

    def __init__(self, stack: LocalStack) -> None:
        super().__init__(stack)
        self.waiting = threading.Event()
        self.go = threading.Event()

    def _hold(self, what: str) -> None:
        self.waiting.set()
        assert self.go.wait(10), f"the test never released {what}"


class PausedAfterRead(GatedStore):
    """Its first read returns only when the test says: a container the scheduler paused between reading
    the event's item and doing anything about it."""

    def get(self, event_id: str) -> ExchangeResult | None:
        found = self._inner.get(event_id)
        if not self.waiting.is_set():
            self._hold("the paused copy")
        return found


def held_copy(
    stack: LocalStack, event: dict[str, Any], receive_count: int = 1, **overrides: str
) -> tuple[PausedAfterRead, Future[Outcome]]:
    """A copy of `event` processed in the background, paused right after its first read of the item."""
    held = PausedAfterRead(stack)
    processor = build_consumer(stack.settings(**overrides), results=held).processor
    pool = ThreadPoolExecutor(max_workers=1)
    running = pool.submit(processor.process, InboundMessage("slow", json.dumps(event), receive_count=receive_count))
    pool.shutdown(wait=False)
    assert held.waiting.wait(10)  # it has read the item
    return held, running
