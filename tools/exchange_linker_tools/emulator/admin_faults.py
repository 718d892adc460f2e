"""Operator endpoints for injected faults: the random FaultPlan and the queue of next faults."""

from __future__ import annotations

import dataclasses

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from exchange_linker_tools.emulator.admin import ADMIN_PREFIX, Route
from exchange_linker_tools.emulator.admin_http import bad_request, field, json_object, ok
from exchange_linker_tools.emulator.faults import FaultKind, FaultPlan
from exchange_linker_tools.emulator.state import EmulatorState

_PLAN_FIELDS = {f.name for f in dataclasses.fields(FaultPlan)}


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

    p = ADMIN_PREFIX
    return [
        (Rule(f"{p}/fault-plan", methods=["GET"]), get_plan),
        (Rule(f"{p}/fault-plan", methods=["PUT"]), put_plan),
        (Rule(f"{p}/next-faults", methods=["POST"]), queue),
        (Rule(f"{p}/next-faults", methods=["GET"]), show_queue),
        (Rule(f"{p}/next-faults", methods=["DELETE"]), clear_queue),
    ]
