"""The comparison itself: CREATED items against the exchanges Dwolla lists for the same owners."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from exchange_linker.contracts.results import ExchangeResult, Status

REMOVED = "removed"
Owner = str | None  # a customer id, or None for the account's own exchanges


@dataclass(frozen=True)
class RecordedExchange:
    """A CREATED item of the results table."""

    event_id: str
    exchange_id: str
    customer_id: str | None
    partner: str


@dataclass(frozen=True)
class DwollaExchange:
    """One entry of `GET /customers/{id}/exchanges` or `GET /exchanges`."""

    exchange_id: str
    status: str
    partner_href: str
    created: str | None = None  # as Dwolla spells it, for the operator


@dataclass(frozen=True)
class Reconciliation:
    unrecorded: list[tuple[Owner, DwollaExchange]] = field(default_factory=list)  # possible duplicates
    missing: list[RecordedExchange] = field(default_factory=list)  # CREATED, not listed by Dwolla
    removed: list[RecordedExchange] = field(default_factory=list)  # CREATED, listed as removed
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # partner: (CREATED items, live at Dwolla)
    partner_names: dict[str, str] = field(default_factory=dict)  # href -> name, as counted

    @property
    def agrees(self) -> bool:
        return not (self.unrecorded or self.missing or self.removed)


def recorded_exchanges(results: Iterable[ExchangeResult]) -> list[RecordedExchange]:
    """The CREATED results, as the comparison sees them (FAILED and RETRYING name no exchange)."""
    return [
        RecordedExchange(r.event_id, r.exchange_id, r.customer_id, r.partner or "")
        for r in results
        if r.status is Status.CREATED and r.exchange_id
    ]


def compare(
    recorded: Iterable[RecordedExchange],
    listed: Mapping[Owner, Sequence[DwollaExchange]],
    partner_names: Mapping[str, str],
) -> Reconciliation:
    """Judge only the owners in `listed`: an exchange matches an item of the same owner and id only."""
    items = [item for item in recorded if item.customer_id in listed]
    by_key = {(item.customer_id, item.exchange_id): item for item in items}
    at_dwolla = {(owner, e.exchange_id): e for owner, exchanges in listed.items() for e in exchanges}
    result = Reconciliation(partner_names=dict(partner_names))
    for (owner, exchange_id), exchange in at_dwolla.items():
        if (owner, exchange_id) not in by_key:
            result.unrecorded.append((owner, exchange))
    for key, item in by_key.items():
        found = at_dwolla.get(key)
        if found is None:
            result.missing.append(item)
        elif found.status == REMOVED:
            result.removed.append(item)
    ours = Counter(item.partner for item in items)
    theirs = Counter(
        partner_names.get(e.partner_href, e.partner_href) for e in at_dwolla.values() if e.status != REMOVED
    )
    result.counts.update({name: (ours[name], theirs[name]) for name in ours | theirs})
    return result
