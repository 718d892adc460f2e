"""Runtime configuration, read once from the environment at cold start."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from exchange_linker.errors import ConfigurationError

DWOLLA_HOSTS = {
    "sandbox": "https://api-sandbox.dwolla.com",
    "production": "https://api.dwolla.com",
}
LOOPBACK_NAMES = {"localhost"}


@dataclass(frozen=True)
class Settings:
    dwolla_base_url: str
    credentials_secret_id: str
    token_secret_id: str
    results_table_name: str
    dead_letter_queue_url: str
    max_receive_count: int
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    max_concurrent_requests: int = 10
    queue_url: str | None = None  # the link-completed queue, to back off retries; optional
    outcome_event_bus: str | None = None  # EventBridge bus for Exchange Created/Failed; off when unset

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        return cls(
            dwolla_base_url=dwolla_base_url(environ),
            credentials_secret_id=_required(environ, "DWOLLA_CREDENTIALS_SECRET_ID"),
            token_secret_id=_required(environ, "DWOLLA_TOKEN_SECRET_ID"),
            results_table_name=_required(environ, "RESULTS_TABLE_NAME"),
            dead_letter_queue_url=_required(environ, "DEAD_LETTER_QUEUE_URL"),
            max_receive_count=_positive_int(environ, "MAX_RECEIVE_COUNT", default=None),
            connect_timeout=_positive_float(environ, "DWOLLA_CONNECT_TIMEOUT", 3.05),
            read_timeout=_positive_float(environ, "DWOLLA_READ_TIMEOUT", 10.0),
            max_concurrent_requests=_positive_int(environ, "DWOLLA_MAX_CONCURRENCY", default=10),
            queue_url=environ.get("LINK_COMPLETED_QUEUE_URL", "").strip() or None,
            outcome_event_bus=environ.get("OUTCOME_EVENT_BUS_NAME", "").strip() or None,
        )


def dwolla_base_url(environ: Mapping[str, str]) -> str:
    """The Dwolla host: `DWOLLA_API_URL` if set (HTTPS, or plain HTTP on loopback), else by environment."""
    override = environ.get("DWOLLA_API_URL", "").strip()
    if override:
        return validate_base_url(override)
    environment = environ.get("DWOLLA_ENVIRONMENT", "sandbox").strip().lower() or "sandbox"
    try:
        return DWOLLA_HOSTS[environment]
    except KeyError:
        raise ConfigurationError(
            f"DWOLLA_ENVIRONMENT must be one of {sorted(DWOLLA_HOSTS)}, got {environment!r}"
        ) from None


def validate_base_url(url: str) -> str:
    """Refuse anything but `https://host[:port]` or loopback `http://`, so tokens never travel in clear."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise ConfigurationError(f"DWOLLA_API_URL is not a valid URL: {url!r}") from None
    if parts.scheme not in {"https", "http"} or not host:
        raise ConfigurationError(f"DWOLLA_API_URL must be an absolute https:// URL, got {url!r}")
    if parts.scheme == "http" and not is_loopback(host):
        raise ConfigurationError("DWOLLA_API_URL may use plain http:// only on loopback (127.0.0.1, localhost)")
    if parts.username or parts.password or parts.query or parts.fragment or parts.path not in {"", "/"}:
        raise ConfigurationError("DWOLLA_API_URL must be scheme://host[:port] with no path, query or user info")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ConfigurationError(f"DWOLLA_API_URL has an invalid port: {url!r}") from None
    return f"{parts.scheme}://{parts.netloc}"


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"{name} is not set")
    return value


def _positive_int(environ: Mapping[str, str], name: str, *, default: int | None) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        if default is None:
            raise ConfigurationError(f"{name} is not set")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a positive integer, got {raw!r}") from None
    if value < 1:
        raise ConfigurationError(f"{name} must be a positive integer, got {raw!r}")
    return value


def _positive_float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a positive number, got {raw!r}") from None
    if not value > 0:
        raise ConfigurationError(f"{name} must be a positive number, got {raw!r}")
    return value
