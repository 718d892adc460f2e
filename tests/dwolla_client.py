"""A client of our own straight to Dwolla (the emulator, or a recording proxy in front of it): what someone
acting outside this service would do. Deliberately raw requests, nothing of the service's client."""

from __future__ import annotations

import requests

HAL_JSON = "application/vnd.dwolla.v1.hal+json"


def access_token(base_url: str, client_key: str, client_secret: str) -> str:
    """POST /token with the client-credentials grant."""
    response = requests.post(
        f"{base_url}/token",
        data={"grant_type": "client_credentials"},
        auth=(client_key, client_secret),
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def authorized_session(base_url: str, client_key: str, client_secret: str) -> requests.Session:
    """A session that sends the token and HAL+JSON on every request."""
    session = requests.Session()
    token = access_token(base_url, client_key, client_secret)
    session.headers.update({"Accept": HAL_JSON, "Authorization": f"Bearer {token}", "Content-Type": HAL_JSON})
    return session
