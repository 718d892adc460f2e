"""The seeded fault schedule: phases of Dwolla and AWS misbehaviour, and timed actions.

Everything the run does to the system comes from here, drawn from one seed, so a run can be repeated
with the same faults at the same moments. (Which request a fault hits still depends on timing across
processes; the schedule, the traffic and the emulator's and proxy's RNG seeds do not.)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from exchange_linker_tools.chaos.proxy import AwsFaultRates
from exchange_linker_tools.emulator.hangs import HangEndpoint


class ActionKind(StrEnum):
    KILL = "kill"  # SIGKILL a worker (a Lambda container dying mid-batch), start a new one
    EXPIRE_TOKENS = "expire_tokens"  # the emulator forgets every access token it issued
    REPLAY = "replay"  # an operator replays the DLQ's transient failures
    EXPIRE_KEYS = "expire_keys"  # a day passes: Dwolla forgets its Idempotency-Keys, every clock moves on


@dataclass(frozen=True)
class Action:
    at: float  # seconds since the start of the run
    kind: ActionKind
    slot: int = 0  # which worker, for KILL


@dataclass(frozen=True)
class Phase:
    start: float
    label: str
    dwolla: dict[str, float] = field(default_factory=dict)  # FaultPlan fields
    aws: AwsFaultRates = field(default_factory=AwsFaultRates)
    hang: tuple[HangEndpoint, float] | None = None  # an emulator endpoint held this many seconds per request
    refuse_writes: bool = False  # every results-table UpdateItem refused (AccessDenied), reads still work
    slow_dynamodb: float | None = None  # every DynamoDB request held this many seconds, then forwarded


@dataclass(frozen=True)
class ScheduleSettings:
    horizon: float = 1200.0  # seconds of schedule generated; a run uses a prefix
    phase_seconds: tuple[float, float] = (1.5, 6.0)
    outage_seconds: tuple[float, float] = (6.0, 9.0)  # past every receive of a message (1 s retry delay)
    calm_share: float = 0.25  # share of phases without faults
    kill_every: tuple[float, float] = (4.0, 12.0)
    expire_every: tuple[float, float] = (5.0, 15.0)
    replay_every: tuple[float, float] = (8.0, 16.0)
    expire_keys_every: tuple[float, float] = (10.0, 25.0)
    timeout_delay: float = 0.9  # above the workers' DWOLLA_READ_TIMEOUT
    hang_seconds: tuple[float, float] = (2.0, 20.0)  # held requests; the longest outlive the function's timeout
    # A slow DynamoDB: past the consumer's 2 s read timeout its calls are retried while the first lands, and
    # an invocation caught in its writes may outlive the function's timeout (the watchdog's SIGKILL).
    slow_dynamodb_seconds: tuple[float, float] = (0.8, 4.0)
    # Queued for the first exchange POSTs, whenever the workers get there: a slow cold start under load
    # cannot make a run accidentally calm.
    opening: tuple[str, ...] = ("server_error", "timeout_after_create", "rate_limit", "connection_reset")
    workers: int = 2


@dataclass(frozen=True)
class Schedule:
    phases: list[Phase]
    actions: list[Action]
    opening: tuple[str, ...] = ()  # emulator FaultKinds queued before the workers start

    def phase_at(self, moment: float) -> Phase:
        current = self.phases[0]
        for phase in self.phases:
            if phase.start > moment:
                break
            current = phase
        return current

    def actions_between(self, start: float, end: float) -> list[Action]:
        return [action for action in self.actions if start <= action.at < end]


DWOLLA_KINDS = ("5xx", "503-html", "429", "timeout-after-create", "reset", "slow", "mixed", "outage", "hang")
HANG_ENDPOINTS: tuple[HangEndpoint, ...] = ("exchange-post", "token", "exchange-partners")
AWS_KINDS = ("dynamodb", "secrets", "events", "writes", "both", "none")


def build_schedule(seed: int, settings: ScheduleSettings | None = None) -> Schedule:
    """Fault kinds are dealt from shuffled decks, so every kind shows up early, in a seeded order; the
    first phase is never calm."""
    settings = settings or ScheduleSettings()
    rng = random.Random(f"schedule:{seed}")  # noqa: S311 - reproducible chaos, not security
    # Half the DynamoDB phases are slow instead of failing, drawn apart so a seed's other faults stay put.
    slow_rng = random.Random(f"slow-dynamodb:{seed}")  # noqa: S311
    phases: list[Phase] = []
    dwolla_deck: list[str] = []
    aws_deck: list[str] = []
    moment = 0.0
    while moment < settings.horizon:
        if phases and rng.random() < settings.calm_share:
            phases.append(Phase(moment, "calm"))
        else:
            dwolla_deck = dwolla_deck or rng.sample(DWOLLA_KINDS, len(DWOLLA_KINDS))
            aws_deck = aws_deck or rng.sample(AWS_KINDS, len(AWS_KINDS))
            aws_kind = aws_deck.pop()
            if aws_kind == "dynamodb" and slow_rng.random() < 0.5:
                aws_kind = f"slow-dynamodb:{round(slow_rng.uniform(*settings.slow_dynamodb_seconds), 1)}"
            phases.append(_phase(moment, dwolla_deck.pop(), aws_kind, rng, settings))
        duration = rng.uniform(*settings.phase_seconds)
        if phases[-1].label.startswith("dwolla:outage"):
            duration = rng.uniform(*settings.outage_seconds)
        moment += duration
    actions: list[Action] = []
    for kind, every in (
        (ActionKind.KILL, settings.kill_every),
        (ActionKind.EXPIRE_TOKENS, settings.expire_every),
        (ActionKind.REPLAY, settings.replay_every),
        (ActionKind.EXPIRE_KEYS, settings.expire_keys_every),
    ):
        moment = rng.uniform(*every)
        while moment < settings.horizon:
            actions.append(Action(moment, kind, rng.randrange(settings.workers)))
            moment += rng.uniform(*every)
    return Schedule(phases, sorted(actions, key=lambda action: action.at), settings.opening)


def _phase(start: float, dwolla_kind: str, aws_kind: str, rng: random.Random, settings: ScheduleSettings) -> Phase:
    dwolla: dict[str, Any] = {"latency": rng.choice([0.0, 0.0, 0.01, 0.05])}
    hang: tuple[HangEndpoint, float] | None = None
    high = rng.uniform(0.2, 0.6)
    if dwolla_kind == "5xx":
        dwolla["server_error_rate"] = high
    elif dwolla_kind == "503-html":
        dwolla["unavailable_rate"] = high
    elif dwolla_kind == "429":
        dwolla["rate_limit_rate"] = high / 2
    elif dwolla_kind == "timeout-after-create":
        dwolla.update(timeout_after_create_rate=high, timeout_delay=settings.timeout_delay)
    elif dwolla_kind == "reset":
        dwolla["connection_reset_rate"] = high
    elif dwolla_kind == "slow":  # past the read timeout: the exchange is created after the client gave up
        dwolla["latency"] = settings.timeout_delay
    elif dwolla_kind == "outage":  # long enough to exhaust every receive: transient failures reach the DLQ
        dwolla["server_error_rate" if rng.random() < 0.5 else "unavailable_rate"] = rng.uniform(0.9, 1.0)
    elif dwolla_kind == "hang":  # requests held, then answered: a real deadline for the invocation
        hang = (rng.choice(HANG_ENDPOINTS), round(rng.uniform(*settings.hang_seconds), 1))
    elif dwolla_kind == "mixed":
        dwolla.update(
            server_error_rate=0.06,
            unavailable_rate=0.06,
            rate_limit_rate=0.03,
            timeout_after_create_rate=0.06,
            timeout_delay=settings.timeout_delay,
            connection_reset_rate=0.06,
        )
    # The consumer's boto3 config makes 4 attempts (max_attempts=3 counts retries): it sees about rate**4.
    aws_rate = rng.uniform(0.5, 0.9)
    split = rng.random()
    aws = AwsFaultRates(
        dynamodb_throttle=aws_rate * split if aws_kind in {"dynamodb", "both"} else 0.0,
        dynamodb_internal=aws_rate * (1 - split) if aws_kind in {"dynamodb", "both"} else 0.0,
        secrets_throttle=aws_rate * split if aws_kind in {"secrets", "both"} else 0.0,
        secrets_internal=aws_rate * (1 - split) if aws_kind in {"secrets", "both"} else 0.0,
        events_internal=aws_rate if aws_kind == "events" else 0.0,  # the outcome publisher's PutEvents
    )
    slow = float(aws_kind.partition(":")[2]) if aws_kind.startswith("slow-dynamodb:") else None
    label = f"dwolla:{dwolla_kind} aws:{aws_kind.partition(':')[0]}"
    return Phase(start, label, dwolla, aws, hang, refuse_writes=aws_kind == "writes", slow_dynamodb=slow)
