"""Drives a chaos run: the real pipeline, many events, seeded faults, then a verdict from the final state.

Processes on loopback only: moto server (its own process), the Dwolla emulator and the AWS fault proxy
(threads of this process), and N workers (`chaos.worker`, each a "Lambda container" running
functions/link_completed/app.py under SqsEventSource). The driver publishes, follows the seeded
schedule (fault phases, SIGKILLs, token expiries, DLQ replays), lets the system settle with faults off,
stops the workers and hands everything it can read to `verify`.

Time is scaled down, and that is the only liberty: a failed message comes back after `retry_delay`
(as the local poller always does), the queue's visibility timeout is `visibility_timeout` (so a killed
container's batch returns in seconds, not 3 minutes), and in the workers the time a container's limiter
needs without a 429 to lift its pacing is `cool_down` (its floor scaled alike) and backoff.py's delays
are `backoff` (what a container killed right after backing a message off leaves set). No code path
differs from production.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.bootstrap import build_replayer
from exchange_linker.replay.filter import ReplayFilter
from exchange_linker.replay.message import DeadLetterView
from exchange_linker.replay.pacing import Deadline
from exchange_linker.replay.replayer import Action as ReplayAction
from exchange_linker_tools.chaos.events import ChaosEvent, Traffic, generate_traffic
from exchange_linker_tools.chaos.proxy import AwsFaultProxy, AwsFaultRates
from exchange_linker_tools.chaos.schedule import ActionKind, Schedule, ScheduleSettings, build_schedule
from exchange_linker_tools.chaos.verify import (
    DeadLetterRecord,
    DwollaExchange,
    Secret,
    Verdict,
    is_replayable,
    verify,
)
from exchange_linker_tools.emulator import DwollaEmulator, FaultPlan
from exchange_linker_tools.local_stack import DEFAULT_REGION, LocalStack, aws_environment
from exchange_linker_tools.moto_server import exported, moto_process
from exchange_linker_tools.provision import provision

TICK_SECONDS = 0.1
STOP_GRACE_SECONDS = 30.0
PUBLISH_WINDOW = 50  # moto scans a queue as a list on every receive (quadratic): keep it short


@dataclass
class ChaosConfig:
    seed: int = 1
    events: int = 150
    workers: int = 2
    run_dir: Path = field(default_factory=lambda: Path("chaos-run"))
    publish_rate: float = 10.0  # messages per second
    permanent_share: float = 0.06  # events Dwolla refuses for good (scripted credentials, unknown customer)
    invalid_share: float = 0.03  # contract violations with a usable eventId
    garbage_share: float = 0.01  # bodies that are not events at all
    retry_delay: int = 1
    visibility_timeout: int = 12  # above the longest batch seen under AWS throttling (~10 s)
    read_timeout: float = 0.5
    cool_down: float = 2.0
    backoff: tuple[float, float, float] = (1.0, 2.0, 8.0)  # backoff.py's first retry, 429 penalty, maximum
    chaos_seconds: float = 900.0  # faults stop after this even if the traffic has not drained
    settle_seconds: float = 120.0
    settle_rounds: int = 8
    aws_endpoint: str | None = None  # default: a moto server process of the run's own
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)


@dataclass
class ReplayRound:
    at: float
    scanned: int
    moved: int
    by_code: dict[str, int]
    reason_from: dict[str, int]


@dataclass
class ChaosReport:
    seed: int
    events: int
    duplicates_published: int
    messages_published: int
    workers: int
    elapsed_seconds: float
    chaos_seconds: float
    settle_seconds: float
    settled: bool
    phases: dict[str, int]
    dwolla_faults: dict[str, int]
    dwolla: dict[str, int]
    aws_faults: dict[str, int]
    kills: int
    kills_mid_batch: int
    kills_during_cold_start: int
    token_expiries: int
    skipped_actions: int
    worker_crashes: int
    worker_totals: dict[str, int]
    max_batch_seconds: float
    replays: list[ReplayRound]
    issued_tokens: int
    leak_scan_control: int  # DLQ bodies in which the scan found the marker (bodies may hold credentials)
    verdict: Verdict
    run_dir: str

    @property
    def replayed_messages(self) -> int:
        return sum(round_.moved for round_ in self.replays)

    @property
    def replayed_redriven(self) -> int:
        """Replayed messages SQS's own redrive had moved (no reason attribute; the table gave the reason)."""
        return sum(round_.reason_from.get("results", 0) for round_ in self.replays)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdict"] = {**asdict(self.verdict), "ok": self.verdict.ok}
        data["replayedMessages"] = self.replayed_messages
        data["replayedRedriven"] = self.replayed_redriven
        return data


# ---------------------------------------------------------------------------------------------- processes


@dataclass
class WorkerProcess:
    number: int
    process: subprocess.Popen[bytes]
    out: Path
    err: Path
    files: list[IO[bytes]]

    def last_marker(self) -> str | None:
        for line in reversed(self.err.read_text(errors="replace").splitlines()):
            if line.startswith('{"chaos"'):
                return str(json.loads(line)["chaos"])
        return None


class Fleet:
    """The worker processes: started, killed (SIGKILL, as a container dies), replaced, stopped."""

    def __init__(self, config: ChaosConfig, environment: dict[str, str], resources: Any) -> None:
        self._config = config
        self._environment = environment
        self._resources = resources
        self._slots: list[WorkerProcess | None] = [None] * config.workers
        self._started: list[WorkerProcess] = []
        self.kills = 0
        self.kills_mid_batch = 0
        self.kills_during_cold_start = 0
        self.crashes = 0

    def start(self) -> None:
        for slot in range(len(self._slots)):
            self._spawn(slot)

    def _spawn(self, slot: int) -> None:
        number = len(self._started)
        out = self._config.run_dir / f"worker-{number:03d}.out"
        err = self._config.run_dir / f"worker-{number:03d}.err"
        files: list[IO[bytes]] = [out.open("wb"), err.open("wb")]
        resources = self._resources
        process = subprocess.Popen(  # noqa: S603 - our own module, no shell
            [
                sys.executable,
                "-m",
                "exchange_linker_tools.chaos.worker",
                "--queue-url",
                resources.queue_url,
                "--queue-arn",
                resources.queue_arn,
                "--region",
                resources.region,
                "--batch-size",
                str(resources.batch_size),
                "--retry-delay",
                str(self._config.retry_delay),
                "--cool-down",
                str(self._config.cool_down),
                "--backoff",
                *(str(seconds) for seconds in self._config.backoff),
            ],
            env=self._environment,
            stdin=subprocess.DEVNULL,
            stdout=files[0],
            stderr=files[1],
        )
        worker = WorkerProcess(number, process, out, err, files)
        self._slots[slot] = worker
        self._started.append(worker)

    def kill(self, slot: int) -> None:
        worker = self._slots[slot]
        if worker is None or worker.process.poll() is not None:
            return
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait()
        self._close(worker)
        self.kills += 1
        marker = worker.last_marker()
        self.kills_mid_batch += marker == "invoke"
        self.kills_during_cold_start += marker in {None, "starting"}
        self._spawn(slot)

    def check(self) -> None:
        """A worker that exited by itself crashed: count it (the report shows it) and replace it."""
        for slot, worker in enumerate(self._slots):
            if worker is not None and worker.process.poll() is not None:
                self._close(worker)
                self.crashes += 1
                self._spawn(slot)

    def stop(self) -> None:
        live = [worker for worker in self._slots if worker is not None and worker.process.poll() is None]
        for worker in live:
            worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for worker in live:
            try:
                worker.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
        for worker in self._started:
            self._close(worker)
        self._slots = [None] * len(self._slots)

    @staticmethod
    def _close(worker: WorkerProcess) -> None:
        for handle in worker.files:
            handle.close()

    @property
    def workers(self) -> list[WorkerProcess]:
        return list(self._started)


# ---------------------------------------------------------------------------------------------- the run


class Publisher:
    """Publishes at `rate` messages per second (upstream traffic arrives over time, so the faults meet
    it), never letting the queue hold more than PUBLISH_WINDOW."""

    def __init__(self, stack: LocalStack, order: list[ChaosEvent], rate: float) -> None:
        self._stack = stack
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
        while self._pending and depth < PUBLISH_WINDOW and sent < due:
            chunk = [self._pending.pop() for _ in range(min(10, len(self._pending), due - sent))]
            response = self._stack.sqs.send_message_batch(
                QueueUrl=self._stack.resources.queue_url,
                Entries=[{"Id": str(index), "MessageBody": event.body} for index, event in enumerate(chunk)],
            )
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} events")
            self.published += len(chunk)
            sent += len(chunk)
            depth += len(chunk)
        return sent


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


class Replayable(ReplayFilter):
    """The replay core's filter, narrowed to what may succeed now (see `verify.is_replayable`)."""

    def matches(self, view: DeadLetterView) -> bool:
        return is_replayable(view.error_code) and super().matches(view)


def replay_transient(stack: LocalStack, started: float) -> ReplayRound:
    """Replay the DLQ's transient failures through the project's replay core (send first, delete after).

    A message's reason comes from its attributes, or, for one SQS's own redrive moved, from the table.
    One pass over the DLQ: moto scans a queue as a list on every receive, so each pass is costly.
    """
    resources = stack.resources
    replayer = build_replayer(
        AwsClients(),
        resources.dead_letter_queue_url,
        resources.queue_url,
        results_table_name=resources.table_name,
        deadline=Deadline.in_seconds(60),
        receive_wait_seconds=0,
    )
    summary = replayer.run(Replayable(), dry_run=False)
    moved = [row for row in summary.rows if row.action in {ReplayAction.MOVED, ReplayAction.NOT_DELETED}]
    return ReplayRound(
        round(time.monotonic() - started, 2),
        summary.scanned,
        summary.moved,
        dict(Counter(row.view.error_code or "?" for row in moved)),
        dict(Counter(row.view.reason_from for row in moved)),
    )


def run_chaos(config: ChaosConfig) -> ChaosReport:
    config.run_dir.mkdir(parents=True, exist_ok=True)
    marker = f"CHAOSSECRET{config.seed}x{uuid.uuid4().hex[:8]}"
    traffic = generate_traffic(
        config.events,
        seed=config.seed,
        marker=marker,
        permanent_share=config.permanent_share,
        invalid_share=config.invalid_share,
        garbage_share=config.garbage_share,
    )
    schedule = build_schedule(config.seed, config.schedule)
    with chaos_stack(config) as (stack, proxy, fleet):
        return ChaosRun(config, traffic=traffic, schedule=schedule, stack=stack, proxy=proxy, fleet=fleet).run()


@contextmanager
def chaos_stack(config: ChaosConfig) -> Iterator[tuple[LocalStack, AwsFaultProxy, Fleet]]:
    """moto, the emulator (with a distinctive client secret), the stack from template.yaml, the proxy,
    and a fleet of workers not started yet; everything is stopped on the way out."""
    config.run_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as exit_stack:
        endpoint = config.aws_endpoint or exit_stack.enter_context(moto_process())
        exit_stack.enter_context(exported(aws_environment(endpoint, DEFAULT_REGION), cleared=()))
        emulator = exit_stack.enter_context(
            DwollaEmulator(
                client_key=f"chaos-key-{uuid.uuid4().hex[:8]}",
                client_secret=f"chaos-client-secret-{uuid.uuid4().hex}",
                seed=config.seed,
            )
        )
        resources = provision(
            f"chaos-{config.seed}-{uuid.uuid4().hex[:6]}",
            region=DEFAULT_REGION,
            parameters={"DwollaApiUrl": emulator.url},
            credentials={"key": emulator.client_key, "secret": emulator.client_secret},
        )
        stack = LocalStack(resources=resources, emulator=emulator, aws_endpoint=endpoint)
        stack.sqs.set_queue_attributes(
            QueueUrl=resources.queue_url, Attributes={"VisibilityTimeout": str(config.visibility_timeout)}
        )
        proxy = exit_stack.enter_context(AwsFaultProxy(endpoint, seed=config.seed))
        fleet = Fleet(config, worker_environment(stack, proxy, config), resources)
        exit_stack.callback(fleet.stop)
        yield stack, proxy, fleet


def worker_environment(stack: LocalStack, proxy: AwsFaultProxy, config: ChaosConfig) -> dict[str, str]:
    """The function's environment (as the template declares it) with DynamoDB and Secrets Manager behind the proxy."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "POWERTOOLS_", "DWOLLA_")) and name not in {"LOG_LEVEL"}
    }
    return {
        **inherited,
        **stack.environment(),
        "AWS_ENDPOINT_URL_DYNAMODB": proxy.url,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": proxy.url,
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
        "LOG_LEVEL": "DEBUG",
        "POWERTOOLS_DEV": "false",
        "DWOLLA_READ_TIMEOUT": str(config.read_timeout),
        "PYTHONUNBUFFERED": "1",  # a SIGKILLed worker must not take unflushed log lines with it
    }


class ChaosRun:
    """One run's moving parts and what happened to them; `run()` drives it and returns the report."""

    def __init__(
        self,
        config: ChaosConfig,
        *,
        traffic: Traffic,
        schedule: Schedule,
        stack: LocalStack,
        proxy: AwsFaultProxy,
        fleet: Fleet,
    ) -> None:
        self.config = config
        self.traffic = traffic
        self.schedule = schedule
        self.stack = stack
        self.proxy = proxy
        self.fleet = fleet
        self.publisher = Publisher(stack, traffic.publish_order, config.publish_rate)
        self.phases: Counter[str] = Counter()
        self.replays: list[ReplayRound] = []
        self.expiries = 0
        self.skipped_actions = 0
        self.started = time.monotonic()
        self.chaos_seconds = 0.0
        self.settle_seconds = 0.0
        self.settled = False

    def run(self) -> ChaosReport:
        self.started = time.monotonic()
        self.fleet.start()
        self._chaos()
        self.chaos_seconds = time.monotonic() - self.started
        self._settle()
        self.settle_seconds = time.monotonic() - self.started - self.chaos_seconds
        self.fleet.stop()
        return self._report(time.monotonic() - self.started)

    def _chaos(self) -> None:
        """Faults on, until every message was published and the queue drained (or time is up)."""
        emulator, last, current = self.stack.emulator, 0.0, None
        while True:
            now = time.monotonic() - self.started
            phase = self.schedule.phase_at(now)
            if phase is not current:
                current = phase
                self.phases[phase.label] += 1
                emulator.faults = FaultPlan(**phase.dwolla)
                self.proxy.rates = phase.aws
            # One action of each kind at most per tick: after a slow step (a replay over a long DLQ), the
            # missed ones are dropped, not fired in a burst.
            due = {action.kind: action for action in reversed(self.schedule.actions_between(last, now))}
            self.skipped_actions += len(self.schedule.actions_between(last, now)) - len(due)
            for action in due.values():
                self._act(action.kind, action.slot)
            last = now
            self.fleet.check()
            depth = queue_depth(self.stack)
            sent = self.publisher.top_up(depth, now)
            if (self.publisher.done and depth == 0 and sent == 0) or now > self.config.chaos_seconds:
                return
            time.sleep(TICK_SECONDS)

    def _act(self, kind: ActionKind, slot: int) -> None:
        if kind is ActionKind.KILL:
            # Only while traffic flows: each kill holds its batch back for a visibility timeout, so
            # kills in the tail would only stretch the run.
            if not self.publisher.done:
                self.fleet.kill(slot)
        elif kind is ActionKind.EXPIRE_TOKENS:
            self.stack.emulator.expire_all_tokens()
            self.expiries += 1
        else:
            self.replays.append(replay_transient(self.stack, self.started))

    def _settle(self) -> None:
        """Faults off, nobody killed; replay until a round finds nothing replayable."""
        self.stack.emulator.faults = FaultPlan()
        self.proxy.rates = AwsFaultRates()
        deadline = time.monotonic() + self.config.settle_seconds
        for _ in range(self.config.settle_rounds):
            if not self._drained_by(deadline):
                return
            round_ = replay_transient(self.stack, self.started)
            self.replays.append(round_)
            if round_.moved == 0:
                self.settled = True
                return

    def _drained_by(self, deadline: float) -> bool:
        """Every message published (what the chaos phase had no time for goes now) and the queue empty."""
        while time.monotonic() < deadline:
            self.fleet.check()
            depth = queue_depth(self.stack)
            sent = self.publisher.top_up(depth, elapsed=float("inf"))
            if self.publisher.done and depth == 0 and sent == 0:
                return True
            time.sleep(TICK_SECONDS)
        return False

    def _report(self, elapsed: float) -> ChaosReport:
        config, stack, fleet, traffic = self.config, self.stack, self.fleet, self.traffic
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
        )
        stats = emulator.stats
        worker_totals, max_batch = worker_progress(fleet)
        report = ChaosReport(
            seed=config.seed,
            events=len(traffic.events),
            duplicates_published=traffic.duplicates,
            messages_published=self.publisher.published,
            workers=config.workers,
            elapsed_seconds=round(elapsed, 1),
            chaos_seconds=round(self.chaos_seconds, 1),
            settle_seconds=round(self.settle_seconds, 1),
            settled=self.settled,
            phases=dict(self.phases),
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
            aws_faults=self.proxy.injected(),
            kills=fleet.kills,
            kills_mid_batch=fleet.kills_mid_batch,
            kills_during_cold_start=fleet.kills_during_cold_start,
            token_expiries=self.expiries,
            skipped_actions=self.skipped_actions,
            worker_crashes=fleet.crashes,
            worker_totals=worker_totals,
            max_batch_seconds=max_batch,
            replays=self.replays,
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


def dead_letters(stack: LocalStack) -> list[DeadLetterRecord]:
    return [
        DeadLetterRecord(
            message_id=message["MessageId"],
            body=message.get("Body", ""),
            attributes={
                name: str(value.get("StringValue", "")) for name, value in message.get("MessageAttributes", {}).items()
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


def format_report(report: ChaosReport) -> str:
    verdict = report.verdict
    lines = [
        f"chaos run seed={report.seed}: {report.events} events ({report.duplicates_published} duplicate publishes, "
        f"{report.messages_published} messages), {report.workers} workers, {report.elapsed_seconds} s "
        f"(chaos {report.chaos_seconds} s, settle {report.settle_seconds} s, settled={report.settled})",
        f"  Dwolla faults injected: {_counts(report.dwolla_faults)}; token expiries: {report.token_expiries}; "
        f"scheduled actions skipped while the driver was busy: {report.skipped_actions}",
        f"  Dwolla: {_counts(report.dwolla)}",
        f"  AWS faults injected (proxy): {_counts(report.aws_faults)}",
        f"  workers killed: {report.kills} ({report.kills_mid_batch} mid-batch, "
        f"{report.kills_during_cold_start} during cold start); crashed by themselves: {report.worker_crashes}",
        f"  worker totals: {_counts(report.worker_totals)}; longest batch {report.max_batch_seconds} s",
        f"  DLQ replays: {len(report.replays)} rounds, {report.replayed_messages} messages moved "
        f"({report.replayed_redriven} of them redriven by SQS without a reason attribute)",
        f"  outcomes: {_counts(verdict.by_outcome)}",
        f"  DLQ messages by reason: {_counts(verdict.dlq_reasons)}",
        f"  lost {len(verdict.lost)}, duplicate exchanges {len(verdict.duplicates)}, "
        f"CREATED mismatches {len(verdict.created_mismatches)}, orphan exchanges {len(verdict.orphan_exchanges)}, "
        f"unexpected outcomes {len(verdict.unexpected)}, DLQ messages without a reason {len(verdict.reasonless)}, "
        f"unsettled {len(verdict.unsettled)}, leaks {len(verdict.leaks)} "
        f"(scanned {report.issued_tokens} issued tokens; control: marker found in {report.leak_scan_control} "
        f"DLQ bodies)",
        f"  FAILED events whose row is not FAILED: {len(verdict.failed_without_failed_row)}",
        f"  phases: {len(report.phases)} kinds; artefacts: {report.run_dir}",
    ]
    if not verdict.ok:
        lines.append("  PROBLEMS: " + json.dumps(verdict.problems(), indent=2)[:4000])
    return "\n".join(lines)


def _counts(values: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(values.items())) or "none"
