"""Token trouble: Secrets Manager blips, Secrets Manager down, Dwolla refusing the client credentials.

The real consumer against moto server and the Dwolla emulator over loopback HTTP; Secrets Manager fails
through the AWS fault proxy (boto3 reaches it with AWS_ENDPOINT_URL_SECRETS_MANAGER, as it would reach AWS).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from exchange_linker.adapters.aws import CONSUMER_CLIENT_CONFIG
from exchange_linker.bootstrap import build_consumer
from exchange_linker_tools.chaos.proxy import AwsFaultProxy, AwsFaultRates
from exchange_linker_tools.local_stack import local_stack
from tests.conftest import link_event
from tests.integration.helpers import reason

pytestmark = pytest.mark.integration
SECRETS_DOWN = AwsFaultRates(secrets_internal=1.0)
ATTEMPTS_PER_READ = 1 + CONSUMER_CLIENT_CONFIG.retries["max_attempts"]  # boto3 retries a 500 itself


class Clock:
    """Wall time the test can move (the token's expiry and the back-offs run on it), or freeze."""

    def __init__(self, frozen: bool = False) -> None:
        self.offset = 0.0
        self.frozen_at = time.time() if frozen else None

    def __call__(self) -> float:
        return (self.frozen_at if self.frozen_at is not None else time.time()) + self.offset


@pytest.fixture
def secrets_proxy(stack, monkeypatch) -> Iterator[AwsFaultProxy]:
    with AwsFaultProxy(stack.aws_endpoint, seed=1) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", proxy.url)
        yield proxy


def secrets_failures(proxy: AwsFaultProxy) -> int:
    return proxy.counts().get("secretsmanager:InternalServiceError", 0)


def test_a_valid_token_keeps_serving_when_secrets_manager_fails_during_early_renewal(stack, secrets_proxy):
    clock = Clock()
    consumer = build_consumer(stack.settings(), clock=clock)
    source = stack.event_source(consumer.handle_batch)
    stack.publish(link_event())
    source.drain()
    assert stack.emulator.stats.token_requests == 1
    clock.offset = 3600 - 30  # inside every renewal window (60-300 s before expiry), still valid
    secrets_proxy.rates = SECRETS_DOWN
    events = [link_event() for _ in range(10)]
    for event in events:
        stack.publish(event)
    report = source.poll_once()
    assert (report.received, report.succeeded) == (10, 10)
    assert all(stack.result(event["eventId"])["status"] == "CREATED" for event in events)
    assert stack.emulator.stats.token_requests == 1  # the fleet's token, not one of our own
    assert secrets_failures(secrets_proxy) == ATTEMPTS_PER_READ  # one renewal attempt, not one per record


def test_an_expired_token_that_cannot_be_renewed_fails_records_transiently(stack, secrets_proxy):
    """A cold container with Secrets Manager down: each record RETRYING with the reason, one try per invocation."""
    secrets_proxy.rates = SECRETS_DOWN
    consumer = stack.consumer()
    events = [link_event() for _ in range(10)]
    for event in events:
        stack.publish(event)
    report = stack.event_source(consumer.handle_batch).poll_once()
    assert (report.received, report.failed, report.timed_out) == (10, 10, 0)
    rows = stack.results()
    assert {(rows[e["eventId"]]["status"], rows[e["eventId"]]["errorCode"]) for e in events} == {
        ("RETRYING", "InternalServiceError")
    }
    assert secrets_failures(secrets_proxy) <= 2 * ATTEMPTS_PER_READ  # a read or two (keys, token), not ten
    assert stack.emulator.stats.token_requests == 0
    secrets_proxy.rates = AwsFaultRates()
    stack.event_source(consumer.handle_batch).drain()  # the same container, next invocations
    rows = stack.results()
    assert {rows[e["eventId"]]["status"] for e in events} == {"CREATED"}


def test_refused_client_credentials_cost_one_token_request_per_back_off(aws_endpoint):
    """50 events, wrong client secret: one POST /token per back-off, each event in the DLQ with its reason."""
    with local_stack(aws_endpoint=aws_endpoint, parameters={"MaxReceiveCount": "2"}) as stack:
        stack.secretsmanager.put_secret_value(
            SecretId=stack.resources.credentials_secret_id,
            SecretString=json.dumps({"key": stack.emulator.client_key, "secret": "rotated-away"}),
        )
        clock = Clock(frozen=True)
        consumer = build_consumer(stack.settings(), clock=clock)
        events = [link_event() for _ in range(50)]
        for event in events:
            stack.publish(event)
        stack.event_source(consumer.handle_batch).drain()
        assert stack.emulator.stats.token_requests == 1
        letters = stack.dead_letters()
        # Every event, with its reason. SQS is at-least-once: on a loaded machine a message can be handed out
        # again before its batch finished, and dead-lettered twice; a second copy is not a loss.
        assert {json.loads(letter["Body"])["eventId"] for letter in letters} == {e["eventId"] for e in events}
        assert {reason(letter)["errorCode"] for letter in letters} == {"InvalidClientCredentials"}
        rows = stack.results()
        assert {rows[e["eventId"]]["errorCode"] for e in events} == {"InvalidClientCredentials"}
        clock.offset = 61  # the first back-off is over: the next event may ask once more
        stack.publish(link_event())
        stack.event_source(consumer.handle_batch).poll_once()
        assert stack.emulator.stats.token_requests == 2
