"""The application access token: memory, then the fleet-wide token secret, then `POST /token`.

One token serves every container: whoever renews it writes it back to the token secret, and everyone
else picks it up from there instead of asking Dwolla. Each container renews a little early, at a jittered
moment, so the fleet does not stampede `/token` when a token nears its end.

Failures cost as little as possible:
- threads that waited while another one refreshed share that refresh's outcome instead of repeating it;
- a token that is only due for early renewal keeps serving if the renewal fails (Secrets Manager or
  Dwolla blipping), and the renewal is tried again `RENEWAL_RETRY` seconds later;
- when Dwolla refuses the client credentials (or the secret holding them is unusable) the container asks
  again only after a back-off (60 s, doubling up to 5 minutes), reading the credentials afresh then.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from exchange_linker.errors import DependencyError, NotAttemptedError, repeated
from exchange_linker.observability import Metric, count, logger

DEFAULT_RENEW_MARGIN = 60.0
DEFAULT_RENEW_JITTER = 240.0
RENEWAL_RETRY = 30.0
REFUSAL_BACK_OFF = 60.0
MAX_REFUSAL_BACK_OFF = 300.0
REFUSED_CODES = frozenset({"InvalidClientCredentials", "CredentialsUnavailable"})


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: float  # epoch seconds

    def usable(self, now: float, margin: float) -> bool:
        return self.expires_at - margin > now


class TokenStore(Protocol):
    """Where the fleet shares its token (the token secret)."""

    def load(self, *, fresh: bool) -> AccessToken | None:
        """The stored token, or None when there is none or it cannot be parsed. `fresh` skips caches."""
        ...

    def save(self, token: AccessToken) -> None: ...


class TokenIssuer(Protocol):
    def issue_token(self) -> AccessToken: ...


@dataclass(frozen=True)
class _Pause:
    error: DependencyError
    until: float


class TokenProvider:
    def __init__(
        self,
        store: TokenStore,
        issuer: TokenIssuer,
        *,
        clock: Callable[[], float] = time.time,
        renew_margin: float = DEFAULT_RENEW_MARGIN,
        renew_jitter: float = DEFAULT_RENEW_JITTER,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._issuer = issuer
        self._clock = clock
        self._margin = renew_margin + (rng or random.Random()).uniform(0, renew_jitter)  # noqa: S311 - jitter
        self._token: AccessToken | None = None
        self._lock = threading.Lock()
        self._refreshes = 0  # refresh attempts ended so far; a waiter compares to see one end meanwhile
        self._last_failure: DependencyError | None = None
        self._pause: _Pause | None = None
        self._refusals = 0

    def current(self) -> AccessToken:
        token = self._token
        if token is not None and token.usable(self._clock(), self._margin):
            return token
        seen = self._refreshes
        with self._lock:
            return self._refresh(None, seen=seen)

    def replace(self, rejected: AccessToken, *, issue: bool = False) -> AccessToken:
        """Dwolla refused `rejected` (expired or invalid): get a different one.

        First the shared one, which another container may have renewed; with `issue=True` (the shared one
        was refused too) straight from `POST /token`, unless another thread of ours just did that.
        """
        seen = self._refreshes
        with self._lock:
            return self._refresh(rejected, seen=seen, skip_store=issue)

    def _refresh(self, rejected: AccessToken | None, *, seen: int, skip_store: bool = False) -> AccessToken:
        now = self._clock()
        if self._acceptable(self._token, rejected, now):
            assert self._token is not None
            return self._token
        # Still valid and not refused by Dwolla, merely due for early renewal: serves if renewing fails.
        spare = self._token if rejected is None and self._token is not None and self._token.usable(now, 0) else None
        holding_back = self._holding_back(now, seen)
        if holding_back is not None:
            if spare is not None:
                return spare
            raise holding_back
        try:
            token = self._renew(rejected, now, skip_store=skip_store, spare=spare is not None)
        except DependencyError as error:
            self._last_failure = error
            return self._after_failure(error, spare, now)
        finally:
            self._refreshes += 1  # after the attempt: whoever waited meanwhile sees it ended
        self._last_failure, self._pause, self._refusals = None, None, 0
        return token

    def _holding_back(self, now: float, seen: int) -> DependencyError | None:
        """Why not to ask again now: a refresh this thread waited for just failed, or a pause is running."""
        if self._refreshes != seen and self._last_failure is not None:
            return repeated(self._last_failure, "a concurrent token refresh just failed")
        pause = self._pause
        if pause is not None and now < pause.until:
            return repeated(pause.error, f"no new token request for another {pause.until - now:.0f} s")
        return None

    def _renew(self, rejected: AccessToken | None, now: float, *, skip_store: bool, spare: bool) -> AccessToken:
        if not skip_store:
            # One read of the shared secret. At a cold start its cache is empty anyway; when renewing or
            # replacing, skip the cache: it may hold the very token we are replacing.
            try:
                stored = self._store.load(fresh=self._token is not None or rejected is not None)
            except DependencyError as error:
                if spare or isinstance(error, NotAttemptedError):
                    raise  # keep the valid token rather than ask Dwolla behind the fleet's back
                logger.warning("could not read the shared token; asking Dwolla", extra={"errorCode": error.code})
                stored = None
            if self._acceptable(stored, rejected, now):
                assert stored is not None
                self._token = stored
                return stored
        token = self._issuer.issue_token()
        self._store.save(token)
        self._token = token
        return token

    def _after_failure(self, error: DependencyError, spare: AccessToken | None, now: float) -> AccessToken:
        if spare is not None:
            self._pause = _Pause(error, now + RENEWAL_RETRY)
            logger.warning("could not renew the access token early; the current one stays in use", extra=_code(error))
            return spare
        if error.code in REFUSED_CODES:
            back_off = min(MAX_REFUSAL_BACK_OFF, REFUSAL_BACK_OFF * 2**self._refusals)
            self._refusals += 1
            self._pause = _Pause(error, now + back_off)
            count(Metric.CREDENTIALS_REFUSED)
            logger.error(
                "Dwolla client credentials unusable; no new token request before the back-off ends",
                extra={**_code(error), "backOffSeconds": back_off},
            )
        raise error

    def _acceptable(self, token: AccessToken | None, rejected: AccessToken | None, now: float) -> bool:
        if token is None or not token.usable(now, self._margin):
            return False
        return rejected is None or token.value != rejected.value


def _code(error: DependencyError) -> dict[str, str]:
    return {"errorCode": error.code}
