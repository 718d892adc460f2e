"""Deciding from Dwolla's own records whether an exchange exists, when the Idempotency-Key cannot tell.

Two cases. A dead-lettered message may carry the URL of an exchange Dwolla made but the table refused
to record: it is recorded only once `GET /exchanges/{id}` confirms it exists, for this partner and this
customer (or the account). And a day after an attempt whose outcome is unknown, Dwolla has forgotten
the key: its list endpoints say whether that attempt made an exchange. Whatever cannot be decided
safely becomes `ExchangeMayExist`, for a person: never a blind POST, never an unverified record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from exchange_linker.contracts.link_completed import LinkCompletedEvent
from exchange_linker.contracts.results import OwnerEntry, ResultsStore
from exchange_linker.dwolla.classification import EXCHANGE_MAY_EXIST
from exchange_linker.dwolla.exchange_request import IDEMPOTENCY_WINDOW
from exchange_linker.dwolla.exchange_resource import ExchangeResource
from exchange_linker.dwolla.exchanges import CreatedExchange, ExchangeService
from exchange_linker.errors import DependencyError, DwollaError
from exchange_linker.ingest.messages import parse_timestamp
from exchange_linker.timestamps import timestamp

# Dwolla's `created` comes from Dwolla's clock, the attempt's start from ours: an exchange stamped up to
# this much before the attempt still counts as made by it. Wider would let an older exchange of the same
# partner match; NTP-synced clocks are well within it.
CLOCK_SKEW = timedelta(minutes=2)
# Another event's POST under one key state is sent within 23 h of its first unknown outcome (after that it
# reconciles too), so its exchange was made within this of its uncertainSince; and the items that matter
# were written no earlier than this before `since` (an item's updatedAt only grows).
KEY_LIFETIME = IDEMPOTENCY_WINDOW + CLOCK_SKEW
LOOKBACK = KEY_LIFETIME + CLOCK_SKEW


def _could_own(entry: OwnerEntry, created: datetime) -> bool:
    """Whether another event whose exchange may exist (an intent or an unknown outcome, not recorded)
    could have made the exchange Dwolla stamped `created`: its first unanswered POST was sent by then."""
    if not entry.exchange_may_exist or entry.exchange_id is not None:
        return False
    sent = parse_timestamp(entry.uncertain_since)
    return sent is None or sent - CLOCK_SKEW <= created <= sent + KEY_LIFETIME


def exchange_may_exist(reason: str, *, permanent: bool = True, retry_after: float | None = None) -> DependencyError:
    """The event's exchange may exist and nothing here can tell which: a person decides."""
    return DependencyError(
        EXCHANGE_MAY_EXIST, reason, permanent=permanent, exchange_may_exist=True, retry_after=retry_after
    )


class Reconciler:
    def __init__(self, exchanges: ExchangeService, results: ResultsStore) -> None:
        self._exchanges = exchanges
        self._results = results

    def verify(self, url: str, event: LinkCompletedEvent) -> CreatedExchange:
        """The exchange at `url` if Dwolla confirms it is this event's; ExchangeMayExist otherwise.

        A transient failure (5xx, timeout, 429) propagates as it is: the message retries.
        """
        try:
            found = self._exchanges.exchange_at(url)
            problem = self._mismatch(found, event)
        except DwollaError as error:
            if not error.permanent:
                raise
            raise exchange_may_exist(f"the message's exchangeUrl failed verification: {error.code}") from None
        if problem is not None:
            raise exchange_may_exist(f"the message's exchangeUrl is {problem}: not recorded")
        return CreatedExchange(url=url, exchange_id=found.exchange_id, request_id=None)

    def find(self, event: LinkCompletedEvent, since: datetime) -> CreatedExchange | None:
        """The one exchange of the event's partner and owner made at or after `since` that no other event
        recorded or may have made; None if there is none. Anything else is ExchangeMayExist.

        The owner index is read only after Dwolla's list: every exchange Dwolla lists was preceded by its
        event's intent write (processor._intend), so the index shows that event unless it lags by more
        than the list call took.
        """
        try:
            listed = self._exchanges.exchanges_of(event.customer_id)
        except DwollaError as error:
            reason = f"could not list the exchanges at Dwolla ({error.code})"
            raise exchange_may_exist(reason, permanent=error.permanent, retry_after=error.retry_after) from None
        partner = self._exchanges.partner_href(event.partner)
        owned = [e for e in listed if e.partner_href == partner and (event.customer_id or e.customer_href is None)]
        candidates = [e for e in owned if e.created is None or e.created >= since - CLOCK_SKEW]
        if not candidates:
            return None
        others = self._others(event, since)
        taken = {entry.exchange_id for entry in others if entry.exchange_id}
        if event.customer_id is not None:  # items written before the owner index existed have no owner
            taken |= {
                x for x, owner in self._results.recorded_exchanges(event.customer_id).items() if owner != event.event_id
            }
        candidates = [e for e in candidates if e.exchange_id not in taken]
        if len(candidates) > 1:
            reason = f"{len(candidates)} {event.partner.value} exchanges made since the first unknown outcome"
            raise exchange_may_exist(reason)
        if not candidates:
            return None
        (found,) = candidates
        if found.created is None or found.url is None:
            raise exchange_may_exist("Dwolla listed an exchange without its creation time or link")
        rivals = sorted(entry.event_id for entry in others if _could_own(entry, found.created))
        if rivals:
            named = ", ".join(rivals[:3]) + (" and more" if len(rivals) > 3 else "")
            raise exchange_may_exist(f"exchange {found.exchange_id} may be event {named}'s: its outcome is unknown too")
        return CreatedExchange(url=found.url, exchange_id=found.exchange_id, request_id=None)

    def _others(self, event: LinkCompletedEvent, since: datetime) -> list[OwnerEntry]:
        """The owner's other events of this partner that hold an exchange or may have made one lately."""
        entries = self._results.owner_activity(event.customer_id, event.partner.value, timestamp(since - LOOKBACK))
        return [entry for entry in entries if entry.event_id != event.event_id]

    def _mismatch(self, found: ExchangeResource, event: LinkCompletedEvent) -> str | None:
        if found.partner_href != self._exchanges.partner_href(event.partner):
            return "another partner's exchange"
        if found.customer_href is not None:
            return None if found.customer_id() == event.customer_id else "another owner's exchange"
        # Dwolla may leave the customer link out of GET /exchanges/{id}: the owner's list settles it.
        listed = self._exchanges.exchanges_of(event.customer_id)
        return None if any(e.exchange_id == found.exchange_id for e in listed) else "not listed for its owner"
