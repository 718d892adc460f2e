"""Exchange partner hrefs, looked up by name from `GET /exchange-partners` and cached per container.

Ids differ between sandbox and production and may change, so nothing is hard-coded. A failed lookup is
not repeated by the threads that waited for it; hrefs already known keep serving when a refresh fails
(partners almost never change), and the refresh is tried again a minute later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from exchange_linker.contracts.link_completed import Partner
from exchange_linker.errors import DependencyError, DwollaError, repeated
from exchange_linker.observability import logger

DEFAULT_TTL = 3600.0
RETRY_AFTER_FAILURE = 60.0


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
        self._lookups = 0
        self._last_failure: DependencyError | None = None

    def href_for(self, partner: Partner) -> str:
        key = partner.value.casefold()
        seen = self._lookups
        with self._lock:
            if self._lookups != seen and self._last_failure is not None and not self._hrefs:
                raise repeated(self._last_failure, "a concurrent partner lookup just failed")
            try:
                if self._stale():
                    self._load()
                if key not in self._hrefs and not self._just_loaded():
                    self._load()  # a partner Dwolla added since the last lookup
            finally:
                self._lookups += 1  # after the lookup: whoever waited meanwhile sees it ended
        href = self._hrefs.get(key)
        if href is None:
            raise DwollaError(
                "ExchangePartnerUnavailable",
                f"Dwolla does not list {partner.value} as an exchange partner",
                permanent=True,
            )
        return href

    def _load(self) -> None:
        try:
            hrefs = {name.casefold(): href for name, href in self._fetch().items()}
        except DependencyError as error:
            self._last_failure = error
            if not self._hrefs:
                raise
            logger.warning("could not refresh the exchange partners; keeping the known ones", extra=_code(error))
            self._fetched_at = self._clock() - self._ttl + RETRY_AFTER_FAILURE
            return
        self._hrefs, self._fetched_at, self._last_failure = hrefs, self._clock(), None

    def _stale(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._ttl

    def _just_loaded(self) -> bool:
        return self._fetched_at is not None and self._clock() - self._fetched_at < 60


def _code(error: DependencyError) -> dict[str, str]:
    return {"errorCode": error.code}
