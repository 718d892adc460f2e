"""GET /exchanges/{id} and the list endpoints: only this host's URLs are fetched, and a list is read whole or not
at all (a half-read list could make reconciliation see "exactly one" where there are two)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from exchange_linker.adapters.dwolla_http import DwollaHttpApi
from exchange_linker.adapters.secrets_manager import ClientCredentials
from exchange_linker.dwolla.tokens import AccessToken
from exchange_linker.errors import DwollaError

BASE = "https://api.dwolla.com"
CUSTOMER = "74a207b2-b7b7-4efa-8bf8-582148e7b980"
TOKEN = AccessToken("t", expires_at=4e9)


class CannedSession(requests.Session):
    """Answers from a dict of URL -> (status, body) and records what was asked; no network."""

    def __init__(self, answers: dict[str, tuple[int, Any]]) -> None:
        super().__init__()
        self.answers = answers
        self.asked: list[str] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        self.asked.append(str(url))
        status, body = self.answers[str(url)]
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/vnd.dwolla.v1.hal+json"
        return response


def exchange(exchange_id: str, *, self_href: str | None = None) -> dict[str, Any]:
    return {
        "_links": {"self": {"href": self_href or f"{BASE}/exchanges/{exchange_id}"}},
        "id": exchange_id,
        "status": "active",
        "created": "2026-11-20T18:04:05.123Z",
    }


def page(*exchanges: dict[str, Any], total: int | None = None, next_href: str | None = None) -> dict[str, Any]:
    links = {"next": {"href": next_href}} if next_href else {}
    return {"_links": links, "_embedded": {"exchanges": list(exchanges)}, "total": total or len(exchanges)}


def api(answers: dict[str, tuple[int, Any]]) -> tuple[DwollaHttpApi, CannedSession]:
    session = CannedSession(answers)
    return DwollaHttpApi(BASE, lambda: ClientCredentials("k", "s"), session=session), session


def test_a_list_is_followed_page_by_page_on_this_host():
    listed, session = api(
        {
            f"{BASE}/customers/{CUSTOMER}/exchanges": (200, page(exchange("a"), total=2, next_href=f"{BASE}/p2")),
            f"{BASE}/p2": (200, page(exchange("b"), total=2)),
        }
    )
    assert [e.exchange_id for e in listed.list_exchanges(CUSTOMER, TOKEN)] == ["a", "b"]
    assert session.asked == [f"{BASE}/customers/{CUSTOMER}/exchanges", f"{BASE}/p2"]


@pytest.mark.parametrize(
    "answer",
    [
        page(exchange("a"), total=3),  # fewer than Dwolla says there are, and no next link
        page(exchange("a"), next_href="https://evil.example/p2"),
        page(exchange("a", self_href="https://evil.example/exchanges/a")),
        {"_embedded": {"exchanges": [exchange("a"), {"no": "id"}]}, "total": 2},
        {"total": 0},
    ],
    ids=["incomplete", "next-off-host", "self-off-host", "unreadable-entry", "no-list"],
)
def test_a_list_that_cannot_be_trusted_whole_is_an_error(answer):
    listed, session = api({f"{BASE}/exchanges": (200, answer)})
    with pytest.raises(DwollaError) as caught:
        listed.list_exchanges(None, TOKEN)
    assert (caught.value.code, caught.value.permanent) == ("UnexpectedResponse", False)
    assert all(url.startswith(BASE) for url in session.asked)


def test_an_exchange_url_off_the_host_is_never_fetched():
    reader, session = api({})
    for url in ["https://evil.example/exchanges/a", f"{BASE}/exchanges/a/../../customers/x", f"{BASE}/exchanges/"]:
        with pytest.raises(DwollaError) as caught:
            reader.get_exchange(url, TOKEN)
        assert (caught.value.code, caught.value.permanent) == ("ForeignExchangeUrl", True)
    assert session.asked == []


def test_a_missing_exchange_is_permanent_and_a_failed_read_never_means_an_exchange_may_exist():
    reader, _ = api({f"{BASE}/exchanges/gone": (404, {"code": "NotFound", "message": "no"})})
    with pytest.raises(DwollaError) as missing:
        reader.get_exchange(f"{BASE}/exchanges/gone", TOKEN)
    assert (missing.value.code, missing.value.permanent) == ("NotFound", True)
    reader, _ = api({f"{BASE}/exchanges/x": (500, {"code": "ServerError", "message": "boom"})})
    with pytest.raises(DwollaError) as broken:
        reader.get_exchange(f"{BASE}/exchanges/x", TOKEN)
    assert (broken.value.permanent, broken.value.exchange_may_exist) == (False, False)
