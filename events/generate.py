"""Writes the sample Lambda SQS events in this directory (and expected.json) from one place.

    .venv/bin/python events/generate.py          # rewrite the files
    .venv/bin/python events/generate.py --check  # exit 1 if a committed file differs from its generated form

Everything is deterministic (fixed ids, timestamps and fake sandbox credentials), so running it twice
changes nothing. Each file holds one record exactly as Lambda delivers it from SQS; the record's body is
the producer's message: a v1 link.completed event, either bare or wrapped by SNS or EventBridge.
"""

# ruff: noqa: S106 - the `token=` arguments are the fake sandbox credentials these samples exist to carry.
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from exchange_linker_tools.link_events import (
    CUSTOMER_ID,
    eventbridge_event,
    finicity_receipt,
    flinks_token,
    mx_connection_token,
    signed,
    sns_notification,
    sqs_record,
)
from exchange_linker_tools.link_events import (
    UNKNOWN_CUSTOMER_ID as UNKNOWN_CUSTOMER,
)

HERE = Path(__file__).resolve().parent
REGION = "us-east-1"
ACCOUNT = "123456789012"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:exchange-linker-sandbox-link-completed"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:exchange-linker-sandbox-link-completed"
# AWS documentation's sample sender ids: an IAM user, and the SNS service (SNS -> SQS deliveries).
SENDER_ID = "AIDAIENQZJOLO23YVJ4VO"
SNS_SENDER_ID = "AIDAISMY7JYY5F7RTT6AO"
NAMESPACE = uuid.UUID("5b0b8a52-3c4d-4f7e-9a61-2f1d7c9e0a00")
BASE_TIME = datetime(2026, 11, 20, 18, 4, 5, tzinfo=UTC)

CREATED = {"status": "CREATED"}
# Issue 14: the event asked for a funding source from its exchange, and the run must end with one.
CREATED_WITH_FUNDING_SOURCE = {"status": "CREATED", "fundingSource": "CREATED"}
ON_DEMAND_AUTHORIZATION = "https://api-sandbox.dwolla.com/on-demand-authorizations/30e7c028-0bdf-e511-80de-0aa34a9b2388"


def failed(code: str) -> dict[str, str]:
    return {"status": "FAILED", "errorCode": code}


@dataclass(frozen=True)
class Sample:
    file_name: str
    event: dict[str, Any] | None
    expected: dict[str, str]
    wrap: Callable[[Sample, dict[str, Any]], str] | None = None
    raw_body: str | None = None


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def link_event(event_id: str, partner: str, minute: int, **fields: Any) -> dict[str, Any]:
    """A v1 link.completed event. `customerId` defaults to the sample customer; pass None to omit it."""
    event: dict[str, Any] = {
        "eventId": event_id,
        "eventType": "link.completed",
        "occurredAt": iso(BASE_TIME + timedelta(minutes=minute)),
    }
    customer_id = fields.pop("customerId", CUSTOMER_ID)
    if customer_id is not None:
        event["customerId"] = customer_id
    event["partner"] = partner
    event.update(fields)
    return event


def sns_wrap(sample: Sample, event: dict[str, Any]) -> str:
    message_id = stable_uuid(sample.file_name, "sns")
    subscription = stable_uuid(sample.file_name, "subscription")
    timestamp = iso(parse_iso(event["occurredAt"]) + timedelta(seconds=1)).replace("Z", ".000Z")
    signature = signed(message_id, subscription, region=REGION, topic_arn=TOPIC_ARN)
    return json.dumps(
        sns_notification(event, message_id=message_id, topic_arn=TOPIC_ARN, timestamp=timestamp, **signature)
    )


def eventbridge_wrap(sample: Sample, event: dict[str, Any]) -> str:
    event_id = stable_uuid(sample.file_name, "eventbridge")
    envelope = eventbridge_event(event, event_id=event_id, time=event["occurredAt"], account=ACCOUNT, region=REGION)
    return json.dumps(envelope)


def sandbox_receipt() -> dict[str, Any]:
    """A Finicity receipt shaped like the seed OpenAPI example, with this file's fake sandbox values."""
    return finicity_receipt(
        "cr_sandboxReceipt0000000000001",
        access_start="2026-11-20",
        access_end="2027-11-20T18:08:01Z",
        timestamp="2026-11-20T18:08:01Z",
    )


PLAID_EVENT_ID = "c0a8012e-6f1c-4a53-9d0a-6c2b4f2f0b11"
PLAID_METADATA = {"channel": "web", "linkSessionId": "sandbox-link-session-0001"}
ACCOUNT_EVENT_ID = "account-exchange:2026-11-20.0008"
NOT_JSON = '{"eventId": "bad-not-json", "eventType": "link.completed", partner: Plaid'
FLINKS_TOKEN = flinks_token("sandbox-auth-secret", "sandbox-access-token-0003")
MX_CONNECTION_TOKEN = mx_connection_token("ACT-sandbox-0000-4c1e-9d2a-000000000001", "MBR-sandbox-0000-4f7b-8e3c-01")


def processor(number: int, prefix: str = "") -> str:
    """A Plaid processor token; `invalid-` and `reauth-` make the emulator refuse it."""
    return f"{prefix}processor-sandbox-0f3a7c2e-5b1d-4e8a-9c6f-{number:012d}"


def public_token(number: int) -> dict[str, str]:
    return {"publicToken": f"public-sandbox-00000000-0000-4000-8000-{number:012d}"}


def samples() -> list[Sample]:
    invalid = failed("InvalidEvent")
    return [
        sample("plaid-token", "Plaid", 0, event_id=PLAID_EVENT_ID, token=processor(1), metadata=PLAID_METADATA),
        sample("mx-token", "MX", 1, token="sandbox-mx-authorization-code-0002"),
        sample("flinks-token", "Flinks", 2, token=FLINKS_TOKEN),
        sample("checkout-token", "Checkout.com", 3, token="pay_sandbox0000000000000000004"),
        sample("finicity-receipt", "Finicity", 4, finicity=sandbox_receipt()),
        sample("mx-open-banking", "mx", 5, mx={"availableConnectionToken": MX_CONNECTION_TOKEN}),
        sample("plaid-open-banking", "PLAID", 6, plaid=public_token(7)),
        sample("account-exchange", "Plaid", 7, event_id=ACCOUNT_EVENT_ID, customerId=None, token=processor(8)),
        sample("sns-wrapped", "Plaid", 8, wrap=sns_wrap, token=processor(9)),
        sample("eventbridge-wrapped", "MX", 9, wrap=eventbridge_wrap, token="sandbox-mx-authorization-code-0010"),
        Sample("bad-not-json.json", None, invalid, raw_body=NOT_JSON),
        sample("bad-unknown-partner", "Yodlee", 11, invalid, token="sandbox-yodlee-token-0012"),
        sample("bad-two-credentials", "Plaid", 12, invalid, token=processor(13), plaid=public_token(13)),
        sample("bad-account-open-banking", "Plaid", 13, invalid, customerId=None, plaid=public_token(14)),
        sample("invalid-exchange-token", "Plaid", 14, failed("InvalidExchangeToken"), token=processor(15, "invalid-")),
        sample("update-credentials", "Plaid", 15, failed("UpdateCredentials"), token=processor(16, "reauth-")),
        sample("unknown-customer", "Plaid", 16, failed("NotFound"), customerId=UNKNOWN_CUSTOMER, token=processor(17)),
        # Appended, so the earlier files keep their timestamps.
        sample(
            "plaid-funding-source",
            "Plaid",
            17,
            CREATED_WITH_FUNDING_SOURCE,
            token=processor(18),
            fundingSource={"name": "Jane Doe's Checking", "bankAccountType": "checking"},
        ),
        sample(
            "account-funding-source",
            "Finicity",
            18,
            CREATED_WITH_FUNDING_SOURCE,
            event_id="account-funding-source:2026-11-20.0019",
            customerId=None,
            finicity=sandbox_receipt(),
            fundingSource={
                "name": "Operating savings",
                "bankAccountType": "savings",
                "onDemandAuthorization": ON_DEMAND_AUTHORIZATION,
            },
        ),
    ]


def sample(
    name: str,
    partner: str,
    minute: int,
    expected: dict[str, str] = CREATED,
    *,
    event_id: str | None = None,
    wrap: Callable[[Sample, dict[str, Any]], str] | None = None,
    **fields: Any,
) -> Sample:
    """`name`.json: an event `minute` minutes after the base time, its eventId derived from the name."""
    event = link_event(event_id or stable_uuid(name, "eventId"), partner, minute, **fields)
    return Sample(f"{name}.json", event, expected, wrap=wrap)


def body_of(sample: Sample) -> str:
    if sample.raw_body is not None:
        return sample.raw_body
    assert sample.event is not None
    return sample.wrap(sample, sample.event) if sample.wrap else json.dumps(sample.event)


def sqs_event(sample: Sample, index: int) -> dict[str, Any]:
    sent = BASE_TIME + timedelta(minutes=index, seconds=1)
    message_id = stable_uuid(sample.file_name, "messageId")
    message = {
        "MessageId": message_id,
        # Shaped like a real receipt handle (opaque base64); meaningless outside this file.
        "ReceiptHandle": "AQEB" + base64.b64encode(hashlib.sha256(message_id.encode()).digest() * 4).decode(),
        "Body": body_of(sample),
        "Attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": millis(sent),
            "SenderId": SNS_SENDER_ID if sample.wrap is sns_wrap else SENDER_ID,
            "ApproximateFirstReceiveTimestamp": millis(sent + timedelta(milliseconds=27)),
        },
    }
    return {"Records": [sqs_record(message, QUEUE_ARN, REGION)]}


def render(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def outputs() -> dict[str, str]:
    """File name -> file text, for every file the generator owns."""
    all_samples = samples()
    files = {sample.file_name: render(sqs_event(sample, index)) for index, sample in enumerate(all_samples)}
    files["expected.json"] = render({sample.file_name: sample.expected for sample in all_samples})
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    stale = []
    for name, text in outputs().items():
        path = HERE / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check:
        for name in stale:
            print(f"out of date: events/{name} (run: .venv/bin/python events/generate.py)", file=sys.stderr)
        return 1 if stale else 0
    print(f"wrote {len(stale)} file(s), {len(outputs()) - len(stale)} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
