"""POST /customers/{id}/exchanges and POST /exchanges: the pipeline the client under test exercises.

Order: scope, customer, JSON, Idempotency-Key claim, latency, injected fault, schema and partner
validation, operator fault rule, scripted outcome by credential, creation. The key is claimed before the latency so a
concurrent duplicate sees 409, and completed before the timeout-after-create delay so a retry made
after the client gave up replays the exchange that was created. A server-error-after-create
completes the key with a number of 409s owed before the replays begin.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import uuid
from typing import Any, NoReturn

from werkzeug.wrappers import Request, Response

from exchange_linker_tools.emulator import responses
from exchange_linker_tools.emulator.error_catalog import ErrorContext, build_error, scope_message
from exchange_linker_tools.emulator.faults import FaultKind
from exchange_linker_tools.emulator.idempotent_post import run_idempotently
from exchange_linker_tools.emulator.scripted import scripted_outcome
from exchange_linker_tools.emulator.state import EmulatorState
from exchange_linker_tools.emulator.validation import validate_exchange_body

UNKNOWN_CUSTOMER_ID = "00000000-0000-0000-0000-000000000000"

_BAD_BODY_MESSAGE = "The request body contains bad syntax or is incomplete."


class ConnectionDroppedError(ConnectionAbortedError):
    """Raised out of the WSGI app: werkzeug treats it as a dropped connection and writes nothing."""


def is_known_customer(customer_id: str) -> bool:
    """Any canonical UUID except the all-zero one: no need to create customers first."""
    try:
        canonical = str(uuid.UUID(customer_id))
    except ValueError:
        return False
    return canonical == customer_id.lower() and canonical != UNKNOWN_CUSTOMER_ID


def create_exchange(state: EmulatorState, request: Request, customer_id: str | None) -> Response:
    state.stats.incr("exchange_posts")
    if not state.scope_enabled:
        return responses.error(401, "InvalidScope", scope_message(account=customer_id is None))
    if customer_id is not None and not is_known_customer(customer_id):
        return responses.not_found()
    try:
        body = json.loads(request.get_data(cache=False))
    except ValueError:
        state.stats.incr("validation_errors")
        return responses.error(400, "BadRequest", _BAD_BODY_MESSAGE)

    def process(key: str | None) -> Response:
        with state.stats.in_flight():
            return _process(state, request, customer_id, body, key)

    return run_idempotently(state, request, body, process)


def _process(state: EmulatorState, request: Request, customer_id: str | None, body: Any, key: str | None) -> Response:
    state.pause(lambda plan: plan.latency)
    fault = state.pick_fault()
    if fault is not None:
        state.stats.fault(fault.value)
    if fault is FaultKind.CONNECTION_RESET:
        if key is not None:  # before the client can notice the drop and retry
            state.idempotency.release(key)
        _drop_connection(request)
    if fault is FaultKind.SERVER_ERROR:
        return responses.server_error()
    if fault is FaultKind.UNAVAILABLE:
        return responses.unavailable_html()
    if fault is FaultKind.RATE_LIMIT:
        return responses.too_many_requests()

    result = validate_exchange_body(
        body,
        account=customer_id is None,
        partners=state.partners,
        accepted_bases=(state.base_url, request.host_url),
    )
    if isinstance(result, list):
        state.stats.incr("validation_errors")
        return responses.validation_error(result)
    rule = state.fault_rules.match(customer_id, result.partner.name)
    if rule is not None:
        state.stats.rule_hit(rule.code)
        return build_error(rule.code, ErrorContext(state.base_url, account=customer_id is None), rule.status)
    scripted = scripted_outcome(result.credential, state.base_url, account=customer_id is None)
    if scripted is not None:
        state.stats.scripted(scripted[0])
        return scripted[1]

    exchange = state.record_exchange(result, customer_id, key)
    failed_after_create = fault is FaultKind.SERVER_ERROR_AFTER_CREATE
    if key is not None:
        owed = int(state.faults.conflicts_after_server_error) if failed_after_create else 0
        state.idempotency.complete(key, exchange.location, conflicts_after=owed)
    state.stats.incr("exchanges_created")  # after complete(): a waiter seeing it can already replay
    if fault is FaultKind.TIMEOUT_AFTER_CREATE:
        state.pause(lambda plan: plan.timeout_delay)
    if failed_after_create:
        return responses.server_error()
    return responses.created(exchange.location)


def _drop_connection(request: Request) -> NoReturn:
    """Hang up without a status line, as a dying proxy would; SO_LINGER 0 turns the final close into a RST.

    The client sees RemoteDisconnected or ConnectionResetError, i.e. a ``requests.ConnectionError``.
    """
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionDroppedError("connection_reset fault injected")
