"""DwollaEmulator: the app on a loopback werkzeug server in a background thread, plus test controls."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from exchange_linker_tools.background_server import BackgroundServer
from exchange_linker_tools.emulator.app import EmulatorApp
from exchange_linker_tools.emulator.clock import Clock
from exchange_linker_tools.emulator.controls import EmulatorControls
from exchange_linker_tools.emulator.faults import FaultPlan
from exchange_linker_tools.emulator.models import (
    DEFAULT_CLIENT_KEY,
    DEFAULT_CLIENT_SECRET,
    CreatedExchange,
    fingerprint,
)
from exchange_linker_tools.emulator.state import Credentials, EmulatorState
from exchange_linker_tools.emulator.stats import EmulatorStats


class _QuietHandler(WSGIRequestHandler):
    """Embedded in tests, one access-log line per request is noise."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class DwollaEmulator(EmulatorControls, BackgroundServer):
    """A local stand-in for api-sandbox.dwolla.com's token, exchange-partner and exchange endpoints."""

    thread_name = "dwolla-emulator"

    def __init__(
        self,
        *,
        client_key: str = DEFAULT_CLIENT_KEY,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        token_lifetime: int = 3600,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
        seed: int | None = None,
        clock: Clock = time.monotonic,
        log_requests: bool = False,
        rate_limit: float | None = None,
        rate_limit_burst: float | None = None,
    ) -> None:
        """``rate_limit``: requests per second over the whole API (None: unlimited); beyond it, 429s
        with Retry-After. ``rate_limit_burst``: the token bucket's size, by default one second's worth.
        """
        _require_loopback(host)
        self._host = host
        self._port = port
        self._log_requests = log_requests
        self._state = EmulatorState(
            credentials=Credentials(client_key, client_secret),
            token_lifetime=token_lifetime,
            faults=faults if faults is not None else FaultPlan(),
            seed=seed,
            clock=clock,
        )
        self._state.rate_limit.configure(rate_limit, rate_limit_burst)
        super().__init__()

    # lifecycle (start, stop and `with` come from BackgroundServer)

    def _bind(self) -> BaseWSGIServer:
        handler = WSGIRequestHandler if self._log_requests else _QuietHandler
        try:
            server = make_server(
                self._host, self._port, EmulatorApp(self._state), threaded=True, request_handler=handler
            )
        except SystemExit as exc:  # werkzeug exits instead of raising when the port is taken
            raise OSError(f"cannot listen on {self._host}:{self._port}") from exc
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._state.base_url = f"http://{host}:{server.port}"
        self._state.set_stopping(False)
        return server

    def _stopping(self) -> None:
        """In-flight simulated delays are cut short, so stop() returns promptly."""
        self._state.set_stopping(True)

    # configuration

    @property
    def url(self) -> str:
        if not self._state.base_url:
            raise RuntimeError("emulator not started: call start() first")
        return self._state.base_url

    @property
    def account_id(self) -> str:
        """The id of the Dwolla account that owns exchanges made with POST /exchanges (fresh per instance)."""
        return self._state.account_id

    @property
    def client_key(self) -> str:
        return self._state.credentials.key

    @property
    def client_secret(self) -> str:
        return self._state.credentials.secret

    @property
    def faults(self) -> FaultPlan:
        """The live plan: edit it in place, or assign a new one to also release requests now delayed."""
        return self._state.faults

    @faults.setter
    def faults(self, plan: FaultPlan) -> None:
        plan.validate()
        self._state.faults = plan

    @property
    def public_url(self) -> str | None:
        """The base written into Locations (`http://localhost:8089`, `HTTPS://API.DWOLLA.COM`); None: `url`."""
        return self._state.public_url

    @public_url.setter
    def public_url(self, url: str | None) -> None:
        self._state.public_url = url

    def set_scope_enabled(self, enabled: bool) -> None:
        self._state.scope_enabled = enabled

    def expire_all_tokens(self) -> None:
        self._state.tokens.expire_all()

    def partner_href(self, name: str) -> str:
        """The href of a partner by case-insensitive name, as GET /exchange-partners would give it."""
        for partner in self._state.partners:
            if partner.name.lower() == name.lower():
                return partner.href(self.url)
        raise KeyError(name)

    # observation

    @property
    def exchanges(self) -> list[CreatedExchange]:
        """A copy, in creation order."""
        return self._state.exchanges()

    def exchanges_for_customer(self, customer_id: str) -> list[CreatedExchange]:
        return [e for e in self._state.exchanges() if e.customer_id == customer_id]

    def exchanges_for_key(self, idempotency_key: str) -> list[CreatedExchange]:
        return [e for e in self._state.exchanges() if e.idempotency_key == idempotency_key]

    def exchanges_for_credential(self, credential: str) -> list[CreatedExchange]:
        """Exchanges created from this token/public token/receipt id: one per event when all is well."""
        wanted = fingerprint(credential)
        return [e for e in self._state.exchanges() if e.credential_fingerprint == wanted]

    @property
    def stats(self) -> EmulatorStats:
        return self._state.stats.snapshot()

    def wait_for_stats(self, predicate: Callable[[EmulatorStats], bool], timeout: float = 5.0) -> EmulatorStats:
        """Block until ``predicate(stats)`` holds (TimeoutError otherwise): synchronisation without sleeps."""
        return self._state.stats.wait_until(predicate, timeout)

    def reset_stats(self) -> None:
        self._state.stats.reset()

    def reset(self) -> None:
        """Forget exchanges, idempotency keys and counters; restore scope, a fault-free plan, no queued faults.

        Locations go back to the emulator's own URL. Tokens and partner ids survive, so a client holding
        them keeps working.
        """
        self._state.reset()


def _require_loopback(host: str) -> None:
    """The emulator accepts any customer and issues tokens freely: never expose it beyond this machine."""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the emulator binds to loopback only, not {host!r}")
