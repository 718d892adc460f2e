"""The end of a run: read the final state (table, DLQ, Dwolla's records, every output), verify, report."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

from exchange_linker.contracts.dead_letter import MAX_MESSAGE_ATTRIBUTES, MAX_MESSAGE_SIZE
from exchange_linker_tools.chaos.config import ChaosReport
from exchange_linker_tools.chaos.events import Traffic
from exchange_linker_tools.chaos.fleet import Fleet
from exchange_linker_tools.chaos.funding import DwollaFundingSource, check_funding_sources
from exchange_linker_tools.chaos.verify import DeadLetterRecord, DwollaExchange, Receive, Secret, verify
from exchange_linker_tools.emulator import DwollaEmulator
from exchange_linker_tools.local_stack import LocalStack

if TYPE_CHECKING:
    from exchange_linker_tools.chaos.driver import ChaosRun


def build_report(run: ChaosRun, elapsed: float) -> ChaosReport:
    """Verify the final state and write report.json beside the worker logs."""
    config, stack, fleet, traffic = run.config, run.stack, run.fleet, run.traffic
    emulator = stack.emulator
    rows = stack.results()
    letters = dead_letters(stack)
    tokens = issued_tokens(emulator)
    shared = shared_token(stack)
    secrets = [Secret("the Dwolla client secret", emulator.client_secret)]
    secrets += [Secret(f"access token #{index}", token) for index, token in enumerate(tokens)]
    if shared:
        secrets.append(Secret("the shared access token (token secret)", shared))
    outputs: dict[str, str] = {}
    for worker in fleet.workers:
        outputs[worker.out.name] = worker.out.read_text(errors="replace")
        outputs[worker.err.name] = worker.err.read_text(errors="replace")
    raw_items = stack.dynamodb.get_paginator("scan").paginate(TableName=stack.resources.table_name)
    outputs["results table"] = json.dumps([item for page in raw_items for item in page["Items"]])
    for path in (run.relay.log_path, run.relay.err_path):
        outputs[path.name] = path.read_text(errors="replace")
    outputs["DLQ attributes"] = json.dumps([letter.attributes for letter in letters])
    exchanges = [
        DwollaExchange(e.id, e.location, e.credential_fingerprint, e.idempotency_key) for e in emulator.exchanges
    ]
    verdict = verify(
        traffic.events,
        rows=rows,
        dead_letters=letters,
        exchanges=exchanges,
        outputs=outputs,
        secrets=secrets,
        marker=traffic.marker,
        twins=traffic.twins,
        announced=run.relay.announced,
        receives=handler_receives(fleet),
        last_receive=stack.resources.max_receive_count,
    )
    sources = [DwollaFundingSource(source.id, source.exchange_id) for source in emulator.funding_sources]
    verdict.funding_sources_made, verdict.funding_problems = check_funding_sources(traffic.events, rows, sources)
    stats = emulator.stats
    worker_totals, max_batch = worker_progress(fleet)
    report = ChaosReport(
        seed=config.seed,
        events=len(traffic.events),
        duplicates_published=traffic.duplicates,
        messages_published=run.publisher.published,
        workers=config.workers,
        elapsed_seconds=round(elapsed, 1),
        chaos_seconds=round(run.chaos_seconds, 1),
        settle_seconds=round(run.settle_seconds, 1),
        settled=run.settled,
        phases=dict(run.phases),
        dwolla_faults=dict(stats.faults_injected),
        dwolla={
            "exchange_posts": stats.exchange_posts,
            "exchanges_created": stats.exchanges_created,
            "idempotent_replays": stats.idempotent_replays,
            "conflicts_409": stats.conflicts,
            "expired_or_invalid_token_401": stats.auth_failures,
            "token_requests": stats.token_requests,
            "partner_lookups": stats.partner_lookups,
            **{f"scripted_{code}": n for code, n in stats.scripted_errors.items()},
        },
        aws_faults=run.proxy.injected(),
        kills=fleet.kills,
        kills_mid_batch=fleet.kills_mid_batch,
        kills_during_cold_start=fleet.kills_during_cold_start,
        deadline_kills=fleet.deadline_kills,
        hangs=dict(run.hangs),
        refused_write_phases=run.refused_write_phases,
        traffic_kinds=traffic_kinds(traffic),
        outcome_events={
            "received": run.relay.events_received,
            "distinct": len(run.relay.announced),
            "republished_batches": run.relay.republished_batches,
            "stream_poll_errors": run.relay.poll_errors,
            "publisher_crashes": run.relay.crashes,
        },
        token_expiries=run.expiries,
        key_expiries={"days_passed": run.keys.days, "keys_forgotten": run.keys.keys_forgotten},
        skipped_actions=run.skipped_actions,
        worker_crashes=fleet.crashes,
        worker_totals=worker_totals,
        max_batch_seconds=max_batch,
        replays=run.replays,
        issued_tokens=len(tokens),
        leak_scan_control=sum(traffic.marker in letter.body for letter in letters),
        verdict=verdict,
        run_dir=str(config.run_dir),
    )
    (config.run_dir / "report.json").write_text(json.dumps(report.as_dict(), indent=2, default=str))
    return report


def worker_progress(fleet: Fleet) -> tuple[dict[str, int], float]:
    """Batches and records handled by all workers (killed ones included), from their stderr markers."""
    totals: Counter[str] = Counter()
    longest = 0.0
    for worker in fleet.workers:
        for line in worker.err.read_text(errors="replace").splitlines():
            if not line.startswith('{"chaos"'):
                continue
            marker = json.loads(line)
            if marker["chaos"] == "batch":
                totals["batches"] += 1
                for name in ("received", "succeeded", "failed", "handler_errors"):
                    totals[name] += marker[name]
            elif marker["chaos"] == "invoked":
                longest = max(longest, float(marker["seconds"]))
            elif marker["chaos"] == "poll-error":
                totals["poll_errors"] += 1
    return dict(totals), longest


def handler_receives(fleet: Fleet) -> dict[str, list[Receive]]:
    """Every receive a worker's handler was invoked with (message id, receive count), and whether that
    invocation returned: an `invoke` marker without its `invoked` is one the worker died in."""
    receives: dict[str, list[Receive]] = {}
    for worker in fleet.workers:
        in_flight: list[tuple[str, int]] = []
        for line in worker.err.read_text(errors="replace").splitlines():
            if not line.startswith('{"chaos"'):
                continue
            marker = json.loads(line)
            if marker["chaos"] in {"invoke", "invoked"}:
                for message_id, count in in_flight:  # an invoke before this one's invoked: never returned
                    receives.setdefault(message_id, []).append(Receive(count, completed=marker["chaos"] == "invoked"))
                in_flight = (
                    [(str(m), int(c)) for m, c in marker.get("receives", [])] if marker["chaos"] == "invoke" else []
                )
        for message_id, count in in_flight:
            receives.setdefault(message_id, []).append(Receive(count, completed=False))
    return receives


def traffic_kinds(traffic: Traffic) -> dict[str, int]:
    events = traffic.events
    return {
        "conflicting_twins": len(traffic.twins),
        "asking_for_a_funding_source": sum(event.funding_source for event in events),
        "with_attributes": sum(bool(event.attributes) for event in events),
        "with_10_attributes": sum(len(event.attributes) == MAX_MESSAGE_ATTRIBUTES for event in events),
        "at_256_KiB": sum(event.size == MAX_MESSAGE_SIZE for event in events),
        "at_256_KiB_failed": sum(
            event.size == MAX_MESSAGE_SIZE and event.expected_status == "FAILED" for event in events
        ),
    }


def dead_letters(stack: LocalStack) -> list[DeadLetterRecord]:
    return [
        DeadLetterRecord(
            message_id=message["MessageId"],
            body=message.get("Body", ""),
            attributes={
                name: str(value.get("StringValue", "")) for name, value in message.get("MessageAttributes", {}).items()
            },
            types={
                name: str(value.get("DataType", "")) for name, value in message.get("MessageAttributes", {}).items()
            },
        )
        for message in stack.dead_letters()
    ]


def issued_tokens(emulator: DwollaEmulator) -> list[str]:
    """Every access token the emulator issued. The emulator has no public accessor for them (yet), so
    this reads its token store; if that ever changes shape, the scan still has the shared token."""
    store = getattr(getattr(emulator, "_state", None), "tokens", None)
    expiry = getattr(store, "_expiry", None)
    return sorted(expiry) if isinstance(expiry, dict) else []


def shared_token(stack: LocalStack) -> str | None:
    raw = stack.secretsmanager.get_secret_value(SecretId=stack.resources.token_secret_id)["SecretString"]
    try:
        value = json.loads(raw).get("accessToken")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None
