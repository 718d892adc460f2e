"""Dwolla's rate limit: a fleet draining a backlog against an emulator that answers 429 beyond N requests/s.

Targets (issue 15): throughput >= 90 % of the limit, <= 2 % of Dwolla requests answered 429, and no event
dead-lettered because of a 429.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

from bench.context import Context
from bench.rate_fleet import BacklogRun, drain_backlog, publish_backlog
from bench.report import Check, Detail, ScenarioResult, write_scenario_json
from bench.stack import bench_stack
from exchange_linker.contracts.dead_letter_reason import REASON_ATTRIBUTE
from exchange_linker_tools.emulator import FaultPlan

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

THROUGHPUT_TARGET = 0.90  # of the limit
REJECTED_TARGET = 0.02  # of Dwolla requests


def dead_letter_codes(messages: list[MessageTypeDef]) -> Counter[str]:
    """errorCode of each dead-lettered message (the reason attribute, or the legacy errorCode one)."""
    codes: Counter[str] = Counter()
    for message in messages:
        attributes = message.get("MessageAttributes", {})
        if REASON_ATTRIBUTE in attributes:
            codes[json.loads(attributes[REASON_ATTRIBUTE].get("StringValue", "{}")).get("errorCode", "?")] += 1
        else:
            legacy = attributes.get("errorCode")
            codes[legacy.get("StringValue", "?") if legacy else "?"] += 1
    return codes


def run(context: Context) -> ScenarioResult:
    sizes = context.sizes
    limit, events = sizes.rate_limit_rps, sizes.rate_limit_events
    ideal = events / limit
    description = (
        f"{events} events queued, {sizes.rate_limit_containers} containers (MaximumConcurrency), Dwolla at "
        f"{limit:g} requests/s (burst {sizes.rate_limit_burst:g}), "
        f"answering after {sizes.rate_limit_latency * 1000:.0f} ms"
    )
    result = ScenarioResult("rate-limit", description)
    with bench_stack(context.aws_endpoint, faults=FaultPlan(latency=sizes.rate_limit_latency)) as stack:
        publish_backlog(stack, events)
        stack.emulator.set_rate_limit(limit, burst=sizes.rate_limit_burst)
        backlog = drain_backlog(
            stack,
            events=events,
            containers=sizes.rate_limit_containers,
            deadline_seconds=ideal * sizes.rate_limit_deadline_factor,
        )
        codes = dead_letter_codes(stack.dead_letters())
        left = stack.event_source(lambda event, context: None).depth()
        recorded = Counter(str(row.get("status")) for row in stack.results().values())
    result.checks, result.data = _checks(backlog, limit, codes, left), _data(backlog, limit, codes, left)
    result.checks.append(
        Check(
            "events recorded CREATED in the results table",
            f"{recorded['CREATED']} of {events} ({dict(recorded)})",
            f"{events}",
            recorded["CREATED"] == events,
            recorded["CREATED"],
        )
    )
    result.data["results_by_status"] = dict(recorded)
    result.details.append(_timeline(backlog))
    if not backlog.finished:
        result.notes.append(
            f"stopped at the deadline ({backlog.elapsed_seconds:.0f} s, {sizes.rate_limit_deadline_factor:g} x the "
            f"{ideal:.0f} s the limit allows): {events - backlog.stats.exchanges_created} events had no exchange yet"
        )
    write_scenario_json(context.results_dir / "rate_limit.json", {**result.data, "json": "rate_limit.json"})
    return result


def requests_made(backlog: BacklogRun) -> int:
    """Every request that reached the emulator's API: the 429s are answered before any other counter."""
    stats = backlog.stats
    return stats.rate_limited + stats.token_requests + stats.partner_lookups + stats.exchange_posts


def first_exchange_at(backlog: BacklogRun) -> float:
    """When the first exchange was seen created (to the second): the fleet's cold starts end about then."""
    return next((t for t, created, _ in backlog.timeline if created), 0.0)


def _checks(backlog: BacklogRun, limit: float, codes: Counter[str], left: int) -> list[Check]:
    stats = backlog.stats
    throughput = stats.exchanges_created / backlog.elapsed_seconds
    share = stats.rate_limited / max(1, requests_made(backlog))
    started = first_exchange_at(backlog)
    warm = stats.exchanges_created / max(1e-9, backlog.elapsed_seconds - started)
    return [
        Check(
            "exchanges created per second over the run",
            f"{throughput:.1f}/s = {throughput / limit:.0%} of {limit:g}/s "
            f"({stats.exchanges_created} of {backlog.events} in {backlog.elapsed_seconds:.0f} s)",
            f">= {THROUGHPUT_TARGET:.0%} of the limit",
            throughput >= THROUGHPUT_TARGET * limit,
            throughput,
        ),
        Check(
            "... counted from the first exchange (cold starts left out)",
            f"{warm:.1f}/s = {warm / limit:.0%} (first exchange after {started:.0f} s)",
            value=warm,
        ),
        Check(
            "Dwolla requests answered 429",
            f"{share:.1%} ({stats.rate_limited} of {requests_made(backlog)})",
            f"<= {REJECTED_TARGET:.0%}",
            share <= REJECTED_TARGET,
            share,
        ),
        Check(
            "events dead-lettered because of a 429",
            f"{codes['TooManyRequests']} (DLQ holds {sum(codes.values())}; {left} still on the queue)",
            "0",
            codes["TooManyRequests"] == 0,
            codes["TooManyRequests"],
        ),
    ]


def _data(backlog: BacklogRun, limit: float, codes: Counter[str], left: int) -> dict[str, object]:
    stats, tally = backlog.stats, backlog.tally
    return {
        "limit_rps": limit,
        "events": backlog.events,
        "containers": backlog.containers,
        "finished": backlog.finished,
        "elapsed_seconds": backlog.elapsed_seconds,
        "exchanges_created": stats.exchanges_created,
        "throughput_per_second": stats.exchanges_created / backlog.elapsed_seconds,
        "first_exchange_after_seconds": first_exchange_at(backlog),
        "requests": requests_made(backlog),
        "rate_limited": stats.rate_limited,
        "exchange_posts": stats.exchange_posts,
        "token_requests": stats.token_requests,
        "partner_lookups": stats.partner_lookups,
        "idempotent_replays": stats.idempotent_replays,
        "dead_letters_by_code": dict(codes),
        "left_on_queue": left,
        "batches": tally.batches,
        "records_received": tally.records,
        "records_failed": tally.failed_records,
        "handler_errors": tally.handler_errors,
        "timeline": [{"second": round(t, 1), "created": c, "rate_limited": r} for t, c, r in backlog.timeline],
    }


def _timeline(backlog: BacklogRun) -> Detail:
    """Every 10th second of the run: how the fleet's pace and the 429s evolved."""
    rows = [
        [f"{t:.0f}", str(created), str(limited)]
        for index, (t, created, limited) in enumerate(backlog.timeline)
        if index % 10 == 9
    ]
    return Detail("rate-limit: progress (every 10 s)", ["second", "exchanges created", "429s so far"], rows)
