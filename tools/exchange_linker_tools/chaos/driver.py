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

import time
import uuid
from collections import Counter

from exchange_linker_tools.chaos.collect import build_report, dead_letters
from exchange_linker_tools.chaos.config import ChaosConfig, ChaosReport, ReplayRound
from exchange_linker_tools.chaos.events import Traffic, generate_traffic
from exchange_linker_tools.chaos.fleet import Fleet
from exchange_linker_tools.chaos.keys import KeyExpiry
from exchange_linker_tools.chaos.outbox import OutcomeRelay
from exchange_linker_tools.chaos.proxy import DYNAMODB, DYNAMODB_ACCESS_DENIED, AwsFaultProxy, AwsFaultRates
from exchange_linker_tools.chaos.publisher import Publisher, queue_depth
from exchange_linker_tools.chaos.replays import replay_transient
from exchange_linker_tools.chaos.report import format_report
from exchange_linker_tools.chaos.schedule import ActionKind, Schedule, build_schedule
from exchange_linker_tools.chaos.stack import chaos_stack
from exchange_linker_tools.emulator import FaultPlan
from exchange_linker_tools.local_stack import LocalStack

__all__ = ["ChaosConfig", "ChaosReport", "ChaosRun", "chaos_stack", "dead_letters", "format_report", "run_chaos"]

TICK_SECONDS = 0.1
UPDATE_ITEM = "DynamoDB_20120810.UpdateItem"  # the results table's only write


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
        attribute_share=config.attribute_share,
        oversized_share=config.oversized_share,
        conflict_share=config.conflict_share,
        funding_share=config.funding_share,
    )
    schedule = build_schedule(config.seed, config.schedule)
    with chaos_stack(config) as (stack, proxy, fleet):
        return ChaosRun(config, traffic=traffic, schedule=schedule, stack=stack, proxy=proxy, fleet=fleet).run()


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
        self.publisher = Publisher(stack, traffic.publish_order, config.publish_rate, config.publish_window)
        self.keys = KeyExpiry(stack.emulator, fleet)
        self.relay = OutcomeRelay(stack, proxy, config.run_dir)
        self.phases: Counter[str] = Counter()
        self.hangs: Counter[str] = Counter()  # hang phases by endpoint
        self.refused_write_phases = 0  # phases in which the results table refused every write
        self.replays: list[ReplayRound] = []
        self.expiries = 0
        self.skipped_actions = 0
        self.started = time.monotonic()
        self.chaos_seconds = 0.0
        self.settle_seconds = 0.0
        self.settled = False

    def run(self) -> ChaosReport:
        self.started = time.monotonic()
        for kind in self.schedule.opening:
            self.stack.emulator.queue_faults(kind)
        self.fleet.start()
        self.relay.start()
        try:
            self._chaos()
            self.chaos_seconds = time.monotonic() - self.started
            self._settle()
            self.settle_seconds = time.monotonic() - self.started - self.chaos_seconds
            self.fleet.stop()
        finally:
            self.relay.finish()
        return build_report(self, time.monotonic() - self.started)

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
                emulator.heal()
                self.proxy.refuse(UPDATE_ITEM, DYNAMODB_ACCESS_DENIED if phase.refuse_writes else None)
                self.refused_write_phases += phase.refuse_writes
                self.proxy.hold(DYNAMODB, phase.slow_dynamodb)
                if phase.slow_dynamodb is not None:
                    self.hangs["dynamodb (slow)"] += 1
                if phase.hang is not None:
                    endpoint, seconds = phase.hang
                    emulator.hang(endpoint, seconds)
                    self.hangs[endpoint] += 1
            # One action of each kind at most per tick: after a slow step (a replay over a long DLQ), the
            # missed ones are dropped, not fired in a burst.
            due = {action.kind: action for action in reversed(self.schedule.actions_between(last, now))}
            self.skipped_actions += len(self.schedule.actions_between(last, now)) - len(due)
            for action in due.values():
                self._act(action.kind, action.slot)
            last = now
            self.keys.forget_when_safe()
            self.fleet.check()
            self.relay.check()
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
        elif kind is ActionKind.EXPIRE_KEYS:
            if self.config.key_expiry:
                self.keys.day_passes()
        else:
            self.replays.append(replay_transient(self.stack, self.started))

    def _settle(self) -> None:
        """Faults off, nobody killed; replay until a round finds nothing replayable."""
        self.keys.finish()
        self.stack.emulator.faults = FaultPlan()
        self.stack.emulator.heal()
        self.proxy.rates = AwsFaultRates()
        self.proxy.refuse(UPDATE_ITEM, None)
        self.proxy.hold(DYNAMODB, None)
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
            self.relay.check()
            depth = queue_depth(self.stack)
            sent = self.publisher.top_up(depth, elapsed=float("inf"))
            if self.publisher.done and depth == 0 and sent == 0:
                return True
            time.sleep(TICK_SECONDS)
        return False
