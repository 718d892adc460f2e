"""A deliberately thin HTTP client for the emulator tests: raw requests, nothing clever to hide bugs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from exchange_linker_tools.emulator import DwollaEmulator, FaultPlan
from exchange_linker_tools.link_events import CUSTOMER_ID, UNKNOWN_CUSTOMER_ID
from exchange_linker_tools.link_events import credential as credential_fields

HAL = "application/vnd.dwolla.v1.hal+json"
ZERO_CUSTOMER_ID = UNKNOWN_CUSTOMER_ID


PARTNER_FOR_KIND = {"token": "Plaid", "plaid": "Plaid", "mx": "MX", "finicity": "Finicity"}


def fetch_token(emulator: DwollaEmulator) -> str:
    response = requests.post(
        f"{emulator.url}/token",
        data={"grant_type": "client_credentials"},
        auth=(emulator.client_key, emulator.client_secret),
        timeout=5,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def exchange_body(
    emulator: DwollaEmulator, kind: str = "token", credential: str = "tok-123", partner: str | None = None
) -> dict[str, Any]:
    """A schema-valid body of the given variant, carrying ``credential``."""
    links = {"exchange-partner": {"href": emulator.partner_href(partner or PARTNER_FOR_KIND[kind])}}
    return {"_links": links, **credential_fields(kind, credential)}


class Api:
    """Authenticated calls with the versioned Accept header."""

    def __init__(self, emulator: DwollaEmulator) -> None:
        self.emulator = emulator
        self.token = fetch_token(emulator)

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Accept": HAL, "Authorization": f"Bearer {self.token}", **extra}

    def get(self, path_or_url: str) -> requests.Response:
        url = path_or_url if path_or_url.startswith("http") else f"{self.emulator.url}{path_or_url}"
        return requests.get(url, headers=self.headers(), timeout=5)

    def post_exchange(
        self,
        body: Any,
        *,
        customer_id: str | None = CUSTOMER_ID,
        key: str | None = None,
        timeout: float | tuple[float, float] = 5,
    ) -> requests.Response:
        path = "/exchanges" if customer_id is None else f"/customers/{customer_id}/exchanges"
        headers = self.headers(**({"Idempotency-Key": key} if key else {}))
        return requests.post(f"{self.emulator.url}{path}", json=body, headers=headers, timeout=timeout)


def embedded_errors(response: requests.Response) -> list[dict[str, Any]]:
    body = response.json()
    assert body["code"] == "ValidationError", body
    errors: list[dict[str, Any]] = body["_embedded"]["errors"]
    return errors


def admin(emulator: DwollaEmulator, method: str, path: str, body: Any = None) -> requests.Response:
    """An operator call: no token, no versioned Accept, plain JSON."""
    return requests.request(method, f"{emulator.url}/_emulator{path}", json=body, timeout=5)


@contextmanager
def post_in_flight(
    api: Api, emulator: DwollaEmulator, body: dict[str, Any], key: str
) -> Iterator[list[requests.Response]]:
    """A POST held in flight by 30 s of latency while the block runs; its answer is in the list afterwards.

    On exit a new fault plan releases it from its latency, and the thread must have finished.
    """
    emulator.faults = FaultPlan(latency=30.0)
    answer: list[requests.Response] = []
    worker = threading.Thread(target=lambda: answer.append(api.post_exchange(body, key=key, timeout=60)))
    worker.start()
    emulator.wait_for_stats(lambda stats: stats.in_flight == 1)
    try:
        yield answer
    finally:
        emulator.faults = FaultPlan()
        worker.join(timeout=10)
    assert not worker.is_alive()
