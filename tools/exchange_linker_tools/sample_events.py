"""The events `exchange-linker run` publishes: the samples in events/, or N generated ones."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exchange_linker_tools import link_events
from exchange_linker_tools.template import REPO_ROOT

EVENTS_DIR = REPO_ROOT / "events"
UNKNOWN_CUSTOMER = link_events.UNKNOWN_CUSTOMER_ID


@dataclass(frozen=True)
class SampleEvent:
    name: str
    body: str
    expected_status: str | None = None
    expected_error: str | None = None
    expected_funding_source: str | None = None  # CREATED when the event asks for a funding source

    @property
    def event_id(self) -> str | None:
        """The eventId, wherever the envelope put it (None for a body that is not an event)."""
        try:
            payload: Any = json.loads(self.body)
        except ValueError:
            return None
        if isinstance(payload, dict) and isinstance(payload.get("Message"), str):
            try:
                payload = json.loads(payload["Message"])
            except ValueError:
                return None
        if isinstance(payload, dict) and isinstance(payload.get("detail"), dict):
            payload = payload["detail"]
        event_id = payload.get("eventId") if isinstance(payload, dict) else None
        return event_id if isinstance(event_id, str) else None


def sample_events(directory: Path = EVENTS_DIR) -> list[SampleEvent]:
    """Each events/*.json is a Lambda SQS event; expected.json says where each should end."""
    expected: dict[str, dict[str, str]] = json.loads((directory / "expected.json").read_text())
    samples = []
    for name, outcome in expected.items():
        for record in json.loads((directory / name).read_text())["Records"]:
            samples.append(
                SampleEvent(
                    name,
                    record["body"],
                    outcome.get("status"),
                    outcome.get("errorCode"),
                    outcome.get("fundingSource"),
                )
            )
    return samples


# (partner, credential builder) pairs, so generated traffic covers every variant.
_VARIANTS: list[tuple[str, str]] = [
    ("Plaid", "token"),
    ("MX", "token"),
    ("Flinks", "token"),
    ("Checkout.com", "token"),
    ("Plaid", "plaid"),
    ("MX", "mx"),
    ("Finicity", "finicity"),
]
_MINIMAL_RECEIPT = {"profile": 3, "version": "1"}
# Scripted emulator failures: credential prefix -> (expected status, expected error code).
_FAILURES: list[tuple[str, str]] = [
    ("invalid", "InvalidExchangeToken"),
    ("reauth", "UpdateCredentials"),
    ("inactive", "InvalidExchange"),
    ("server-error", "ServerError"),
]


FUNDING_SOURCE_EVERY = 4  # every 4th generated event also asks for a funding source (issue 14)


def generated_events(
    count: int, *, seed: int, failure_share: float, funding_every: int = FUNDING_SOURCE_EVERY
) -> list[SampleEvent]:
    """A reproducible mix of partners and variants; `failure_share` of them are scripted to fail, and every
    `funding_every`th asks for a funding source too (0: none, e.g. to measure the exchange path alone)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    events = []
    for index in range(count):
        partner, kind = rng.choice(_VARIANTS)
        prefix, expected_status, expected_error = "sandbox", "CREATED", None
        if rng.random() < failure_share:
            prefix, expected_error = rng.choice(_FAILURES)
            expected_status = "FAILED"
        credential = f"{prefix}-{uuid.UUID(int=rng.getrandbits(128)).hex}"
        event: dict[str, Any] = {
            "eventId": f"gen-{seed}-{index:06d}",
            "eventType": "link.completed",
            "occurredAt": "2026-11-20T18:04:05Z",
            "customerId": str(uuid.UUID(int=rng.getrandbits(128))),
            "partner": partner,
        }
        if partner == "Checkout.com":
            credential = f"{prefix}-pay_{index}"
        event.update(link_events.credential(kind, credential, receipt=_MINIMAL_RECEIPT))
        funding = None
        if funding_every and index % funding_every == 0 and partner != "Checkout.com":  # Dwolla: none from a card
            event["fundingSource"] = {"name": f"Generated {index}", "bankAccountType": "checking"}
            funding = "CREATED" if expected_status == "CREATED" else None
        events.append(SampleEvent(event["eventId"], json.dumps(event), expected_status, expected_error, funding))
    return events
