"""One reconciliation: the owners in scope, their CREATED items, their exchanges at Dwolla, compared. Read-only.

An owner is judged whole: every CREATED item it has (not only those of the window) against every exchange
Dwolla lists for it, so an old exchange is never mistaken for an unrecorded one. Events keep arriving
during a run, so each owner's items are read just before its list (an exchange recorded by then is listed)
and, when the list names an exchange they do not, once more after it (one recorded meanwhile is no orphan).
An owner whose list cannot be read is reported as unread, never as agreeing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from exchange_linker.contracts.link_completed import Partner
from exchange_linker.dwolla.exchange_resource import ExchangeResource
from exchange_linker.dwolla.exchanges import ExchangeService
from exchange_linker.errors import DependencyError
from exchange_linker.invocation import Invocation
from exchange_linker.reconcile.compare import DwollaExchange, Owner, RecordedExchange, compare
from exchange_linker.reconcile.report import ReconcileReport
from exchange_linker.reconcile.scope import Scope
from exchange_linker.timestamps import timestamp


class RecordedExchanges(Protocol):
    """The results table, read only."""

    def owners_updated_between(self, since: str, until: str) -> set[Owner]:
        """The owner (customer id, or None for the account) of every item whose updatedAt is in [since, until]
        and that names an exchange (CREATED) or may have made one (exchangeMayExist)."""
        ...

    def created_of(self, owner: Owner) -> list[RecordedExchange]:
        """Every CREATED item of the owner, whenever it was written."""
        ...


class ReconciliationService:
    def __init__(self, table: RecordedExchanges, exchanges: ExchangeService, *, invocation: Invocation) -> None:
        """`invocation` must be the one `exchanges` was built with: a run's deadline starts it."""
        self._table = table
        self._exchanges = exchanges
        self._invocation = invocation

    def run(self, scope: Scope, remaining_seconds: Callable[[], float] | None = None) -> ReconcileReport:
        """Raises AwsError when the table cannot be read; Dwolla's failures are in the report (`unread`)."""
        self._invocation.begin(remaining_seconds() if remaining_seconds else None)
        since: datetime | None = None
        until: datetime | None = None
        if scope.named:
            owners: list[Owner] = [*([None] if scope.account else []), *scope.customers]
        else:
            since, until = scope.window()
            found = self._table.owners_updated_between(timestamp(since), timestamp(until))
            owners = sorted(found, key=lambda owner: (owner is not None, owner or ""))
        recorded: list[RecordedExchange] = []
        listed: dict[Owner, list[DwollaExchange]] = {}
        unread: dict[Owner, str] = {}
        for owner in owners:
            items = self._table.created_of(owner)
            try:
                listed[owner] = [_listed(exchange) for exchange in self._exchanges.exchanges_of(owner)]
            except DependencyError as error:
                unread[owner] = error.code
            if {e.exchange_id for e in listed.get(owner, [])} - {item.exchange_id for item in items}:
                items = self._table.created_of(owner)  # recorded while Dwolla was asked? then it is no orphan
            recorded += items
        return ReconcileReport(
            owners=owners,
            since=since,
            until=until,
            result=compare(recorded, listed, self._partner_names() if listed else {}),
            unread=unread,
        )

    def _partner_names(self) -> dict[str, str]:
        """href -> name for every partner Dwolla lists (the directory is already loaded by the lists)."""
        names: dict[str, str] = {}
        for partner in Partner:
            try:
                names[self._exchanges.partner_href(partner)] = partner.value
            except DependencyError:
                continue  # not listed by Dwolla: its exchanges are counted by href
        return names


def _listed(exchange: ExchangeResource) -> DwollaExchange:
    created = timestamp(exchange.created) if exchange.created else None
    return DwollaExchange(exchange.exchange_id, exchange.status or "", exchange.partner_href or "", created)
