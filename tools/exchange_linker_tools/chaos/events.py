"""The chaos run's traffic: every partner and variant, some scripted failures, and duplicate publishes.

Every credential carries the run's marker, so a leak anywhere is found by searching for one string,
and each credential is unique, so the emulator's exchanges can be grouped by event through their
credential fingerprint.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from exchange_linker.contracts.dead_letter import MAX_MESSAGE_ATTRIBUTES, MAX_MESSAGE_SIZE, message_size
from exchange_linker_tools.chaos.funding import ask_for_funding_sources
from exchange_linker_tools.emulator.models import fingerprint

UNKNOWN_CUSTOMER = "00000000-0000-0000-0000-000000000000"
RECEIPT_TEMPLATE: dict[str, Any] = {
    "profile": 3,
    "version": "1",
    "receiptVersion": "1",
    "customerId": "5454874858510164117",
    "partnerId": 2445583946651,
    "products": [{"product": "moneyTransferDetails", "accountId": "1015199035827334916"}],
    "timestamp": "2022-07-11T06:06:23Z",
}
# (partner, credential kind, customer exchange?)
VARIANTS: list[tuple[str, str, bool]] = [
    ("Plaid", "token", True),
    ("MX", "token", True),
    ("Flinks", "token", True),
    ("Checkout.com", "token", True),
    ("Plaid", "plaid", True),
    ("MX", "mx", True),
    ("Finicity", "finicity", True),
    ("Flinks", "token", False),
    ("Finicity", "finicity", False),
]
# Scripted permanent Dwolla refusals: credential prefix -> error code.
PERMANENT_PREFIXES = {
    "invalid-": "InvalidExchangeToken",
    "reauth-": "UpdateCredentials",
    "inactive-": "InvalidExchange",
    "deactivated-": "InactiveExchange",
    "revoked-": "InvalidExchangeToken",
}


@dataclass(frozen=True)
class ChaosEvent:
    """One published event (a duplicate publish reuses the same ChaosEvent)."""

    key: str  # the eventId, or `body:N` for a body that is not an event at all
    event_id: str | None
    body: str
    credential: str | None  # what Dwolla fingerprints: token, publicToken, availableConnectionToken, receiptId
    expected_status: str  # CREATED or FAILED
    expected_error: str | None = None
    # The sender's message attributes, name -> (DataType, StringValue): they must reach the DLQ as sent.
    attributes: dict[str, tuple[str, str]] = field(default_factory=dict, hash=False)
    funding_source: bool = False  # the body asks for a funding source from the exchange (chaos.funding)

    @property
    def message_attributes(self) -> dict[str, Any]:
        """As SendMessage takes them."""
        return {name: {"DataType": kind, "StringValue": value} for name, (kind, value) in self.attributes.items()}

    @property
    def size(self) -> int:
        """What SQS holds against the queue's MaximumMessageSize (body and attributes, in bytes)."""
        return message_size(self.body, self.message_attributes)

    @property
    def credential_fingerprint(self) -> str | None:
        return fingerprint(self.credential) if self.credential is not None else None


@dataclass(frozen=True)
class Traffic:
    events: list[ChaosEvent]  # unique events
    publish_order: list[ChaosEvent]  # with duplicates, in publish order
    marker: str
    # Same eventId, another credential: whichever version is recorded first wins, the other must reach the
    # DLQ as ConflictingEvent (never a second exchange). Keyed by the eventId.
    twins: dict[str, ChaosEvent] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return len(self.publish_order) - len(self.events)


def generate_traffic(
    count: int,
    *,
    seed: int,
    marker: str,
    permanent_share: float = 0.06,
    invalid_share: float = 0.03,
    garbage_share: float = 0.01,
    duplicate_share: float = 0.08,
    attribute_share: float = 0.0,
    oversized_share: float = 0.0,
    conflict_share: float = 0.0,
    funding_share: float = 0.0,
) -> Traffic:
    """A reproducible mix; a duplicate lands in the same batch or up to ~60 messages later.

    `attribute_share` of the events carry sender attributes (half of them SQS's maximum of 10, leaving no
    slot for the reason); `oversized_share` of the CREATED and of the FAILED ones are padded to exactly the
    256 KiB limit (no byte left for a reason either). Both are drawn from their own RNG, so the rest of the
    traffic of a seed stays what it was. `conflict_share` of the events expected CREATED get a twin: the
    same eventId with another credential, published up to ~60 messages later (also from its own RNG);
    `funding_share` of the valid ones ask for a funding source (chaos.funding, its own RNG too).
    """
    rng = random.Random(seed)  # noqa: S311 - test traffic, not cryptography
    events: list[ChaosEvent] = []
    for index in range(count):
        draw = rng.random()
        if draw < garbage_share:
            events.append(_garbage(index, marker, rng))
        elif draw < garbage_share + invalid_share:
            events.append(_invalid(index, marker, rng))
        else:
            events.append(_valid(index, marker, rng, permanent=draw < garbage_share + invalid_share + permanent_share))
    events = ask_for_funding_sources(events, random.Random(f"funding:{seed}"), funding_share)  # noqa: S311
    events = _decorate(events, random.Random(f"extras:{seed}"), attribute_share, oversized_share)  # noqa: S311
    order = list(events)
    for event in events:
        if rng.random() < duplicate_share:
            position = order.index(event) + (0 if rng.random() < 0.3 else rng.randint(1, 60))
            order.insert(min(position + 1, len(order)), event)
    twin_rng = random.Random(f"twins:{seed}")  # noqa: S311
    twins = _twins(events, twin_rng, marker, conflict_share)
    for twin in twins.values():
        position = next(index for index, event in enumerate(order) if event.event_id == twin.event_id)
        order.insert(min(position + 1 + twin_rng.randint(0, 60), len(order)), twin)
    return Traffic(events=events, publish_order=order, marker=marker, twins=twins)


def _twins(events: list[ChaosEvent], rng: random.Random, marker: str, share: float) -> dict[str, ChaosEvent]:
    """For some valid events, the same eventId with another credential (same partner and customer)."""
    twins: dict[str, ChaosEvent] = {}
    for index, event in enumerate(events):
        if share <= 0 or event.expected_status != "CREATED" or event.credential is None or event.attributes:
            continue
        if event.size >= MAX_MESSAGE_SIZE // 2 or rng.random() >= share:
            continue
        other = _credential_text(index, marker, rng, "twin-")
        body = event.body.replace(event.credential, other)
        twins[str(event.event_id)] = replace(event, key=f"{event.key}#twin", body=body, credential=other)
    return twins


def _decorate(
    events: list[ChaosEvent], rng: random.Random, attribute_share: float, oversized_share: float
) -> list[ChaosEvent]:
    decorated = list(events)
    if attribute_share > 0:
        for index, event in enumerate(decorated):
            if rng.random() < attribute_share:
                count = MAX_MESSAGE_ATTRIBUTES if rng.random() < 0.5 else rng.randint(1, 3)
                decorated[index] = replace(event, attributes=_attributes(index, count, rng))
        failed = [index for index, event in enumerate(decorated) if event.expected_status == "FAILED"]
        for index in rng.sample(failed, min(2, len(failed))):  # some reach the DLQ whatever the draw
            decorated[index] = replace(decorated[index], attributes=_attributes(index, MAX_MESSAGE_ATTRIBUTES, rng))
    if oversized_share > 0:
        for status in ("CREATED", "FAILED"):
            candidates = [index for index, event in enumerate(decorated) if event.expected_status == status]
            chosen = rng.sample(candidates, min(len(candidates), max(1, round(oversized_share * len(candidates)))))
            for index in chosen:
                decorated[index] = _padded(decorated[index])
    return decorated


def _attributes(index: int, count: int, rng: random.Random) -> dict[str, tuple[str, str]]:
    """Sender attributes as upstreams set them: ids, numbers, non-ASCII text, dotted names."""
    pool = [
        ("traceparent", "String", f"00-{rng.getrandbits(128):032x}-{rng.getrandbits(64):016x}-01"),
        ("priority", "Number", str(rng.randint(0, 9))),
        ("source.app", "String", rng.choice(["ios", "android", "web"])),
        ("tenant", "String.tenant", f"t-{index % 7}"),
        ("note", "String", "déjà vu ✓ 日本"),
        ("sent.at", "String", "2026-11-20T18:04:06.120Z"),
        ("retry.budget", "Number", "2.5"),
        ("correlation-id", "String", f"corr-{index:06d}"),
        ("x_region", "String", "us-east-1"),
        ("empty.like", "String", " "),
    ]
    return {name: (kind, value) for name, kind, value in rng.sample(pool, count)}


def _padded(event: ChaosEvent) -> ChaosEvent:
    """Trailing JSON whitespace (or more of an unreadable body) up to exactly MAX_MESSAGE_SIZE bytes."""
    return replace(event, body=event.body + " " * (MAX_MESSAGE_SIZE - event.size))


def _credential_text(index: int, marker: str, rng: random.Random, prefix: str) -> str:
    return f"{prefix}{marker}-{index:06d}-{rng.getrandbits(48):012x}"


def _valid(index: int, marker: str, rng: random.Random, *, permanent: bool) -> ChaosEvent:
    partner, kind, customer = rng.choice(VARIANTS)
    event_id = f"chaos-{index:06d}-{uuid.UUID(int=rng.getrandbits(128))}"
    expected_status, expected_error, prefix = "CREATED", None, ""
    customer_id: str | None = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if customer else None
    if permanent:
        expected_status = "FAILED"
        if customer_id is not None and rng.random() < 0.2:
            customer_id, expected_error = UNKNOWN_CUSTOMER, "NotFound"
        else:
            prefix, expected_error = rng.choice(sorted(PERMANENT_PREFIXES.items()))
    secret = _credential_text(index, marker, rng, prefix)
    event: dict[str, Any] = {"eventId": event_id, "eventType": "link.completed", "partner": partner}
    if customer_id is not None:
        event["customerId"] = customer_id.upper() if rng.random() < 0.1 else customer_id
    if kind == "token":
        event["token"] = secret
    elif kind == "plaid":
        event["plaid"] = {"publicToken": secret}
    elif kind == "mx":
        event["mx"] = {"availableConnectionToken": secret}
    else:
        event["finicity"] = {**RECEIPT_TEMPLATE, "receiptId": secret}
    if rng.random() < 0.5:
        event["metadata"] = {"channel": rng.choice(["ios", "android", "web"]), "attempt": str(index)}
    return ChaosEvent(
        key=event_id,
        event_id=event_id,
        body=json.dumps(_envelope(event, rng)),
        credential=secret,
        expected_status=expected_status,
        expected_error=expected_error,
    )


def _invalid(index: int, marker: str, rng: random.Random) -> ChaosEvent:
    """Breaks the contract but has a usable eventId, so a FAILED row is expected too."""
    event_id = f"chaos-invalid-{index:06d}"
    secret = _credential_text(index, marker, rng, "")
    base: dict[str, Any] = {"eventId": event_id, "eventType": "link.completed", "partner": "Plaid", "token": secret}
    broken: dict[str, Any] = rng.choice(
        [
            {"partner": "Yodlee"},
            {"plaid": {"publicToken": secret + "-second"}},
            {"customerId": "../../accounts/x"},
            {"customerID": str(uuid.UUID(int=rng.getrandbits(128)))},
            {"eventType": "link.started"},
        ]
    )
    return ChaosEvent(
        key=event_id,
        event_id=event_id,
        body=json.dumps({**base, **broken}),
        credential=None,
        expected_status="FAILED",
        expected_error="InvalidEvent",
    )


def _garbage(index: int, marker: str, rng: random.Random) -> ChaosEvent:
    """Not an event at all: tracked by its exact body, which must reach the DLQ."""
    secret = _credential_text(index, marker, rng, "")
    body = rng.choice([f"not json {index} {secret}", f'{{"eventId": "broken-{index}", "token": "{secret}"'])
    return ChaosEvent(
        key=f"body:{index}",
        event_id=None,
        body=body,
        credential=None,
        expected_status="FAILED",
        expected_error="InvalidEvent",
    )


def _envelope(event: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    draw = rng.random()
    if draw < 0.1:
        return {
            "Type": "Notification",
            "MessageId": str(uuid.UUID(int=rng.getrandbits(128))),
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:link-completed",
            "Message": json.dumps(event),
            "Timestamp": "2026-11-20T18:04:06.000Z",
        }
    if draw < 0.15:
        return {
            "version": "0",
            "id": str(uuid.UUID(int=rng.getrandbits(128))),
            "detail-type": "Link Completed",
            "source": "com.example.linking",
            "time": "2026-11-20T18:04:06Z",
            "detail": event,
        }
    return event
