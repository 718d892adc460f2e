"""What the DLQ holds, at a glance: built from a dry-run scan, so looking consumes nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from exchange_linker.replay.summary import ReplaySummary
from exchange_linker.timestamps import timestamp


@dataclass(frozen=True)
class DlqInventory:
    depth: int  # approximate, from the queue's attributes before the scan
    scanned: int
    by_error_code: dict[str, int] = field(default_factory=dict)
    by_partner: dict[str, int] = field(default_factory=dict)
    oldest: datetime | None = None
    oldest_age_seconds: float | None = None
    # (errorCode, errorMessage, messages), most frequent first; errorMessage is None when nobody recorded one
    reasons: list[tuple[str, str | None, int]] = field(default_factory=list)
    exchange_may_exist: int = 0  # events Dwolla may already hold an exchange for (see DeadLetterView)

    def as_dict(self) -> dict[str, Any]:
        return {
            "depth": self.depth,
            "scanned": self.scanned,
            "byErrorCode": self.by_error_code,
            "byPartner": self.by_partner,
            "oldestFailedAt": timestamp(self.oldest) if self.oldest else None,
            "oldestAgeSeconds": self.oldest_age_seconds,
            "reasons": [
                {"errorCode": code, "errorMessage": message, "messages": count} for code, message, count in self.reasons
            ],
            "exchangeMayExist": self.exchange_may_exist,
        }


def inventory(depth: int, scan: ReplaySummary, *, now: datetime | None = None) -> DlqInventory:
    """Counts over every scanned message; the age comes from failedAt, else from SQS's SentTimestamp."""
    views = [row.view for row in scan.rows]
    codes = Counter(view.error_code or "Unknown" for view in views)
    partners = Counter(view.partner or "Unknown" for view in views)
    reasons = Counter((view.error_code or "Unknown", view.error_message) for view in views)
    moments = [view.when for view in views if view.when is not None]
    oldest = min(moments, default=None)
    now = now or datetime.now(UTC)
    return DlqInventory(
        depth=depth,
        scanned=scan.scanned,
        by_error_code=dict(codes.most_common()),
        by_partner=dict(partners.most_common()),
        oldest=oldest,
        oldest_age_seconds=round((now - oldest).total_seconds(), 3) if oldest else None,
        reasons=[(code, message, count) for (code, message), count in reasons.most_common()],
        exchange_may_exist=sum(view.exchange_may_exist for view in views),
    )
