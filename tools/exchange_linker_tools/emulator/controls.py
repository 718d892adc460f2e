"""The Python test controls of ``DwollaEmulator`` beyond the original ones; the admin endpoints mirror them.

Kept apart from server.py (lifecycle and observation) so each stays small; every control acts on the
shared ``EmulatorState``, the same objects the ``/_emulator/...`` endpoints use.
"""

from __future__ import annotations

from datetime import timedelta

from exchange_linker_tools.emulator.fault_rules import FaultRule
from exchange_linker_tools.emulator.faults import FaultKind
from exchange_linker_tools.emulator.funding_sources import FundingSource
from exchange_linker_tools.emulator.hangs import Hang, HangEndpoint
from exchange_linker_tools.emulator.models import CreatedExchange, ExchangeStatus
from exchange_linker_tools.emulator.rate_limit import RateLimit
from exchange_linker_tools.emulator.state import EmulatorState


class EmulatorControls:
    """Mixed into ``DwollaEmulator``."""

    _state: EmulatorState

    def forget_idempotency_keys(self, key: str | None = None, *, completed_before: float | None = None) -> int:
        """Simulate "24 h passed": completed keys (all, or ``key``) are forgotten, so a repeated POST creates anew.

        Requests still in flight keep their claim; ``completed_before`` (the emulator's clock, time.monotonic
        unless one was given) keeps the keys completed since. Returns how many keys were forgotten.
        """
        return self._state.idempotency.forget(key, completed_before=completed_before)

    def advance_wall_clock(self, seconds: float) -> None:
        """Move the wall clock of exchanges' `created` forward, with a client whose clock moved alike (a day
        passing in a test): what an exchange made now says about its age stays consistent for both."""
        self._state.wall_offset += timedelta(seconds=seconds)

    def queue_faults(self, kind: FaultKind | str, count: int = 1) -> list[FaultKind]:
        """Make the next ``count`` exchange POSTs fail with ``kind`` regardless of the plan (no random draw).

        Returns the whole queue. ``reset()`` empties it.
        """
        return self._state.queue_faults(FaultKind(kind), count)

    @property
    def queued_faults(self) -> list[FaultKind]:
        return self._state.queued_faults()

    def set_exchange_status(self, exchange: str, status: ExchangeStatus) -> CreatedExchange:
        """Set ``active``, ``deactivated`` or ``removed`` (the official Exchange statuses) on an exchange.

        ``exchange`` is its id or Location URL; KeyError if unknown, ValueError for another status.
        GET /exchanges/{id} and both lists then show it; idempotent replays still return its Location.
        """
        return self._state.set_exchange_status(exchange, status)

    def remove_exchange(self, exchange: str) -> CreatedExchange:
        """Mark an exchange ``removed`` at "Dwolla", e.g. to test reconciliation against the service's table."""
        return self._state.set_exchange_status(exchange, "removed")

    def page_exchange_lists(self, page_size: int | None) -> None:
        """Serve both exchange lists ``page_size`` at a time, each page linking the ``next`` one (None: whole)."""
        if page_size is not None and page_size < 1:
            raise ValueError("a page holds at least one exchange")
        self._state.list_page_size = page_size

    def set_rate_limit(self, requests_per_second: float | None, burst: float | None = None) -> RateLimit | None:
        """Requests per second over the whole API (None: off); ``burst`` defaults to one second's worth.

        The bucket starts full and runs on the emulator's clock. Beyond it every request (``/token``
        included, the ``/_emulator`` controls excepted) gets 429 TooManyRequests with Retry-After.
        """
        return self._state.rate_limit.configure(requests_per_second, burst)

    @property
    def rate_limit(self) -> RateLimit | None:
        return self._state.rate_limit.limit

    def hang(self, endpoint: HangEndpoint, seconds: float | None = None) -> Hang:
        """Hold every request to ``endpoint`` for ``seconds`` each, or (None) until ``heal()``.

        ``endpoint``: ``token``, ``exchange-partners``, ``exchange-post``, ``exchange-get`` or
        ``funding-sources``. Held requests then proceed normally; ``stats.hanging`` counts them now.
        """
        return self._state.hangs.set(endpoint, seconds)

    def heal(self, endpoint: HangEndpoint | None = None) -> list[str]:
        """End the hang of ``endpoint`` (or of every endpoint); held requests resume at once."""
        return self._state.hangs.heal(endpoint)

    @property
    def hangs(self) -> dict[str, Hang]:
        return self._state.hangs.current()

    def add_fault_rule(
        self,
        code: str,
        *,
        customer_id: str | None = None,
        partner: str | None = None,
        status: int | None = None,
        operation: str = "exchange",
    ) -> FaultRule:
        """Every valid exchange POST for ``customer_id`` and/or ``partner`` answers the Dwolla error ``code``.

        Codes: InvalidScope, InvalidExchangeToken (400, or ``status=401``), InvalidExchange,
        InactiveExchange, UpdateCredentials, Forbidden, NotFound, TooManyRequests, ServerError.
        ``partner`` is a name (any case). The first matching rule answers, until removed or cleared.
        ``operation="funding-source"``: the funding-source POSTs from those exchanges answer it instead.
        """
        return self._state.fault_rules.add(
            code, customer_id=customer_id, partner=partner, status=status, operation=operation
        )

    @property
    def fault_rules(self) -> list[FaultRule]:
        return self._state.fault_rules.rules()

    def remove_fault_rule(self, rule_id: str) -> bool:
        return self._state.fault_rules.remove(rule_id)

    def clear_fault_rules(self) -> int:
        """Remove every fault rule; returns how many there were."""
        return self._state.fault_rules.clear()

    @property
    def funding_sources(self) -> list[FundingSource]:
        """Funding sources made from exchanges, in creation order (a copy)."""
        return self._state.funding_sources.all()
