"""Runtime configuration, declared once with pydantic-settings and read from the environment at cold start.

`Settings()` reads `os.environ` (the Lambda path); `Settings.from_environ(mapping)` reads a given mapping
through the same source, for the local stack and tests. Every problem is a ConfigurationError naming the
variable, so a bad deployment fails its cold start with one readable line.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import AliasChoices, BeforeValidator, Field, PositiveFloat, PositiveInt, ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from exchange_linker.errors import ConfigurationError
from exchange_linker.validation import problems

DWOLLA_HOSTS = {
    "sandbox": "https://api-sandbox.dwolla.com",
    "production": "https://api.dwolla.com",
}
LOOPBACK_NAMES = {"localhost"}
DEFAULT_PORTS = {"https": 443, "http": 80}

_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("exchange_linker_environ", default=None)


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_stripped), Field(min_length=1)]
OptionalText = Annotated[str | None, BeforeValidator(lambda v: _stripped(v) or None)]


def env(name: str) -> Any:
    """A field read from exactly this environment variable."""
    return AliasChoices(name)


class _MappingSource(EnvSettingsSource):
    """The environment source, reading a given mapping instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name: value for name, value in self._environ.items() if value != ""}


class EnvironmentSettings(BaseSettings):
    """Base for the functions' settings: exact, case-sensitive variable names; empty means unset."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, extra="ignore", frozen=True)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Self:
        token = _ENVIRON.set(environ)
        try:
            return cls()
        except ValidationError as error:
            field, reason = problems(error)[0]
            raise ConfigurationError(f"{field}: {reason}") from None
        finally:
            _ENVIRON.reset(token)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        environ = _ENVIRON.get()
        return (init_settings, env_settings if environ is None else _MappingSource(settings_cls, environ))


class DwollaSettings(EnvironmentSettings):
    """What every function that calls Dwolla reads: which host, and how long to wait for it."""

    dwolla_api_url: OptionalText = Field(default=None, validation_alias=env("DWOLLA_API_URL"))
    dwolla_environment: Annotated[
        Literal["sandbox", "production"], BeforeValidator(lambda v: (_stripped(v) or "sandbox").lower())
    ] = Field(default="sandbox", validation_alias=env("DWOLLA_ENVIRONMENT"))
    connect_timeout: PositiveFloat = Field(default=3.05, validation_alias=env("DWOLLA_CONNECT_TIMEOUT"))
    read_timeout: PositiveFloat = Field(default=10.0, validation_alias=env("DWOLLA_READ_TIMEOUT"))

    @property
    def dwolla_base_url(self) -> str:
        """The Dwolla host: `DWOLLA_API_URL` if set (HTTPS, or plain HTTP on loopback), else by environment."""
        if self.dwolla_api_url:
            return validate_base_url(self.dwolla_api_url)
        return DWOLLA_HOSTS[self.dwolla_environment]

    def model_post_init(self, context: Any, /) -> None:
        self.dwolla_base_url  # noqa: B018 - an unsafe DWOLLA_API_URL fails here, at the cold start


class Settings(DwollaSettings):
    """The link-completed consumer."""

    credentials_secret_id: Text = Field(validation_alias=env("DWOLLA_CREDENTIALS_SECRET_ID"))
    token_secret_id: Text = Field(validation_alias=env("DWOLLA_TOKEN_SECRET_ID"))
    fingerprint_key_secret_id: Text = Field(validation_alias=env("FINGERPRINT_KEY_SECRET_ID"))
    results_table_name: Text = Field(validation_alias=env("RESULTS_TABLE_NAME"))
    dead_letter_queue_url: Text = Field(validation_alias=env("DEAD_LETTER_QUEUE_URL"))
    max_receive_count: PositiveInt = Field(validation_alias=env("MAX_RECEIVE_COUNT"))
    max_concurrent_requests: PositiveInt = Field(default=10, validation_alias=env("DWOLLA_MAX_CONCURRENCY"))
    # Seconds kept back from each invocation's remaining time to record the outcome of the records in flight.
    deadline_margin: PositiveFloat = Field(default=10.0, validation_alias=env("DEADLINE_MARGIN_SECONDS"))
    # The link-completed queue, to back off retries; optional.
    queue_url: OptionalText = Field(default=None, validation_alias=env("LINK_COMPLETED_QUEUE_URL"))


class OutcomePublisherSettings(EnvironmentSettings):
    """The outcome publisher: the results table's stream to the outcome bus (deployed only with a bus)."""

    outcome_event_bus: Text = Field(validation_alias=env("OUTCOME_EVENT_BUS_NAME"))


class ReplaySettings(EnvironmentSettings):
    """The DLQ replay function."""

    dead_letter_queue_url: Text = Field(validation_alias=env("DEAD_LETTER_QUEUE_URL"))
    queue_url: Text = Field(validation_alias=env("LINK_COMPLETED_QUEUE_URL"))
    results_table_name: Text = Field(validation_alias=env("RESULTS_TABLE_NAME"))


class ReconcileSettings(DwollaSettings):
    """The reconciliation (the scheduled function and `exchange-linker reconcile`): read-only, so no queue,
    no fingerprint key, and the token secret only read (a token is shared when one is there, never written)."""

    credentials_secret_id: Text = Field(validation_alias=env("DWOLLA_CREDENTIALS_SECRET_ID"))
    token_secret_id: OptionalText = Field(default=None, validation_alias=env("DWOLLA_TOKEN_SECRET_ID"))
    results_table_name: Text = Field(validation_alias=env("RESULTS_TABLE_NAME"))
    # Requests per second to Dwolla, every request counted (token, partners, each page of a list).
    requests_per_second: PositiveFloat = Field(default=5.0, validation_alias=env("RECONCILE_REQUESTS_PER_SECOND"))
    # The scheduled run's window: the owners of the items written in the last this many hours.
    window_hours: PositiveFloat = Field(default=24.0, validation_alias=env("RECONCILE_WINDOW_HOURS"))


def validate_base_url(url: str) -> str:
    """`scheme://host[:port]` in one canonical spelling, so Locations Dwolla returns compare equal to it.

    Refuses anything but HTTPS (or plain HTTP on loopback), so tokens never travel in clear. The scheme and
    host are lower-cased, a default port and a trailing slash dropped: `HTTPS://API.Dwolla.com:443/` and
    `https://api.dwolla.com` are the same base.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"DWOLLA_API_URL is not a valid URL with a valid port: {url!r}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not host:
        raise ConfigurationError(f"DWOLLA_API_URL must be an absolute https:// URL, got {url!r}")
    if scheme == "http" and not is_loopback(host):
        raise ConfigurationError("DWOLLA_API_URL may use plain http:// only on loopback (127.0.0.1, localhost)")
    if parts.username or parts.password or parts.query or parts.fragment or parts.path not in {"", "/"}:
        raise ConfigurationError("DWOLLA_API_URL must be scheme://host[:port] with no path, query or user info")
    netloc = f"[{host}]" if ":" in host else host  # hostname is already lower-case and unbracketed
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
