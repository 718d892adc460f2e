"""Exchange partner hrefs, looked up by name from `GET /exchange-partners` and cached per container.

Ids differ between sandbox and production and may change, so nothing is hard-coded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from exchange_linker.contracts.link_completed import Partner
from exchange_linker.errors import DwollaError

DEFAULT_TTL = 3600.0


class PartnerDirectory:
    def __init__(
        self,
        fetch: Callable[[], Mapping[str, str]],
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`fetch` returns {partner name: href} as Dwolla lists them."""
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._hrefs: dict[str, str] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def href_for(self, partner: Partner) -> str:
        key = partner.value.casefold()
        with self._lock:
            if self._stale():
                self._load()
            if key not in self._hrefs and not self._just_loaded():
                self._load()  # a partner Dwolla added since the last lookup
        href = self._hrefs.get(key)
        if href is None:
            raise DwollaError(
                "ExchangePartnerUnavailable",
                f"Dwolla does not list {partner.value} as an exchange partner",
                permanent=True,
            )
        return href

    def _load(self) -> None:
        self._hrefs = {name.casefold(): href for name, href in self._fetch().items()}
        self._fetched_at = self._clock()

    def _stale(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._ttl

    def _just_loaded(self) -> bool:
        return self._fetched_at is not None and self._clock() - self._fetched_at < 60
