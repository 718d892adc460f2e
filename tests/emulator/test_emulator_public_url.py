"""The emulator's public URL: the base Dwolla writes into a created exchange's Location."""

from __future__ import annotations

from emulator_client import Api, exchange_body

from exchange_linker_tools.emulator import DwollaEmulator


def test_location_uses_the_public_url_and_reset_restores_it(emulator: DwollaEmulator, api: Api) -> None:
    emulator.public_url = "HTTP://LOCALHOST:1234"
    created = api.post_exchange(exchange_body(emulator, credential="processor-x"))
    assert created.status_code == 201
    assert created.headers["Location"].startswith("HTTP://LOCALHOST:1234/exchanges/")
    emulator.reset()
    assert emulator.public_url is None
    again = api.post_exchange(exchange_body(emulator, credential="processor-y"))
    assert again.headers["Location"].startswith(f"{emulator.url}/exchanges/")
