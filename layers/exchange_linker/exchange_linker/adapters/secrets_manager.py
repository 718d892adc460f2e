"""The Dwolla client credentials and the fleet-wide token cache, both in Secrets Manager (via Powertools)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, SetSecretError

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.dwolla.tokens import AccessToken
from exchange_linker.errors import AwsError, DwollaError
from exchange_linker.observability import logger

CACHE_SECONDS = 300


@dataclass(frozen=True)
class ClientCredentials:
    key: str = field(repr=False)
    secret: str = field(repr=False)


class Secrets:
    """One Powertools provider per container: its cache is per instance, not per process."""

    def __init__(self, clients: AwsClients, *, cache_seconds: int = CACHE_SECONDS) -> None:
        self._clients = clients
        self._provider: SecretsProvider | None = None
        self.cache_seconds = cache_seconds

    @property
    def provider(self) -> SecretsProvider:
        if self._provider is None:
            self._provider = SecretsProvider(boto3_client=self._clients.secretsmanager)
        return self._provider

    def read(self, secret_id: str, *, fresh: bool = False) -> str:
        try:
            value = self.provider.get(secret_id, max_age=self.cache_seconds, force_fetch=fresh)
        except GetParameterError as error:
            cause = error.__cause__ or error.__context__  # Powertools raises without `from`
            code = getattr(cause, "response", {}).get("Error", {}).get("Code", "GetSecretFailed")
            raise AwsError("secretsmanager", code, f"could not read secret {secret_id}") from None
        if isinstance(value, bytes):
            return value.decode(errors="replace")
        return value if isinstance(value, str) else ""

    def write(self, secret_id: str, value: str) -> None:
        try:
            self.provider.set(secret_id, value)
        except SetSecretError:
            raise AwsError("secretsmanager", "PutSecretValueFailed", f"could not write secret {secret_id}") from None


class CredentialsSecret:
    def __init__(self, secrets: Secrets, secret_id: str) -> None:
        self._secrets = secrets
        self._secret_id = secret_id

    def __call__(self, *, fresh: bool = False) -> ClientCredentials:
        """The key and secret; `fresh` skips the cache (after Dwolla refused the cached ones)."""
        try:
            data: Any = json.loads(self._secrets.read(self._secret_id, fresh=fresh))
        except ValueError:
            data = None
        if not (isinstance(data, dict) and isinstance(data.get("key"), str) and isinstance(data.get("secret"), str)):
            message = 'the credentials secret must hold {"key": "…", "secret": "…"}'
            raise DwollaError("CredentialsUnavailable", message, permanent=False)
        return ClientCredentials(key=data["key"], secret=data["secret"])


class TokenSecret:
    """Implements tokens.TokenStore. An empty, `{}` or unparsable secret simply means "no token"."""

    def __init__(self, secrets: Secrets, secret_id: str) -> None:
        self._secrets = secrets
        self._secret_id = secret_id

    def load(self, *, fresh: bool) -> AccessToken | None:
        try:
            raw = self._secrets.read(self._secret_id, fresh=fresh)
        except AwsError as error:
            if error.code in {"ResourceNotFoundException"}:
                return None
            raise
        return parse_token(raw)

    def save(self, token: AccessToken) -> None:
        """Best effort: the token in memory still works if the write fails; others will just ask Dwolla."""
        try:
            shared = json.dumps({"accessToken": token.value, "expiresAt": token.expires_at})
            self._secrets.write(self._secret_id, shared)
        except AwsError as error:
            logger.warning("could not share the new access token", extra={"errorCode": error.code})


class SharedTokenReader:
    """A tokens.TokenStore that reads the fleet's token but never writes one: the reconciliation is read-only.

    No token secret (None), or no usable token in it, means asking `POST /token`; that token is then kept
    in this process's memory only.
    """

    def __init__(self, secrets: Secrets, secret_id: str | None) -> None:
        self._shared = TokenSecret(secrets, secret_id) if secret_id else None

    def load(self, *, fresh: bool) -> AccessToken | None:
        return self._shared.load(fresh=fresh) if self._shared else None

    def save(self, token: AccessToken) -> None:
        return


def parse_token(raw: str) -> AccessToken | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    value, expires_at = data.get("accessToken"), data.get("expiresAt")
    if not (isinstance(value, str) and value) or isinstance(expires_at, bool):
        return None
    if not isinstance(expires_at, int | float):
        return None
    return AccessToken(value=value, expires_at=float(expires_at))


class FingerprintKeySecret:
    """The HMAC key of the request fingerprints: a random string, created with the stack, never rotated."""

    def __init__(self, secrets: Secrets, secret_id: str) -> None:
        self._secrets = secrets
        self._secret_id = secret_id

    def __call__(self) -> bytes:
        return self._secrets.read(self._secret_id).encode()
