"""Upstream traffic: published over time, through a short window (moto's receive is quadratic in depth)."""

from __future__ import annotations

from exchange_linker.contracts.dead_letter import MAX_MESSAGE_SIZE
from exchange_linker_tools.chaos.events import ChaosEvent
from exchange_linker_tools.local_stack import LocalStack

PUBLISH_WINDOW = 50  # moto scans a queue as a list on every receive and delete: keep it short


class Publisher:
    """Publishes at `rate` messages per second (upstream traffic arrives over time, so the faults meet
    it), never letting the queue hold more than `window` (visible, in flight or delayed)."""

    def __init__(self, stack: LocalStack, order: list[ChaosEvent], rate: float, window: int = PUBLISH_WINDOW) -> None:
        self._stack = stack
        self._window = window
        self._pending = list(reversed(order))
        self._rate = rate
        self.published = 0

    @property
    def done(self) -> bool:
        return not self._pending

    def top_up(self, depth: int, elapsed: float) -> int:
        """Publish what is due; returns how many messages were sent."""
        sent = 0
        due = len(self._pending) if elapsed == float("inf") else int(self._rate * elapsed) + 1 - self.published
        while self._pending and depth < self._window and sent < due:
            chunk = self._next_chunk(min(10, due - sent))
            response = self._stack.sqs.send_message_batch(
                QueueUrl=self._stack.resources.queue_url,
                Entries=[
                    {"Id": str(index), "MessageBody": event.body, "MessageAttributes": event.message_attributes}
                    for index, event in enumerate(chunk)
                ],
            )
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} events: {response['Failed'][0]}")
            self.published += len(chunk)
            sent += len(chunk)
            depth += len(chunk)
        return sent

    def _next_chunk(self, most: int) -> list[ChaosEvent]:
        """Up to `most` events whose sizes fit one SendMessageBatch (SQS's batch limit is one message's)."""
        chunk = [self._pending.pop()]
        total = chunk[0].size
        while self._pending and len(chunk) < most and total + self._pending[-1].size <= MAX_MESSAGE_SIZE:
            total += self._pending[-1].size
            chunk.append(self._pending.pop())
        return chunk


def queue_depth(stack: LocalStack) -> int:
    attributes = stack.sqs.get_queue_attributes(
        QueueUrl=stack.resources.queue_url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())
