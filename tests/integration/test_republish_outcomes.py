"""`exchange-linker republish-outcomes` while the bus is still missing: nothing is lost, the batch stays queued."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from exchange_linker_cli.main import cli
from exchange_linker_tools.outcome_bus import OutcomeSubscriber
from tests.conftest import link_event
from tests.integration.helpers import deliver
from tests.integration.test_outcome_events import failure_documents

pytestmark = pytest.mark.integration


def test_a_republish_that_cannot_publish_keeps_the_batch_for_the_next_try(bus_stack, monkeypatch):
    stack = bus_stack
    event = link_event()
    stack.publish(event)
    deliver(stack)  # the bus is missing through every one of the mapping's retries
    assert len(failure_documents(stack)) == 1
    for name, value in stack.resources.outputs().items():
        monkeypatch.setenv(name, value)
    refused = CliRunner().invoke(cli, ["republish-outcomes"])
    assert refused.exit_code == 2, refused.output  # no such bus: the operator names it (docs/runbook.md)
    assert f"Exchange Created: {event['eventId']}:CREATED" in refused.output
    assert len(failure_documents(stack)) == 1  # visible again at once, not after the 300 s hold
    bus = OutcomeSubscriber.attach(stack)
    done = CliRunner().invoke(cli, ["republish-outcomes"])
    assert done.exit_code == 0, done.output
    (arrived,) = bus.received()
    assert arrived["detail"]["outcomeId"] == f"{event['eventId']}:CREATED"
    assert failure_documents(stack) == []
