"""The project's own exceptions.

Core code raises only these; adapters translate boto3/requests failures into them so the core never
needs to know which SDK failed. No exception message ever carries a credential or token.
"""

from __future__ import annotations


class ExchangeLinkerError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigurationError(ExchangeLinkerError):
    """The runtime configuration is unusable; raised at start so a bad deploy fails loudly."""


class InvalidEventError(ExchangeLinkerError):
    """A message body that breaks the v1 contract. Permanent: retrying cannot fix it."""

    code = "InvalidEvent"

    def __init__(self, field: str, reason: str, *, event_id: str | None = None) -> None:
        # Field names come from the sender (an unknown key, a metadata key): keep them short.
        self.field = _shorten(field, 64)
        self.reason = _shorten(reason, 160)
        self.event_id = event_id
        super().__init__(f"{self.field}: {self.reason}")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DependencyError(ExchangeLinkerError):
    """A call to Dwolla or AWS that did not succeed.

    `code` is what lands in DynamoDB, the DLQ and the metrics; `permanent` decides between the DLQ and a
    retry; `exchange_may_exist` says whether Dwolla might have created the exchange anyway (then a later
    attempt must reuse the same idempotency key).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        permanent: bool,
        status: int | None = None,
        request_id: str | None = None,
        exchange_may_exist: bool = False,
        retry_after: float | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.permanent = permanent
        self.status = status
        self.request_id = request_id
        self.exchange_may_exist = exchange_may_exist
        self.retry_after = retry_after
        super().__init__(f"{code}: {message}" if status is None else f"{code} (HTTP {status}): {message}")


class NotAttemptedError(DependencyError):
    """Nothing reached Dwolla for this record: no time was left, or Dwolla refused to look at it (429).

    The record goes back to the queue without counting as a failed attempt: no RETRYING row, never the DLQ.
    """

    def __init__(self, code: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(code, message, permanent=False, retry_after=retry_after)


def repeated(error: DependencyError, note: str) -> DependencyError:
    """A fresh error saying what `error` said (one exception object is never raised in two threads)."""
    message = f"{error.message} ({note})"
    if isinstance(error, NotAttemptedError):
        return NotAttemptedError(error.code, message, retry_after=error.retry_after)
    return DependencyError(
        error.code,
        message,
        permanent=error.permanent,
        status=error.status,
        request_id=error.request_id,
        retry_after=error.retry_after,
    )


class DwollaError(DependencyError):
    """Dwolla answered with an error, or could not be reached."""


class AwsError(DependencyError):
    """An AWS call (Secrets Manager, DynamoDB, SQS) failed; always transient for our purposes."""

    def __init__(self, service: str, code: str, message: str) -> None:
        super().__init__(code, f"{service}: {message}", permanent=False)
        self.service = service
