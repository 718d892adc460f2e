"""Fault injection for exchange POSTs, so clients can be tested against a misbehaving Dwolla."""

from __future__ import annotations

import random
from dataclasses import dataclass, fields
from enum import StrEnum


class FaultKind(StrEnum):
    """One injected failure; the value is the key used in ``EmulatorStats.faults_injected``."""

    SERVER_ERROR = "server_error"
    UNAVAILABLE = "unavailable"
    RATE_LIMIT = "rate_limit"
    TIMEOUT_AFTER_CREATE = "timeout_after_create"
    CONNECTION_RESET = "connection_reset"
    SERVER_ERROR_AFTER_CREATE = "server_error_after_create"  # created, answered 500, then 409s on the key


# Order matters: one random draw is compared against the cumulative shares in this order.
_RATE_FIELDS: tuple[tuple[str, FaultKind], ...] = (
    ("server_error_rate", FaultKind.SERVER_ERROR),
    ("unavailable_rate", FaultKind.UNAVAILABLE),
    ("rate_limit_rate", FaultKind.RATE_LIMIT),
    ("timeout_after_create_rate", FaultKind.TIMEOUT_AFTER_CREATE),
    ("connection_reset_rate", FaultKind.CONNECTION_RESET),
    ("server_error_after_create_rate", FaultKind.SERVER_ERROR_AFTER_CREATE),  # last: older seeds replay unchanged
)


@dataclass
class FaultPlan:
    """Shares of exchange POSTs that fail, and how; mutable while the emulator runs.

    Rates are probabilities in [0, 1] whose sum must not exceed 1 (checked on construction;
    in-place edits are not re-checked, later kinds are then simply truncated).
    """

    latency: float = 0.0
    server_error_rate: float = 0.0
    unavailable_rate: float = 0.0
    rate_limit_rate: float = 0.0
    timeout_after_create_rate: float = 0.0
    timeout_delay: float = 5.0
    connection_reset_rate: float = 0.0
    server_error_after_create_rate: float = 0.0
    # 409s the key answers after a server_error_after_create; a whole number, typed float so that
    # plans built from dict[str, float] (the chaos schedule) type-check.
    conflicts_after_server_error: float = 2

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Reject plans that cannot be honoured, so a typo fails loudly instead of skewing a run."""
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ValueError(f"FaultPlan.{f.name} must not be negative")
        if self.conflicts_after_server_error != int(self.conflicts_after_server_error):
            raise ValueError("FaultPlan.conflicts_after_server_error must be a whole number")
        rates = [getattr(self, name) for name, _ in _RATE_FIELDS]
        if any(rate > 1 for rate in rates) or sum(rates) > 1 + 1e-9:
            raise ValueError("FaultPlan rates must each be <= 1 and sum to <= 1")

    def pick(self, rng: random.Random) -> FaultKind | None:
        """Draw exactly one number, so a seeded run replays the same faults for the same requests."""
        draw = rng.random()
        threshold = 0.0
        for name, kind in _RATE_FIELDS:
            threshold += getattr(self, name)
            if draw < threshold:
                return kind
        return None
