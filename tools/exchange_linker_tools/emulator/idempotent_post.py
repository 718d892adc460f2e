"""The Idempotency-Key protocol shared by every emulated POST: claim, then replay, 409, 400 or process.

Dwolla keys are per application, not per endpoint: a key reused on another path or with another
body is a mismatch (the fingerprint holds both).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from exchange_linker_tools.emulator import responses
from exchange_linker_tools.emulator.idempotency import ClaimOutcome
from exchange_linker_tools.emulator.state import EmulatorState

_MISMATCH_MESSAGE = "Idempotency-Key was already used with a different request body."


def run_idempotently(
    state: EmulatorState, request: Request, body: Any, process: Callable[[str | None], Response]
) -> Response:
    """Call ``process(key)`` unless the key settles the answer; ``process`` must complete the key on success."""
    key = request.headers.get("Idempotency-Key") or None
    if key is None:
        return process(None)
    request_fingerprint = f"{request.path} {json.dumps(body, sort_keys=True, separators=(',', ':'))}"
    claim = state.idempotency.claim(key, request_fingerprint)
    if claim.outcome is ClaimOutcome.REPLAY and claim.location is not None:
        state.stats.incr("idempotent_replays")
        return responses.created(claim.location)
    if claim.outcome in (ClaimOutcome.IN_FLIGHT, ClaimOutcome.LOCKED):
        state.stats.incr("conflicts")
        return responses.error(409, "Conflict", "A request with this Idempotency-Key is still being processed.")
    if claim.outcome is ClaimOutcome.MISMATCH:
        state.stats.incr("validation_errors")
        return responses.validation_error([responses.embedded_error("Invalid", _MISMATCH_MESSAGE, "")])
    try:
        return process(key)
    finally:
        state.idempotency.release(key)  # no-op once completed: only successes are remembered
