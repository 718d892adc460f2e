"""functions/dlq_replay/app.py as Lambda runs it: imported with the template's environment, invoked with a payload."""

from __future__ import annotations

import json

import pytest

from exchange_linker.errors import ConfigurationError
from exchange_linker_tools.poller import LambdaContext
from tests.cold_start import cold_start
from tests.conftest import link_event
from tests.integration.helpers import reason
from tests.replay.conftest import dead_letter, depth, messages_in, strings

pytestmark = pytest.mark.integration


def load_handler(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    return cold_start("dlq_replay", environment, monkeypatch)


def context(remaining_ms: int = 900_000) -> LambdaContext:
    return LambdaContext(function_name="DlqReplayFunction", timeout_ms=remaining_ms)


@pytest.fixture
def handler(stack, monkeypatch):
    return load_handler(stack.resources.outputs(), monkeypatch)


@pytest.fixture(scope="module")
def refusing_handler(shared_stack):
    """One cold start over one DLQ message, for the payloads that must be refused without touching it."""
    dead_letter(shared_stack, link_event(), "InvalidScope")
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield load_handler(shared_stack.resources.outputs(), monkeypatch)


def test_dry_run_is_the_default_then_a_payload_moves(stack, handler):
    scope = [link_event() for _ in range(2)]
    for event in scope:
        dead_letter(stack, event, "InvalidScope", attributes={"source": "linking-ui"})
    dead_letter(stack, link_event(), "NotFound")
    dry = handler({"errorCodes": ["InvalidScope"]}, context())
    assert json.loads(json.dumps(dry)) == dry  # a Lambda answer must serialise
    assert (dry["dryRun"], dry["matched"], dry["moved"]) == (True, 2, 0)
    assert depth(stack, stack.resources.dead_letter_queue_url) == (3, 0)
    assert depth(stack, stack.resources.queue_url) == (0, 0)
    moved = handler({"errorCodes": "InvalidScope", "dryRun": False, "rate": 100}, context())
    assert (moved["dryRun"], moved["moved"], moved["truncated"]) == (False, 2, False)
    assert sorted(row["eventId"] for row in moved["events"]) == sorted(event["eventId"] for event in scope)
    replayed = messages_in(stack, stack.resources.queue_url)
    assert sorted(json.loads(m["Body"])["eventId"] for m in replayed) == sorted(event["eventId"] for event in scope)
    assert [strings(m) for m in replayed] == [{"replayCount": "1", "source": "linking-ui"}] * 2
    assert [reason(m)["errorCode"] for m in stack.dead_letters()] == ["NotFound"]


def test_stops_before_the_lambda_times_out_and_says_truncated(stack, handler):
    dead_letter(stack, link_event(), "InvalidScope")
    answer = handler({"dryRun": False}, context(remaining_ms=20_000))  # less than the 30 s kept back
    assert (answer["truncated"], answer["stoppedBy"], answer["moved"]) == (True, "deadline", 0)
    assert depth(stack, stack.resources.dead_letter_queue_url) == (1, 0)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"rate": -1}, "rate"),
        ({"dryRun": "no"}, "dryRun"),
        ({"errorCode": ["InvalidScope"]}, "errorCode"),  # a typo must not silently replay everything
        ({"failedAfter": "processor-sandbox-SECRET"}, "failedAfter"),
        ({"eventIds": [{"token": "processor-sandbox-SECRET"}]}, "eventIds.0"),
    ],
)
def test_an_invalid_payload_is_refused_naming_the_field_not_the_value(shared_stack, refusing_handler, payload, field):
    stack = shared_stack
    with pytest.raises(ValueError, match="invalid replay request") as refused:
        refusing_handler(payload, context())
    assert f"{field}:" in str(refused.value)
    assert "SECRET" not in str(refused.value)
    assert refused.value.__cause__ is None  # pydantic's error, which may quote the input, is not attached
    assert refused.value.__suppress_context__
    assert depth(stack, stack.resources.dead_letter_queue_url) == (1, 0)


def test_a_missing_setting_fails_the_cold_start(stack, monkeypatch):
    environment = stack.resources.outputs()
    monkeypatch.delenv("LINK_COMPLETED_QUEUE_URL", raising=False)
    del environment["LINK_COMPLETED_QUEUE_URL"]
    with pytest.raises(ConfigurationError, match="LINK_COMPLETED_QUEUE_URL"):
        load_handler(environment, monkeypatch)


def test_the_lambda_holds_back_what_fails_again_unchanged(stack, handler):
    dead_letter(stack, link_event(), "InvalidScope")
    dead_letter(stack, "not json", "InvalidEvent")
    answer = handler({"dryRun": False}, context())
    assert (answer["moved"], answer["heldBack"], answer["heldBackByErrorCode"]) == (1, 1, {"InvalidEvent": 1})
    assert answer["leftInDlq"] == 1
    named = handler({"dryRun": False, "errorCodes": ["invalidevent"]}, context())
    assert (named["moved"], named["heldBack"]) == (1, 0)


def test_the_lambda_refuses_an_unknown_code(refusing_handler):
    from exchange_linker.replay.replayer import UnknownErrorCodeError

    with pytest.raises(UnknownErrorCodeError, match="unknown error code InvalidScop"):
        refusing_handler({"errorCodes": ["InvalidScop"]}, context())
