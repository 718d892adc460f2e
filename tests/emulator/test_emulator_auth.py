"""POST /token and the gates every other endpoint shares: Accept version, bearer token."""

from __future__ import annotations

import pytest
import requests
from emulator_client import HAL, Api

from exchange_linker_tools.emulator import DwollaEmulator
from exchange_linker_tools.fakes import FakeClock


def _token_request(emulator: DwollaEmulator, **kwargs: object) -> requests.Response:
    return requests.post(f"{emulator.url}/token", timeout=5, **kwargs)  # type: ignore[arg-type]


def test_token_via_basic_auth(emulator: DwollaEmulator) -> None:
    response = _token_request(emulator, data={"grant_type": "client_credentials"}, auth=("local-key", "local-secret"))

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert len(body["access_token"]) >= 40
    assert emulator.stats.tokens_issued == 1


def test_token_via_form_fields_like_dwollav2(emulator: DwollaEmulator) -> None:
    data = {"grant_type": "client_credentials", "client_id": "local-key", "client_secret": "local-secret"}

    response = _token_request(emulator, data=data)

    assert response.status_code == 200
    assert response.json()["access_token"]


def test_each_token_is_fresh(emulator: DwollaEmulator) -> None:
    auth = ("local-key", "local-secret")
    first = _token_request(emulator, data={"grant_type": "client_credentials"}, auth=auth).json()
    second = _token_request(emulator, data={"grant_type": "client_credentials"}, auth=auth).json()

    assert first["access_token"] != second["access_token"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"auth": ("local-key", "wrong-secret")},
        {"auth": ("wrong-key", "local-secret")},
        {"data": {"grant_type": "client_credentials", "client_id": "local-key", "client_secret": "nope"}},
        {},
    ],
    ids=["bad-secret", "bad-key", "bad-form-secret", "no-credentials"],
)
def test_bad_client_credentials_are_invalid_client(emulator: DwollaEmulator, kwargs: dict[str, object]) -> None:
    kwargs.setdefault("data", {"grant_type": "client_credentials"})

    response = _token_request(emulator, **kwargs)

    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client"}
    assert emulator.stats.tokens_issued == 0
    assert emulator.stats.token_requests == 1


def test_wrong_grant_type_is_unsupported(emulator: DwollaEmulator) -> None:
    response = _token_request(emulator, data={"grant_type": "password"}, auth=("local-key", "local-secret"))

    assert response.status_code == 400
    assert response.json() == {"error": "unsupported_grant_type"}


def test_custom_credentials_are_the_only_ones_accepted() -> None:
    with DwollaEmulator(client_key="k2", client_secret="s2") as emu:
        good = _token_request(emu, data={"grant_type": "client_credentials"}, auth=("k2", "s2"))
        default = _token_request(emu, data={"grant_type": "client_credentials"}, auth=("local-key", "local-secret"))

    assert good.status_code == 200
    assert default.status_code == 401


def test_token_expires_after_its_lifetime(api: Api, clock: FakeClock) -> None:
    assert api.get("/exchange-partners").status_code == 200

    clock.advance(3599)
    assert api.get("/exchange-partners").status_code == 200
    clock.advance(1)
    response = api.get("/exchange-partners")

    assert response.status_code == 401
    assert response.json()["code"] == "ExpiredAccessToken"


def test_expire_all_tokens_then_a_new_token_works(api: Api, emulator: DwollaEmulator) -> None:
    emulator.expire_all_tokens()

    expired = api.get("/exchange-partners")
    api.token = Api(emulator).token
    renewed = api.get("/exchange-partners")

    assert (expired.status_code, expired.json()["code"]) == (401, "ExpiredAccessToken")
    assert renewed.status_code == 200
    assert emulator.stats.auth_failures == 1


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic bG9jYWwta2V5OmxvY2FsLXNlY3JldA=="])
def test_missing_or_unknown_token_is_invalid_access_token(emulator: DwollaEmulator, authorization: str | None) -> None:
    headers = {"Accept": HAL} | ({"Authorization": authorization} if authorization else {})

    response = requests.get(f"{emulator.url}/exchange-partners", headers=headers, timeout=5)

    assert response.status_code == 401
    assert response.json()["code"] == "InvalidAccessToken"
    assert response.headers["Content-Type"] == HAL


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_missing_or_unversioned_accept_is_406(api: Api, emulator: DwollaEmulator, accept: str | None) -> None:
    headers = {"Authorization": f"Bearer {api.token}", "Accept": accept}

    listing = requests.get(f"{emulator.url}/exchange-partners", headers=headers, timeout=5)
    post = requests.post(f"{emulator.url}/exchanges", json={}, headers=headers, timeout=5)

    for response in (listing, post):
        assert response.status_code == 406
        assert response.json() == {"code": "InvalidVersion", "message": "Missing or invalid API version."}
    assert emulator.stats.exchange_posts == 0


def test_versioned_accept_with_parameters_is_accepted(api: Api, emulator: DwollaEmulator) -> None:
    headers = {"Authorization": f"Bearer {api.token}", "Accept": f"{HAL}; charset=UTF-8"}

    assert requests.get(f"{emulator.url}/exchange-partners", headers=headers, timeout=5).status_code == 200


def test_every_response_has_a_fresh_request_id(api: Api, emulator: DwollaEmulator) -> None:
    responses = [
        api.get("/exchange-partners"),
        api.get("/nowhere"),
        requests.get(f"{emulator.url}/exchange-partners", timeout=5),
        requests.post(f"{emulator.url}/token", timeout=5),
    ]

    ids = [r.headers["X-Request-ID"] for r in responses]
    assert len(set(ids)) == len(ids)


def test_unknown_route_is_not_found_json(api: Api) -> None:
    response = api.get("/transfers")  # not emulated

    assert response.status_code == 404
    assert response.json()["code"] == "NotFound"


def test_emulator_refuses_non_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        DwollaEmulator(host="0.0.0.0")


def test_url_requires_start() -> None:
    with pytest.raises(RuntimeError):
        _ = DwollaEmulator().url
