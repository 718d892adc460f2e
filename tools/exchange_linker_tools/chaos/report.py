"""The report as an operator reads it."""

from __future__ import annotations

import json

from exchange_linker_tools.chaos.config import ChaosReport


def format_report(report: ChaosReport) -> str:
    verdict = report.verdict
    lines = [
        f"chaos run seed={report.seed}: {report.events} events ({report.duplicates_published} duplicate publishes, "
        f"{report.messages_published} messages), {report.workers} workers, {report.elapsed_seconds} s "
        f"(chaos {report.chaos_seconds} s, settle {report.settle_seconds} s, settled={report.settled})",
        f"  traffic: {_counts(report.traffic_kinds)}",
        f"  Dwolla faults injected: {_counts(report.dwolla_faults)}; token expiries: {report.token_expiries}; "
        f"Idempotency-Key expiry: {_counts(report.key_expiries)}; "
        f"scheduled actions skipped while the driver was busy: {report.skipped_actions}",
        f"  Dwolla: {_counts(report.dwolla)}",
        f"  AWS faults injected (proxy): {_counts(report.aws_faults)}",
        f"  endpoints hung (Dwolla's, and a slow DynamoDB): {_counts(report.hangs)}; phases refusing every "
        f"results-table write: "
        f"{report.refused_write_phases}",
        f"  workers killed: {report.kills} ({report.kills_mid_batch} mid-batch, "
        f"{report.kills_during_cold_start} during cold start); past the function timeout, SIGKILLed: "
        f"{report.deadline_kills}; crashed by themselves: {report.worker_crashes}",
        f"  worker totals: {_counts(report.worker_totals)}; longest batch {report.max_batch_seconds} s",
        f"  DLQ replays: {len(report.replays)} rounds, {report.replayed_messages} messages moved "
        f"({report.replayed_redriven} of them redriven by SQS without a reason attribute)",
        f"  outcomes: {_counts(verdict.by_outcome)}",
        f"  DLQ messages by reason: {_counts(verdict.dlq_reasons)}",
        f"  lost {len(verdict.lost)}, duplicate exchanges {len(verdict.duplicates)}, "
        f"CREATED mismatches {len(verdict.created_mismatches)}, orphan exchanges {len(verdict.orphan_exchanges)}, "
        f"unexpected outcomes {len(verdict.unexpected)}, DLQ messages without a reason {len(verdict.reasonless)}, "
        f"unsettled {len(verdict.unsettled)}, moved by SQS after their last receives were cut short "
        f"{len(verdict.cut_short)}, leaks {len(verdict.leaks)} "
        f"(scanned {report.issued_tokens} issued tokens; control: marker found in {report.leak_scan_control} "
        f"DLQ bodies)",
        f"  FAILED events whose row is not FAILED: {len(verdict.failed_without_failed_row)}; sender attributes "
        f"kept on DLQ messages {verdict.attributes_kept}, DLQ messages missing some {len(verdict.attributes_lost)}",
        f"  outcome events: {_counts(report.outcome_events)}; terminal results announced "
        f"{verdict.outcomes_announced}, never announced {len(verdict.outcomes_missing)}",
        f"  conflicting versions dead-lettered as ConflictingEvent {verdict.conflicts_dead_lettered}, "
        f"not {len(verdict.conflicts_missing)}",
        f"  funding sources: {verdict.funding_sources_made} CREATED events got the one they asked for; "
        f"problems {len(verdict.funding_problems)}",
        f"  held for a person (ExchangeMayExist: an unknown outcome the table never recorded): {len(verdict.held)}"
        + (f" {json.dumps(verdict.held)[:1000]}" if verdict.held else ""),
        f"  phases: {len(report.phases)} kinds; artefacts: {report.run_dir}",
    ]
    if not verdict.ok:
        lines.append("  PROBLEMS: " + json.dumps(verdict.problems(), indent=2)[:4000])
    return "\n".join(lines)


def _counts(values: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(values.items())) or "none"
