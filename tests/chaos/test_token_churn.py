"""Tokens revoked twice in a row, staged: the pattern behind the chaos runs' ExpiredAccessToken failures.

In the 3,000-event run, 18 records failed with ExpiredAccessToken and 8 events reached the DLQ with it
(a replay recovered them): after a second revocation, the token in the shared secret still looks valid
(its expiresAt is an hour away), so a container that replaces its refused token picks that one, is
refused again, and has no retry left.
"""

from __future__ import annotations

from tests.conftest import link_event
from tests.integration.helpers import drain


def test_a_record_survives_a_revoked_shared_token(stack) -> None:
    first, second = stack.consumer(), stack.consumer()
    stack.publish(link_event())
    drain(stack, first)  # first issues T1 and shares it
    stack.emulator.expire_all_tokens()
    stack.publish(link_event())
    drain(stack, second)  # second: T1 refused, shared T1 refused, issues and shares T2
    stack.emulator.expire_all_tokens()
    event = link_event()
    stack.publish(event)
    source = stack.event_source(first.handle_batch)
    report = source.poll_once()  # first: T1 refused, replaced by the shared T2, refused again
    assert stack.emulator.stats.auth_failures == 3  # one refusal for second, two for first: as staged
    assert report.failed == 0
    assert stack.result(event["eventId"])["status"] == "CREATED"
