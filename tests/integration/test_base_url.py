"""Odd spellings of the Dwolla base URL, and of Dwolla's Location, against the emulator over real HTTP.

Production case: `DWOLLA_API_URL=https://API.Dwolla.com:443/` while Dwolla answers
`Location: https://api.dwolla.com/exchanges/…`. Scheme and host case, a default port and a trailing
slash do not make another host, so every such exchange must end CREATED, not FAILED UnexpectedLocation.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import link_event
from tests.integration.helpers import drain

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("configured", "dwolla_answers"),
    [
        ("http://127.0.0.1:{port}/", None),  # None: the emulator's own spelling, http://127.0.0.1:{port}
        ("HTTP://127.0.0.1:{port}", None),
        ("http://LOCALHOST:{port}/", "http://localhost:{port}"),
        ("Http://LocalHost:{port}", "http://localhost:{port}"),
        ("http://localhost:{port}", "HTTP://LOCALHOST:{port}"),
        ("http://127.0.0.1:{port}", "HTTP://127.0.0.1:{port}"),
    ],
)
def test_every_spelling_of_the_base_url_ends_created(stack, configured, dwolla_answers):
    port = urlsplit(stack.emulator.url).port
    if dwolla_answers is not None:
        stack.emulator.public_url = dwolla_answers.format(port=port)
    event = link_event()
    stack.publish(event)
    drain(stack, stack.consumer(DWOLLA_API_URL=configured.format(port=port)))
    (exchange,) = stack.emulator.exchanges
    result = stack.result(event["eventId"])
    assert (result["status"], result.get("errorCode")) == ("CREATED", None)
    assert result["exchangeId"] == exchange.id
    # Stored in one canonical spelling, whatever Dwolla's and ours were.
    host = "localhost" if "localhost" in configured.lower() else "127.0.0.1"
    assert result["exchangeUrl"] == f"http://{host}:{port}/exchanges/{exchange.id}"
    assert stack.dead_letters() == []


def test_a_location_on_another_host_is_still_refused(stack):
    """Normalising spelling must not widen what counts as our host: 127.0.0.1 is not localhost."""
    port = urlsplit(stack.emulator.url).port
    stack.emulator.public_url = f"http://localhost:{port}"
    event = link_event()
    stack.publish(event)
    drain(stack, stack.consumer(DWOLLA_API_URL=f"http://127.0.0.1:{port}"))
    result = stack.result(event["eventId"])
    assert (result["status"], result["errorCode"]) == ("FAILED", "UnexpectedLocation")
