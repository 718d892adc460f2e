"""Makes moto's SQS refuse what SQS refuses, so local runs meet the limits production meets.

moto 5.2 compares only the body's length in characters with the queue's MaximumMessageSize and takes any
number of message attributes. SQS counts the body and every attribute's name, type and value in bytes
(UTF-8; a binary value's raw bytes), and takes at most 10 attributes. Without this a DLQ write that SQS
would refuse succeeds locally, and the tests could never see it.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from typing import Any

MAX_MESSAGE_ATTRIBUTES = 10
_PATCHED = "_exchange_linker_quotas"


def message_size(body: str, attributes: Mapping[str, Mapping[str, Any]]) -> int:
    """The size SQS holds against MaximumMessageSize (SendMessage format attributes)."""
    total = len(body.encode("utf-8", "surrogatepass"))
    for name, attribute in attributes.items():
        total += len(name.encode()) + len(str(attribute.get("DataType", "")).encode())
        if attribute.get("StringValue") is not None:
            total += len(str(attribute["StringValue"]).encode("utf-8", "surrogatepass"))
        elif attribute.get("BinaryValue") is not None:
            value = attribute["BinaryValue"]
            total += len(value if isinstance(value, bytes) else base64.b64decode(value))
    return total


def enforce_sqs_quotas() -> None:
    """Patch moto's SQS backend in this process (idempotent): every SendMessage, batch entry and SNS delivery."""
    from moto.sqs.exceptions import InvalidParameterValue
    from moto.sqs.models import SQSBackend

    original = SQSBackend.send_message
    if getattr(original, _PATCHED, False):
        return

    @functools.wraps(original)
    def send_message(self: SQSBackend, queue_name: str, message_body: str, *args: Any, **kwargs: Any) -> Any:
        attributes = kwargs.get("message_attributes") or (args[0] if args else None) or {}
        if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
            raise InvalidParameterValue(
                f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum "
                f"[{MAX_MESSAGE_ATTRIBUTES}]."
            )
        limit = int(self.get_queue(queue_name).maximum_message_size)  # type: ignore[attr-defined]
        if message_size(message_body, attributes) > limit:
            raise InvalidParameterValue(
                f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes."
            )
        return original(self, queue_name, message_body, *args, **kwargs)

    setattr(send_message, _PATCHED, True)
    SQSBackend.send_message = send_message  # type: ignore[method-assign]
