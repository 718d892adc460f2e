"""3. AWS calls per 1,000 events, counted on each container's boto3 session (botocore events, no patching)."""

from __future__ import annotations

import math

from bench.context import Context
from bench.counters import DYNAMODB_READS, DYNAMODB_WRITES
from bench.report import Check, Detail, ScenarioResult
from bench.scenarios.tokens import real_fleet
from exchange_linker.adapters.secrets_manager import CACHE_SECONDS


def run(context: Context) -> ScenarioResult:
    result = ScenarioResult("aws-calls", "AWS API calls per event and per container (real build_consumer)")
    fleet = real_fleet(context)
    events = fleet.events
    containers = fleet.containers
    periods = max(1, math.ceil(fleet.elapsed_seconds / CACHE_SECONDS))
    writes = sum(c.calls.count("dynamodb", DYNAMODB_WRITES) for c in containers)
    reads = sum(c.calls.count("dynamodb", DYNAMODB_READS) for c in containers)
    per_secret = [max(c.calls.secret_reads.values(), default=0) for c in containers]
    all_reads = [c.calls.count("secretsmanager", {"GetSecretValue"}) for c in containers]
    lookups = [c.partner_lookups for c in containers]
    hours = max(1, math.ceil(fleet.elapsed_seconds / 3600))
    result.checks = [
        Check(
            "GetSecretValue, same secret, per container per 300 s (max)",
            f"{max(per_secret)} (all secrets per container: {', '.join(map(str, all_reads))}; "
            f"run lasted {fleet.elapsed_seconds:.0f} s)",
            "<= 1",
            max(per_secret) <= periods,
            max(per_secret) / periods,
        ),
        Check(
            "DynamoDB writes per event",
            f"{writes / events:.2f} ({writes} for {events} events)",
            "<= 2",
            writes / events <= 2,
            writes / events,
        ),
        Check("DynamoDB reads per event", f"{reads / events:.2f}", value=reads / events),
        Check(
            "GET /exchange-partners per container per hour (max)",
            f"{max(lookups)} (by container: {', '.join(map(str, lookups))})",
            "<= 1",
            max(lookups) <= hours,
            max(lookups) / hours,
        ),
        Check(
            "AWS calls per 1,000 events (all containers)",
            f"{1000 * sum(sum(c.calls.calls.values()) for c in containers) / events:.0f}",
            value=1000 * sum(sum(c.calls.calls.values()) for c in containers) / events,
        ),
    ]
    operations = sorted({op for c in containers for op in c.calls.calls})
    result.details.append(
        Detail(
            f"AWS calls by container ({events} events, {len(containers)} containers, round-robin batches)",
            ["operation", *(f"#{i + 1}" for i in range(len(containers))), "per 1,000 events"],
            [
                [
                    op,
                    *(str(c.calls.calls[op]) for c in containers),
                    f"{1000 * sum(c.calls.calls[op] for c in containers) / events:.1f}",
                ]
                for op in operations
            ],
        )
    )
    result.data = {
        "events": events,
        "elapsed_seconds": fleet.elapsed_seconds,
        "containers": [
            {
                "calls": dict(c.calls.calls),
                "secret_reads": dict(c.calls.secret_reads),
                "partner_lookups": c.partner_lookups,
            }
            for c in containers
        ],
    }
    return result
