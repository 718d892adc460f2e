"""Operator endpoints for injected faults: targeted fault rules, the random FaultPlan, the queue of next faults."""

from __future__ import annotations

import dataclasses
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from exchange_linker_tools.emulator.admin import ADMIN_PREFIX, Route
from exchange_linker_tools.emulator.admin_http import AdminError, bad_request, field, json_object, ok
from exchange_linker_tools.emulator.fault_rules import FaultRule
from exchange_linker_tools.emulator.faults import FaultKind, FaultPlan
from exchange_linker_tools.emulator.state import EmulatorState

_PLAN_FIELDS = {f.name for f in dataclasses.fields(FaultPlan)}


def rule_json(rule: FaultRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "code": rule.code,
        "status": rule.status,
        "customerId": rule.customer_id,
        "partner": rule.partner,
        "operation": rule.operation,
        "description": rule.describe(),
    }


def routes(state: EmulatorState) -> list[Route]:
    def get_plan(request: Request) -> Response:
        return ok(dataclasses.asdict(state.faults))

    def put_plan(request: Request) -> Response:
        """The whole plan, FaultPlan's field names; fields left out take their defaults (no fault)."""
        body = json_object(request, optional=True)
        unknown = sorted(set(body) - _PLAN_FIELDS)
        if unknown:
            known = ", ".join(sorted(_PLAN_FIELDS))
            raise bad_request(f"Unknown FaultPlan field(s): {', '.join(unknown)}; known: {known}.")
        values = {name: field(body, name, (int, float)) for name in body}
        try:
            plan = FaultPlan(**{k: v for k, v in values.items() if v is not None})
        except ValueError as exc:
            raise bad_request(str(exc)) from exc
        state.faults = plan  # a new plan also releases requests held by the old one's delays
        return ok(dataclasses.asdict(plan))

    def queue(request: Request) -> Response:
        body = json_object(request)
        kind_name = field(body, "kind", str, required=True)
        count = field(body, "count", int)
        count = 1 if count is None else count
        try:
            kind = FaultKind(kind_name)
        except ValueError as exc:
            raise bad_request(f"kind must be one of: {', '.join(k.value for k in FaultKind)}.") from exc
        if count < 0:
            raise bad_request("count must not be negative.")
        return ok({"queued": [k.value for k in state.queue_faults(kind, count)]})

    def show_queue(request: Request) -> Response:
        return ok({"queued": [k.value for k in state.queued_faults()]})

    def clear_queue(request: Request) -> Response:
        state.clear_queued_faults()
        return ok({"queued": []})

    def list_rules(request: Request) -> Response:
        return ok({"faults": [rule_json(rule) for rule in state.fault_rules.rules()]})

    def add_rule(request: Request) -> Response:
        """``{"code": "InvalidScope", "customerId": "<uuid>"}`` or ``{"code": ..., "partner": "Plaid"}``
        (both targets may be given; ``status`` optional, e.g. 401 for InvalidExchangeToken; ``operation``
        ``funding-source`` refuses the funding-source POSTs instead of the exchange POSTs)."""
        body = json_object(request)
        try:
            rule = state.fault_rules.add(
                field(body, "code", str, required=True),
                customer_id=field(body, "customerId", str),
                partner=field(body, "partner", str),
                status=field(body, "status", int),
                operation=field(body, "operation", str) or "exchange",
            )
        except ValueError as exc:
            raise bad_request(str(exc)) from exc
        return ok(rule_json(rule), 201)

    def clear_rules(request: Request) -> Response:
        return ok({"cleared": state.fault_rules.clear()})

    def remove_rule(request: Request, rule_id: str) -> Response:
        if not state.fault_rules.remove(rule_id):
            raise AdminError(404, "NotFound", f"No fault {rule_id}.")
        return ok({"cleared": 1})

    p = ADMIN_PREFIX
    return [
        (Rule(f"{p}/faults", methods=["GET"]), list_rules),
        (Rule(f"{p}/faults", methods=["POST"]), add_rule),
        (Rule(f"{p}/faults", methods=["DELETE"]), clear_rules),
        (Rule(f"{p}/faults/<rule_id>", methods=["DELETE"]), remove_rule),
        (Rule(f"{p}/fault-plan", methods=["GET"]), get_plan),
        (Rule(f"{p}/fault-plan", methods=["PUT"]), put_plan),
        (Rule(f"{p}/next-faults", methods=["POST"]), queue),
        (Rule(f"{p}/next-faults", methods=["GET"]), show_queue),
        (Rule(f"{p}/next-faults", methods=["DELETE"]), clear_queue),
    ]
