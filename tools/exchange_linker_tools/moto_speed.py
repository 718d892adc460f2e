"""Takes repeated work out of moto's SQS reads: same answers, without recounting a queue per message.

moto 5.2 builds every attribute of a queue (three of them by walking its messages and reading the clock
for each) whenever one is asked for: `get_queue_attributes` does it twice for each name requested, and
`receive_message` reads the retention period that way for every message it hands out. A receive of 10
from a queue of n messages so walks the queue ~20 times, and a depth check ~6 times; in a long run (the
chaos run's queues, its DLQ replays) moto's CPU went there first. Here the attributes are built once per
call, and the retention period is read from the queue itself.
"""

from __future__ import annotations

import functools
from typing import Any

_PATCHED = "_exchange_linker_speed"


def speed_up_sqs() -> None:
    """Patch moto's SQS backend in this process (idempotent)."""
    from moto.core.utils import unix_time
    from moto.sqs.exceptions import InvalidAttributeName
    from moto.sqs.models import Message, SQSBackend

    original = SQSBackend.get_queue_attributes
    if getattr(original, _PATCHED, False):
        return

    @functools.wraps(original)
    def get_queue_attributes(self: SQSBackend, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
        if not attribute_names or "All" in attribute_names:
            return original(self, queue_name, attribute_names)
        queue = self.get_queue(queue_name)
        valid_names = queue.BASE_ATTRIBUTES + queue.FIFO_ATTRIBUTES + queue.KMS_ATTRIBUTES
        invalid_name = next((name for name in attribute_names if name not in valid_names), None)
        if invalid_name is not None:
            raise InvalidAttributeName(invalid_name)
        every = queue.attributes  # built once for the call, not twice per name
        return {name: every[name] for name in attribute_names if every.get(name) is not None}

    def is_message_valid_based_on_retention_period(self: SQSBackend, queue_name: str, message: Message) -> bool:
        retention_period = int(self.get_queue(queue_name).message_retention_period)  # type: ignore[attr-defined]
        return bool(retention_period + message.sent_timestamp / 1000 > unix_time())  # type: ignore[operator]

    setattr(get_queue_attributes, _PATCHED, True)
    SQSBackend.get_queue_attributes = get_queue_attributes  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]
