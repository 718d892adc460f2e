"""The official dwollav2 SDK works against the emulator unchanged: only its environment table is extended."""

from __future__ import annotations

import dwollav2
import pytest
from emulator_client import CUSTOMER_ID

from exchange_linker_tools.emulator import DwollaEmulator


@pytest.fixture
def sdk_client(emulator: DwollaEmulator, monkeypatch: pytest.MonkeyPatch) -> dwollav2.Client:
    environment = {
        "auth_url": f"{emulator.url}/auth",
        "token_url": f"{emulator.url}/token",
        "api_url": emulator.url,
    }
    monkeypatch.setitem(dwollav2.Client.ENVIRONMENTS, "emulator", environment)
    return dwollav2.Client(key=emulator.client_key, secret=emulator.client_secret, environment="emulator")


def test_sdk_token_partners_and_exchange(sdk_client: dwollav2.Client, emulator: DwollaEmulator) -> None:
    token = sdk_client.Auth.client()
    partners = token.get("exchange-partners").body["_embedded"]["exchange-partners"]
    plaid = next(p for p in partners if p["name"].lower() == "plaid")
    body = {"_links": {"exchange-partner": {"href": plaid["_links"]["self"]["href"]}}, "token": "sdk-token"}

    created = token.post(f"customers/{CUSTOMER_ID}/exchanges", body)
    fetched = token.get(created.headers["location"])

    assert created.status == 201
    assert created.headers["location"] == emulator.exchanges[0].location
    assert fetched.body["id"] == emulator.exchanges[0].id
    assert token.expires_in == 3600


def test_sdk_maps_emulator_errors_to_its_classes(sdk_client: dwollav2.Client, emulator: DwollaEmulator) -> None:
    token = sdk_client.Auth.client()
    body = {"_links": {"exchange-partner": {"href": emulator.partner_href("MX")}}, "token": "reauth-me"}

    with pytest.raises(dwollav2.UpdateCredentialsError):
        token.post("exchanges", body)
    emulator.expire_all_tokens()
    with pytest.raises(dwollav2.ExpiredAccessTokenError):
        token.get("exchange-partners")


def test_sdk_with_wrong_secret_gets_invalid_client(emulator: DwollaEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        dwollav2.Client.ENVIRONMENTS,
        "emulator",
        {"auth_url": f"{emulator.url}/auth", "token_url": f"{emulator.url}/token", "api_url": emulator.url},
    )
    client = dwollav2.Client(key=emulator.client_key, secret="wrong", environment="emulator")

    with pytest.raises(dwollav2.InvalidClientError):
        client.Auth.client()
