"""The local poller's Lambda context tells the truth about time, and a late answer is lost as on Lambda."""

import time

import pytest

from exchange_linker_tools.poller import LambdaContext
from exchange_linker_tools.template import function_properties, load_template
from tests.conftest import link_event

pytestmark = pytest.mark.integration


def test_remaining_time_counts_down_from_the_function_timeout():
    context = LambdaContext(timeout_ms=30_000)
    first = context.get_remaining_time_in_millis()
    time.sleep(0.05)  # the thing under test is the clock itself
    second = context.get_remaining_time_in_millis()
    assert 29_900 <= first <= 30_000
    assert first - second >= 50
    assert not context.timed_out


def test_the_stack_polls_with_the_template_timeout(stack):
    declared = function_properties(load_template(), "LinkCompletedFunction")["Timeout"]
    assert stack.resources.function_timeout == declared
    seen: list[int] = []

    def handler(event, context):
        seen.append(context.get_remaining_time_in_millis())
        return {"batchItemFailures": []}

    stack.publish(link_event())
    stack.event_source(handler).poll_once()
    assert declared * 1000 - 1000 <= seen[0] <= declared * 1000


def test_an_answer_after_the_timeout_is_lost_and_every_message_comes_back(stack):
    def slow_handler(event, context):
        time.sleep(0.3)  # a handler that overruns its (shortened) timeout
        return {"batchItemFailures": []}

    for _ in range(3):
        stack.publish(link_event())
    report = stack.event_source(slow_handler, timeout_seconds=0.2).poll_once()
    assert (report.received, report.succeeded, report.failed, report.timed_out) == (3, 0, 3, 1)
