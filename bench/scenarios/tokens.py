"""2. Token requests: a fleet of containers sharing the token secret, real and simulated token lifetimes."""

from __future__ import annotations

import time

from bench.context import Context
from bench.fleet import FleetRun, run_fleet
from bench.report import Check, Detail, ScenarioResult
from bench.stack import bench_stack
from bench.wiring import clocked_consumer, counted_consumer
from exchange_linker.dwolla.tokens import DEFAULT_RENEW_JITTER, DEFAULT_RENEW_MARGIN
from exchange_linker_tools.fakes import FakeClock

LIFETIME = 3600
MAX_EARLY = DEFAULT_RENEW_MARGIN + DEFAULT_RENEW_JITTER  # a container renews at most this early


def real_fleet(context: Context) -> FleetRun:
    """The real build_consumer, a 3600 s token: shared with the aws-calls scenario (run once)."""
    if "real_fleet" not in context.memo:
        sizes = context.sizes
        with bench_stack(context.aws_endpoint, token_lifetime=LIFETIME) as stack:
            context.memo["real_fleet"] = run_fleet(
                stack,
                size=sizes.fleet_containers,
                events=sizes.fleet_events,
                factory=lambda: counted_consumer(stack),
            )
    run: FleetRun = context.memo["real_fleet"]
    return run


def simulated_fleet(context: Context) -> FleetRun:
    """The same wiring with a fake clock (tokens, partners, emulator) that covers several lifetimes."""
    sizes = context.sizes
    clock = FakeClock(time.time())  # real epoch seconds: the emulator's tokens and Secrets Manager's dates
    span = sizes.simulated_lifetimes * LIFETIME
    step = span / max(1, sizes.fleet_events // 10)
    with bench_stack(context.aws_endpoint, token_lifetime=LIFETIME, clock=clock) as stack:
        run = run_fleet(
            stack,
            size=sizes.fleet_containers,
            events=sizes.fleet_events,
            factory=lambda: clocked_consumer(stack, clock),
            on_batch=lambda _: clock.advance(step),
        )
    run.simulated_seconds = span
    return run


def per_thousand(count: int, events: int) -> str:
    return f"{1000 * count / events:.2f}" if events else "-"


def run(context: Context) -> ScenarioResult:
    result = ScenarioResult("tokens", "POST /token for a fleet sharing the token secret")
    real = real_fleet(context)
    later_cold = sum(c.cold_start_token_requests for c in real.containers[1:])
    result.checks = [
        Check(
            f"POST /token, {len(real.containers)} containers, {real.events} events, 3600 s token",
            f"{real.token_requests} ({per_thousand(real.token_requests, real.events)} per 1,000 events)",
            "1 (one per lifetime)",
            real.token_requests <= 1,
            real.token_requests,
        ),
        Check(
            "POST /token caused by cold starts after the first",
            f"{later_cold} over {len(real.containers) - 1} cold starts",
            "0",
            later_cold == 0,
            later_cold,
        ),
    ]
    simulated = simulated_fleet(context)
    lifetimes = simulated.simulated_seconds / LIFETIME
    bound = 1 + int(simulated.simulated_seconds // (LIFETIME - MAX_EARLY))
    result.checks.append(
        Check(
            f"POST /token over {lifetimes:.0f} simulated lifetimes ({simulated.events} events)",
            f"{simulated.token_requests} ({simulated.token_requests / lifetimes:.2f} per lifetime, "
            f"{per_thousand(simulated.token_requests, simulated.events)} per 1,000 events)",
            f"<= {bound} (1 + span / (lifetime - {MAX_EARLY:.0f} s))",
            simulated.token_requests <= bound,
            simulated.token_requests,
        )
    )
    result.details.append(
        Detail(
            "token requests by container (POST /token during its batches; cold = during its first batch)",
            ["run", "container", "events", "POST /token", "of which cold", "partner lookups", "GetSecretValue"],
            [
                [
                    label,
                    f"#{i + 1}",
                    str(c.events),
                    str(c.token_requests),
                    str(c.cold_start_token_requests),
                    str(c.partner_lookups),
                    str(c.calls.calls["secretsmanager.GetSecretValue"]),
                ]
                for label, run in (("real", real), ("simulated", simulated))
                for i, c in enumerate(run.containers)
            ],
        )
    )
    result.notes.append(
        "simulated: the real build_consumer given a fake clock (tokens, partners, the 429 pause; bench/wiring.py) "
        f"shared with the emulator, advanced {simulated.simulated_seconds / max(1, simulated.events // 10):.0f} s "
        "per batch"
    )
    result.data = {
        "real": _summary(real),
        "simulated": _summary(simulated),
        "simulated_bound": bound,
    }
    return result


def _summary(run: FleetRun) -> dict[str, object]:
    return {
        "events": run.events,
        "elapsed_seconds": run.elapsed_seconds,
        "simulated_seconds": run.simulated_seconds,
        "token_requests": run.token_requests,
        "tokens_issued": run.tokens_issued,
        "partner_lookups": run.partner_lookups,
        "exchanges_created": run.exchanges_created,
        "containers": [
            {
                "events": c.events,
                "batches": c.batches,
                "token_requests": c.token_requests,
                "cold_start_token_requests": c.cold_start_token_requests,
                "partner_lookups": c.partner_lookups,
                "aws_calls": dict(c.calls.calls),
            }
            for c in run.containers
        ],
    }
