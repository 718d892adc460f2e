"""link.completed events, the envelopes producers wrap them in, and the Lambda SQS records that carry them.

One builder for events/generate.py, the tests, the harness and the bench, so a change to the event's shape
(a partner's credential, an envelope's fields, the record Lambda delivers) is made once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

CUSTOMER_ID = "74a207b2-b7b7-4efa-8bf8-582148e7b980"
UNKNOWN_CUSTOMER_ID = "00000000-0000-0000-0000-000000000000"  # the emulator answers 404 for it
SNS_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:link-completed"
# The fields Lambda copies from ReceiveMessage's system attributes into a record, in its order.
RECORD_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "AWSTraceHeader",
    "MessageGroupId",
    "MessageDeduplicationId",
    "SequenceNumber",
)


def finicity_receipt(
    receipt_id: str = "cr_4N47ou7SlppuIxq0ZUtACh10vYcloY",
    *,
    access_start: str = "2022-07-06",
    access_end: str = "2022-08-16T06:06:20Z",
    timestamp: str = "2022-07-11T06:06:23Z",
) -> dict[str, Any]:
    """A Finicity (Mastercard Open Banking) receipt; the defaults are the seed's secure-exchange example."""
    return {
        "profile": 3,
        "version": "1",
        "receiptId": receipt_id,
        "receiptVersion": "1",
        "customerId": "5454874858510164117",
        "partnerId": 2445583946651,
        "products": [
            {
                "product": "moneyTransferDetails",
                "accountId": "1015199035827334916",
                "accessPeriod": {"type": "timeframe", "startTime": access_start, "endTime": access_end},
            }
        ],
        "timestamp": timestamp,
    }


def mx_connection_token(account_id: str, member_id: str) -> str:
    """MX open banking's availableConnectionToken: base64 of its ids as compact JSON."""
    ids = {"accountId": account_id, "memberId": member_id}
    return base64.b64encode(json.dumps(ids, separators=(",", ":")).encode()).decode()


def flinks_token(auth_secret: str, access_token: str) -> str:
    """Dwolla's Flinks token: base64("<AuthSecret>:<AccessToken>")."""
    return base64.b64encode(f"{auth_secret}:{access_token}".encode()).decode()


def credential(kind: str, secret: str, receipt: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Where each variant carries its credential: `token`, or Plaid's, MX's or Finicity's open-banking object
    (a Finicity receipt is `receipt`, the seed example by default, with `secret` as its receiptId)."""
    if kind == "token":
        return {"token": secret}
    if kind == "plaid":
        return {"plaid": {"publicToken": secret}}
    if kind == "mx":
        return {"mx": {"availableConnectionToken": secret}}
    if kind == "finicity":
        return {"finicity": {**(receipt if receipt is not None else finicity_receipt()), "receiptId": secret}}
    raise ValueError(f"unknown credential kind {kind!r}")


def link_event(**fields: Any) -> dict[str, Any]:
    """A valid v1 event (Plaid processor token, customer exchange) never seen before; keyword arguments
    override fields, and a field given as None is left out."""
    event: dict[str, Any] = {
        "eventId": f"evt-{uuid.uuid4()}",
        "eventType": "link.completed",
        "occurredAt": "2026-11-20T18:04:05Z",
        "customerId": CUSTOMER_ID,
        "partner": "Plaid",
        "token": f"processor-sandbox-{uuid.uuid4().hex}",
    }
    event.update(fields)
    return {key: value for key, value in event.items() if value is not None}


def body(**fields: Any) -> str:
    """link_event as the JSON text a producer sends."""
    return json.dumps(link_event(**fields))


def sns_notification(
    event: Mapping[str, Any],
    *,
    message_id: str | None = None,
    topic_arn: str = SNS_TOPIC_ARN,
    timestamp: str = "2026-11-20T18:04:06.000Z",
    **signature: str,
) -> dict[str, Any]:
    """The event as SNS delivers it to a subscribed queue (raw delivery off); `signature` adds
    SignatureVersion, Signature, SigningCertURL and UnsubscribeURL, which the consumer does not check."""
    return {
        "Type": "Notification",
        "MessageId": message_id or str(uuid.uuid4()),
        "TopicArn": topic_arn,
        "Message": json.dumps(event),
        "Timestamp": timestamp,
        **signature,
    }


def signed(message_id: str, subscription_id: str, *, region: str, topic_arn: str) -> dict[str, str]:
    """Placeholder signature fields for sns_notification: shaped like SNS's, not a real signature."""
    return {
        "SignatureVersion": "1",
        "Signature": base64.b64encode(b"EXAMPLE-SNS-SIGNATURE-NOT-REAL-" + message_id.encode()).decode(),
        "SigningCertURL": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-{'0' * 31}.pem",
        "UnsubscribeURL": (
            f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic_arn}:{subscription_id}"
        ),
    }


def eventbridge_event(
    event: Mapping[str, Any],
    *,
    event_id: str | None = None,
    time: str = "2026-11-20T18:04:06Z",
    account: str | None = "123456789012",
    region: str | None = "us-east-1",
) -> dict[str, Any]:
    """The event as an EventBridge rule delivers it to a queue (the event is its `detail`)."""
    envelope: dict[str, Any] = {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": "Link Completed",
        "source": "com.example.linking",
    }
    if account is not None:
        envelope["account"] = account
    envelope["time"] = time
    if region is not None:
        envelope.update(region=region, resources=[])
    envelope["detail"] = event
    return envelope


def sqs_record(message: MessageTypeDef | Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of a Lambda SQS event, built from a message as ReceiveMessage answers it."""
    text = message.get("Body", "")
    attributes = {str(key): value for key, value in message.get("Attributes", {}).items()}
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": text,
        "attributes": {key: attributes[key] for key in RECORD_ATTRIBUTES if key in attributes},
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": _b64(value.get("BinaryValue")),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(text.encode()).hexdigest(),  # noqa: S324 - SQS's own
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def _b64(value: bytes | None) -> str | None:
    return base64.b64encode(value).decode() if value is not None else None
