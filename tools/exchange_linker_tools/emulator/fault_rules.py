"""Operator fault rules: "every exchange POST for this customer (or partner) answers this Dwolla error".

A rule targets the exchange POSTs (the default) or, with ``operation="funding-source"``, the funding-source
POSTs made from that customer's (or partner's) exchanges: Dwolla refusing funding sources (issue 14).

Unlike FaultPlan's shares, a rule is deterministic and targeted, and can be set on an emulator
running in another process (POST /_emulator/faults, or the ``fault`` CLI subcommand). A rule
answers only POSTs whose body is valid: Dwolla validates a body before it calls the partner.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass
from typing import Literal

from exchange_linker_tools.emulator.error_catalog import resolve_status
from exchange_linker_tools.emulator.models import PARTNER_NAMES

Operation = Literal["exchange", "funding-source"]
OPERATIONS: tuple[Operation, ...] = ("exchange", "funding-source")


@dataclass(frozen=True)
class FaultRule:
    id: str
    code: str
    status: int
    customer_id: str | None  # lower-case canonical UUID
    partner: str | None  # canonical partner name, e.g. "Plaid"
    operation: Operation = "exchange"

    def matches(self, customer_id: str | None, partner: str, operation: Operation = "exchange") -> bool:
        """Both targets must match when both are set; an account POST has no customer."""
        customer_ok = self.customer_id is None or self.customer_id == customer_id
        return operation == self.operation and customer_ok and (self.partner is None or self.partner == partner)

    def describe(self) -> str:
        targets = [f"customer {self.customer_id}"] if self.customer_id else []
        targets += [f"partner {self.partner}"] if self.partner else []
        what = " funding sources" if self.operation == "funding-source" else ""
        return f"{self.code} ({self.status}){what} for {' and '.join(targets)}"


def canonical_customer_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise ValueError(f"customerId must be a UUID, not {value!r}") from exc


def canonical_partner(value: str) -> str:
    for name in PARTNER_NAMES:
        if name.lower() == value.strip().lower():
            return name
    raise ValueError(f"partner must be one of: {', '.join(PARTNER_NAMES)}")


class FaultRules:
    """Rules in the order added; the first that matches answers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(
        self,
        code: str,
        *,
        customer_id: str | None = None,
        partner: str | None = None,
        status: int | None = None,
        operation: str = "exchange",
    ) -> FaultRule:
        """ValueError on an unknown code, a status the code never has, a bad target, or no target at all."""
        if customer_id is None and partner is None:
            raise ValueError("a fault needs a customerId, a partner, or both")
        if operation not in OPERATIONS:
            raise ValueError(f"operation must be one of: {', '.join(OPERATIONS)}")
        resolved = resolve_status(code, status)
        customer = None if customer_id is None else canonical_customer_id(customer_id)
        name = None if partner is None else canonical_partner(partner)
        with self._lock:
            rule = FaultRule(
                str(next(self._ids)),
                code,
                resolved,
                customer,
                name,
                "funding-source" if operation == "funding-source" else "exchange",
            )
            self._rules.append(rule)
        return rule

    def match(self, customer_id: str | None, partner: str, operation: Operation = "exchange") -> FaultRule | None:
        with self._lock:
            return next((rule for rule in self._rules if rule.matches(customer_id, partner, operation)), None)

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            kept = [rule for rule in self._rules if rule.id != rule_id]
            found = len(kept) != len(self._rules)
            self._rules = kept
            return found

    def clear(self) -> int:
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
            return count
