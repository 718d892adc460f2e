"""Funding sources in a chaos run (issue 14): some events ask for one, and each gets exactly one.

Events are chosen from their own RNG, so the rest of a seed's traffic stays what it was. The check reads
only the final state: the table's rows and Dwolla's funding sources, each tied to its exchange.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exchange_linker_tools.chaos.events import ChaosEvent

NO_FUNDING_SOURCE_PARTNER = "Checkout.com"  # a debit card: the event would be InvalidEvent


@dataclass(frozen=True)
class DwollaFundingSource:
    id: str
    exchange_id: str


def ask_for_funding_sources(events: list[ChaosEvent], rng: random.Random, share: float) -> list[ChaosEvent]:
    """`share` of the valid events (any expected outcome) also ask for a funding source from their exchange."""
    if share <= 0:
        return events
    asked = list(events)
    for index, event in enumerate(events):
        if event.credential is None or event.event_id is None or rng.random() >= share:
            continue
        request = {"name": f"Chaos checking {index:06d}", "bankAccountType": rng.choice(["checking", "savings"])}
        body = _with_funding_source(json.loads(event.body), request)
        if body is not None:
            asked[index] = replace(event, body=json.dumps(body), funding_source=True)
    return asked


def _with_funding_source(payload: dict[str, Any], request: dict[str, str]) -> dict[str, Any] | None:
    """The body with `fundingSource` in the v1 event, wherever its envelope keeps it (None: a debit card)."""
    if payload.get("Type") == "Notification":
        inner = _with_funding_source(json.loads(payload["Message"]), request)
        return None if inner is None else {**payload, "Message": json.dumps(inner)}
    if "detail-type" in payload:
        inner = _with_funding_source(payload["detail"], request)
        return None if inner is None else {**payload, "detail": inner}
    if payload.get("partner") == NO_FUNDING_SOURCE_PARTNER:
        return None
    return {**payload, "fundingSource": request}


def check_funding_sources(
    events: Sequence[ChaosEvent],
    rows: Mapping[str, Mapping[str, Any]],
    sources: Sequence[DwollaFundingSource],
) -> tuple[int, list[str]]:
    """One funding source per CREATED event that asks for one, recorded as Dwolla's; none for any other.

    Returns how many events got theirs, and what is wrong.
    """
    by_exchange: dict[str, list[DwollaFundingSource]] = {}
    for source in sources:
        by_exchange.setdefault(source.exchange_id, []).append(source)
    made, problems = 0, []
    for event in events:
        row = rows.get(event.event_id or "") or {}
        exchange_id = row.get("exchangeId") if row.get("status") == "CREATED" else None
        found = by_exchange.pop(str(exchange_id), []) if exchange_id else []
        if len(found) > 1:
            problems.append(f"{event.key}: {len(found)} funding sources from one exchange")
        elif event.funding_source and exchange_id:
            if not found or row.get("fundingSourceStatus") != "CREATED" or row.get("fundingSourceId") != found[0].id:
                problems.append(
                    f"{event.key}: asked for a funding source; {len(found)} at Dwolla, row "
                    f"{row.get('fundingSourceStatus')} {row.get('fundingSourceErrorCode') or ''}".rstrip()
                )
            else:
                made += 1
        elif found:
            problems.append(f"{event.key}: a funding source it never asked for")
    problems.extend(
        f"funding source {s.id} from exchange {key}, no CREATED event's"
        for key, left in by_exchange.items()
        for s in left
    )
    return made, problems
