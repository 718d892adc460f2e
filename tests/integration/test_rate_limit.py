"""Dwolla's 429s: the container slows down, the record goes back to the queue, and never to the DLQ.

The real consumer against moto server and the Dwolla emulator over loopback HTTP. The emulator answers
429 TooManyRequests for credentials starting with `rate-limited`.
"""

from __future__ import annotations

import json

import pytest

from exchange_linker.bootstrap import build_consumer
from exchange_linker.dwolla.exchanges import RATE_LIMITED_ATTEMPTS
from exchange_linker.dwolla.limiter import AdaptiveLimiter
from exchange_linker_tools.rate_limit_run import run_backlog
from tests.conftest import link_event
from tests.integration.helpers import attributes

pytestmark = pytest.mark.integration


def quick_limiter() -> AdaptiveLimiter:
    """The production limiter with a high floor, so a credential Dwolla always refuses costs no waiting."""
    return AdaptiveLimiter(1, min_rate=50.0)


def assert_no_attempt_recorded(row) -> None:
    """Not an attempt: the intent written ahead of the POST was withdrawn, so no error and no exchange that
    may exist is recorded (the item stays RETRYING: the event is being retried)."""
    assert row is not None
    assert row["status"] == "RETRYING"
    assert "errorCode" not in row
    assert "exchangeMayExist" not in row
    assert "uncertainSince" not in row


def test_a_429_slows_the_container_down_and_hands_the_record_back(stack):
    """Lambda-faithful poller: the 429'd record is neither failed nor recorded; the others are created."""
    limiter = AdaptiveLimiter(1, min_rate=5.0)  # a pace floor of 5/s keeps the test short
    consumer = build_consumer(stack.settings(DWOLLA_MAX_CONCURRENCY="1"), limiter=limiter)
    limited = link_event(token="rate-limited-x")
    others = [link_event() for _ in range(3)]
    for event in [limited, *others]:
        stack.publish(event)
    report = stack.event_source(consumer.handle_batch, retry_delay=None).poll_once()
    assert (report.received, report.succeeded, report.failed) == (4, 3, 1)
    assert all(stack.result(event["eventId"])["status"] == "CREATED" for event in others)
    assert_no_attempt_recorded(stack.result(limited["eventId"]))
    assert stack.dead_letters() == []
    assert stack.emulator.stats.exchange_posts == 3 + RATE_LIMITED_ATTEMPTS  # the 429s were retried in place
    assert limiter.state().rate is not None  # the container now paces its POSTs
    assert limiter.state().slowdowns >= 1


def test_a_429_on_the_last_receive_is_requeued_not_dead_lettered(stack, monkeypatch):
    """The receives ran out while Dwolla kept answering 429: a fresh copy goes back, nothing to the DLQ."""
    monkeypatch.setattr("exchange_linker.ingest.backoff.RATE_LIMIT_PENALTY", 0.0)  # the copy comes back at once
    consumer = build_consumer(stack.settings(), limiter=quick_limiter())
    event = link_event(token="rate-limited-x")
    stack.publish(event, attributes={"source": "linking-service"})
    for _ in range(stack.resources.max_receive_count - 1):  # earlier receives, each answered 429 as well
        stack.sqs.receive_message(QueueUrl=stack.resources.queue_url, VisibilityTimeout=0)
    report = stack.event_source(consumer.handle_batch).poll_once()
    assert (report.received, report.succeeded) == (1, 1)  # handled: the original is deleted ...
    assert stack.dead_letters() == []  # ... and not dead-lettered
    assert_no_attempt_recorded(stack.result(event["eventId"]))
    (copy,) = stack.sqs.receive_message(
        QueueUrl=stack.resources.queue_url, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"]
    assert copy["Attributes"]["ApproximateReceiveCount"] == "1"
    assert attributes(copy) == {"source": "linking-service"}
    assert json.loads(copy["Body"]) == event


def test_a_backlog_at_dwollas_rate_limit_is_paced_not_dead_lettered(stack):
    """100 events against a 20 req/s limit (429 with Retry-After beyond it): all created once, none lost."""
    run = run_backlog(stack, events=100, limit=20.0)
    assert run.exchanges_created == 100
    assert len(stack.emulator.exchanges) == 100  # none twice
    assert run.dead_letters == 0
    assert run.rate_limited >= 1  # the limit was reached ...
    assert run.limiters[0].slowdowns >= 1  # ... and the container slowed down
    assert run.share_429 <= 0.05
    assert run.utilisation >= 0.6  # a short backlog: the first second is unpaced, the last batch partial
