"""Operator endpoints that shape traffic: the rate limit over the whole API, and per-endpoint hangs."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from exchange_linker_tools.emulator.admin import ADMIN_PREFIX, Route
from exchange_linker_tools.emulator.admin_http import bad_request, field, json_object, ok
from exchange_linker_tools.emulator.hangs import Hang
from exchange_linker_tools.emulator.rate_limit import RateLimit
from exchange_linker_tools.emulator.state import EmulatorState


def rate_limit_json(limit: RateLimit | None) -> dict[str, Any]:
    if limit is None:
        return {"requestsPerSecond": None, "burst": None}
    return {"requestsPerSecond": limit.requests_per_second, "burst": limit.burst}


def hang_json(hang: Hang) -> dict[str, Any]:
    return {"endpoint": hang.endpoint, "seconds": hang.seconds}


def routes(state: EmulatorState) -> list[Route]:
    def get_rate_limit(request: Request) -> Response:
        return ok(rate_limit_json(state.rate_limit.limit))

    def put_rate_limit(request: Request) -> Response:
        """``{"requestsPerSecond": 5, "burst": 10}``; ``burst`` optional; a null rate turns the limit off."""
        body = json_object(request)
        if "requestsPerSecond" not in body:
            raise bad_request("requestsPerSecond is required (a number, or null to turn the limit off).")
        rate = field(body, "requestsPerSecond", (int, float))
        burst = field(body, "burst", (int, float))
        try:
            return ok(rate_limit_json(state.rate_limit.configure(rate, burst)))
        except ValueError as exc:
            raise bad_request(str(exc)) from exc

    def delete_rate_limit(request: Request) -> Response:
        return ok(rate_limit_json(state.rate_limit.configure(None)))

    def list_hangs(request: Request) -> Response:
        return ok({"hangs": [hang_json(h) for h in state.hangs.current().values()]})

    def add_hang(request: Request) -> Response:
        """``{"endpoint": "token", "seconds": 5}``; without seconds (or null) the endpoint hangs until healed."""
        body = json_object(request)
        endpoint = field(body, "endpoint", str, required=True)
        seconds = field(body, "seconds", (int, float))
        try:
            return ok(hang_json(state.hangs.set(endpoint, seconds)), 201)
        except ValueError as exc:
            raise bad_request(str(exc)) from exc

    def heal(request: Request, endpoint: str | None = None) -> Response:
        try:
            return ok({"healed": state.hangs.heal(endpoint)})
        except ValueError as exc:
            raise bad_request(str(exc)) from exc

    p = ADMIN_PREFIX
    return [
        (Rule(f"{p}/hangs", methods=["GET"]), list_hangs),
        (Rule(f"{p}/hangs", methods=["POST"]), add_hang),
        (Rule(f"{p}/hangs", methods=["DELETE"]), heal),
        (Rule(f"{p}/hangs/<endpoint>", methods=["DELETE"]), heal),
        (Rule(f"{p}/rate-limit", methods=["GET"]), get_rate_limit),
        (Rule(f"{p}/rate-limit", methods=["PUT", "POST"]), put_rate_limit),
        (Rule(f"{p}/rate-limit", methods=["DELETE"]), delete_rate_limit),
    ]
