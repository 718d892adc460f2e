"""The cost model behind `bench/scenarios/cost.py`: list prices applied to measured durations and counted calls.

What a local run cannot show (SQS's idle polling, how often Lambda recycles a container, how often the
token is renewed) is modelled in the named constants here and marked `modelled` in the table.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from bench import pricing
from bench.counters import DYNAMODB_READS, DYNAMODB_WRITES

EVENTS = 1_000_000
HOURS_PER_MONTH = 730
# Modelled, not measured (no local run can show them):
SQS_SENDS_PER_EVENT = 1.0  # upstream sends each event on its own (SendMessageBatch of 10 would make it 0.1)
SQS_REQUESTS_PER_BATCH = 2  # Lambda's poller: one ReceiveMessage that returned the batch, one DeleteMessageBatch
SQS_IDLE_POLLERS = 5  # Lambda's SQS pollers long-poll (20 s) even when the queue is empty
SQS_LONG_POLL_SECONDS = 20
TOKEN_RENEWALS_PER_HOUR = 1.0  # Dwolla tokens last an hour; one container renews, the fleet reads it
SECRETS_CALLS_PER_RENEWAL = 3  # read the token secret, read the credentials, write the new token
COLD_STARTS_PER_HOUR = 0.5  # one container at this rate, recycled about every 2 hours
SECRETS_CALLS_PER_COLD_START = 1  # read the shared token
SECRETS = 2  # the credentials secret and the token secret
STEADY_BATCH = 1  # 1M events a month is 0.4 events/s: with no batching window, a receive returns ~1


@dataclass(frozen=True)
class Counted:
    """AWS calls per event on the warm happy path, and the size of the item each event writes."""

    per_event: dict[str, float]
    item_bytes: int

    def per(self, service: str, operations: set[str] | None = None) -> float:
        return sum(
            n
            for key, n in self.per_event.items()
            if key.split(".")[0] == service and (operations is None or key.split(".")[1] in operations)
        )


def attribute_bytes(value: dict[str, Any]) -> int:
    """DynamoDB's item-size rules, roughly: UTF-8 strings, numbers ~1 byte per 2 digits, 3 bytes per map."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        return len(str(inner)) // 2 + 2
    if kind == "BOOL":
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + attribute_bytes(v) + 1 for k, v in inner.items())
    return len(json.dumps(inner))


def item_bytes(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_bytes(value) for name, value in item.items())


def share_of(memory_mb: int) -> float:
    return memory_mb / pricing.LAMBDA_MB_PER_VCPU


def modelled_ms(wall_ms: float, cpu_ms: float, share: float) -> float:
    """A batch ends no sooner than its waits allow (the unrestricted wall time) nor before its CPU work is
    done at `share` of a core: the larger of the two, as if all CPU could overlap the waits."""
    return max(wall_ms, cpu_ms / share)


def lambda_cost(batch_ms: float, memory_mb: int, batch: int) -> float:
    """Compute + requests for a million events in batches of `batch` (billed per started millisecond)."""
    invocations = EVENTS / batch
    gb_seconds = invocations * math.ceil(batch_ms) / 1000 * memory_mb / 1024
    return gb_seconds * pricing.LAMBDA_ARM64_PER_GB_SECOND + invocations * pricing.LAMBDA_PER_REQUEST


def cost_lines(
    counted: Counted, batch_ms: float, memory_mb: int, batch: int, log_bytes: float
) -> list[tuple[str, float, str]]:
    """(line, USD for a million events, how it was obtained) for events arriving in batches of `batch`."""
    invocations = EVENTS / batch
    write_units = math.ceil(max(counted.item_bytes, 1) / 1024)
    read_units = math.ceil(max(counted.item_bytes, 1) / 4096)
    gb_seconds = invocations * math.ceil(batch_ms) / 1000 * memory_mb / 1024
    dynamodb_writes = counted.per("dynamodb", DYNAMODB_WRITES)
    dynamodb_reads = counted.per("dynamodb", DYNAMODB_READS)
    put_events = counted.per("events", {"PutEvents"})
    return [
        (
            f"Lambda compute ({memory_mb} MB arm64, {batch_ms:.0f} ms per batch)",
            gb_seconds * pricing.LAMBDA_ARM64_PER_GB_SECOND,
            "measured duration",
        ),
        (f"Lambda requests ({invocations:,.0f} invocations)", invocations * pricing.LAMBDA_PER_REQUEST, "counted"),
        (
            f"DynamoDB writes ({dynamodb_writes:.2f}/event x {write_units} WRU, item {counted.item_bytes} B)",
            EVENTS * dynamodb_writes * write_units * pricing.DYNAMODB_PER_WRITE_UNIT,
            "counted",
        ),
        (
            f"DynamoDB reads ({dynamodb_reads:.2f}/event x {read_units} RRU, strongly consistent)",
            EVENTS * dynamodb_reads * read_units * pricing.DYNAMODB_PER_READ_UNIT,
            "counted",
        ),
        (
            f"SQS: {SQS_SENDS_PER_EVENT:g} send/event + {SQS_REQUESTS_PER_BATCH} poller requests/batch",
            (EVENTS * SQS_SENDS_PER_EVENT + invocations * SQS_REQUESTS_PER_BATCH) * pricing.SQS_PER_REQUEST,
            "modelled",
        ),
        (
            f"EventBridge PutEvents ({put_events:.2f}/event; only with OutcomeEventBusName set)",
            EVENTS * put_events * pricing.EVENTBRIDGE_PER_EVENT,
            "counted",
        ),
        (
            f"CloudWatch Logs ({log_bytes:.0f} B/event of JSON logs + EMF)",
            EVENTS * log_bytes / 1e9 * pricing.CLOUDWATCH_LOGS_PER_GB,
            "measured bytes",
        ),
    ]


def fixed_lines(metrics: int) -> list[tuple[str, float, str]]:
    """What a month costs whatever the traffic."""
    secrets_calls = HOURS_PER_MONTH * (
        TOKEN_RENEWALS_PER_HOUR * SECRETS_CALLS_PER_RENEWAL + COLD_STARTS_PER_HOUR * SECRETS_CALLS_PER_COLD_START
    )
    idle_polls = SQS_IDLE_POLLERS * HOURS_PER_MONTH * 3600 / SQS_LONG_POLL_SECONDS
    return [
        (
            f"Secrets Manager API calls ({secrets_calls:,.0f}: hourly token renewal, a cold start every 2 h)",
            secrets_calls * pricing.SECRETS_MANAGER_PER_CALL,
            "modelled",
        ),
        (f"Secrets Manager storage ({SECRETS} secrets)", SECRETS * pricing.SECRETS_MANAGER_PER_SECRET_MONTH, "list"),
        (
            f"SQS idle long polling ({SQS_IDLE_POLLERS} pollers, {idle_polls:,.0f} requests)",
            idle_polls * pricing.SQS_PER_REQUEST,
            "modelled",
        ),
        (
            f"CloudWatch custom metrics ({metrics} seen in the run, cold start included)",
            metrics * pricing.CLOUDWATCH_PER_METRIC_MONTH,
            "counted",
        ),
    ]


def memory_verdict(rows: dict[int, dict[str, Any]], memory_mb: int) -> str:
    """Each other size against the template's: how much slower or faster, how much cheaper or dearer."""
    chosen = rows[memory_mb]
    parts = [f"{memory_mb} MB: {chosen['handler_ms']:.0f} ms, ${chosen['lambda_usd_per_million']:.3f}/1M"]
    for mb, row in rows.items():
        if mb != memory_mb:
            parts.append(
                f"{mb} MB: {row['handler_ms'] / chosen['handler_ms']:.2f}x the time, "
                f"{row['lambda_usd_per_million'] / chosen['lambda_usd_per_million']:.2f}x the Lambda cost"
            )
    return "; ".join(parts)
