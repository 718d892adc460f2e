"""Exit codes, and every failure turned into one line that says what is wrong and what to do.

    0  the operation succeeded
    1  the operation failed (or was declined), e.g. a send to SQS failed, an event has no result
    2  usage or configuration error: a bad flag or value, no region or credentials, a wrong queue, table or
       stack name, something the local stack cannot do
    3  AWS could not be reached, or refused the request (access denied, expired or unknown credentials)

`--debug` adds the traceback; without it an operator never sees one.
"""

from __future__ import annotations

from enum import IntEnum
from urllib.parse import urlsplit

import click

LOCAL_STACK_HINT = "`make run ARGS=--keep-running` starts it"


NO_CREDENTIALS = (
    "no AWS credentials: pass --profile NAME (or export AWS_PROFILE); for the local stack, " + LOCAL_STACK_HINT
)


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    AWS = 3


class OperatorError(click.ClickException):
    """A failure explained in one line; `exit_code` is one of ExitCode."""

    def __init__(self, message: str, exit_code: int = ExitCode.FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def usage(message: str) -> OperatorError:
    return OperatorError(message, ExitCode.USAGE)


# AWS error codes by what the operator has to do about them (query and JSON protocol spellings).
EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "AuthorizationError", "UnauthorizedOperation"})
UNRECOGNISED = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "InvalidSignatureException",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)
MISSING_QUEUE = frozenset({"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"})
MISSING_RESOURCE = MISSING_QUEUE | {"ResourceNotFoundException"}
UNREACHABLE = frozenset(
    {
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ConnectionClosedError",
        "ReadTimeoutError",
        "ProxyConnectionError",
    }
)


def is_loopback(endpoint: str | None) -> bool:
    host = urlsplit(endpoint or "").hostname or ""
    return host in {"localhost", "::1"} or host.startswith("127.")


def explain(error: BaseException, *, endpoint: str | None = None, service: str | None = None) -> OperatorError | None:
    """The one line for a boto3/botocore failure (raw, or wrapped in the layer's AwsError); None if unknown."""
    from botocore import exceptions as boto

    from exchange_linker.errors import AwsError

    if isinstance(error, AwsError):
        service = error.service
        if error.__cause__ is not None:
            cause = explain(error.__cause__, endpoint=endpoint, service=service)
            return cause or _by_code(error.code, service, None, str(error))
        return _by_code(error.code, service, None, error.message)
    if isinstance(error, boto.NoRegionError):
        return usage("no AWS region: pass --region (e.g. --region us-east-1) or export AWS_REGION")
    if isinstance(error, boto.ProfileNotFound):
        return usage(f"no AWS profile {error.kwargs.get('profile')!r} in ~/.aws/config: check --profile / AWS_PROFILE")
    if isinstance(error, (boto.SSOTokenLoadError, boto.UnauthorizedSSOTokenError, boto.TokenRetrievalError)):
        return OperatorError(
            "AWS refused the credentials: the SSO session has expired: run `aws sso login` and try again", ExitCode.AWS
        )
    if isinstance(error, (boto.NoCredentialsError, boto.PartialCredentialsError)):
        return usage(NO_CREDENTIALS)
    if isinstance(error, (boto.EndpointConnectionError, boto.ConnectTimeoutError, boto.ReadTimeoutError)):
        url = str(error.kwargs.get("endpoint_url") or endpoint or "AWS")
        return unreachable(url, type(error).__name__)
    if isinstance(error, boto.ClientError):
        details = error.response.get("Error", {})
        return _by_code(str(details.get("Code", "")), service, error.operation_name, str(details.get("Message", "")))
    return None


def unreachable(url: str, why: str) -> OperatorError:
    parts = urlsplit(url)
    where = f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
    reason = "connection refused or timed out" if why != "ReadTimeoutError" else "no answer in time"
    if is_loopback(url):
        hint = f"is the local stack running? ({LOCAL_STACK_HINT}; or unset AWS_ENDPOINT_URL to use AWS)"
    else:
        hint = "check the network (VPN, proxy) and --region"
    return OperatorError(f"cannot reach AWS at {where} ({reason}): {hint}", ExitCode.AWS)


def _by_code(code: str, service: str | None, operation: str | None, message: str) -> OperatorError | None:
    action = f"{service}:{operation}" if service and operation else (operation or service or "the request")
    if code in UNREACHABLE:
        return unreachable(_endpoint_in(message), code)
    if code in EXPIRED:
        return OperatorError(
            f"AWS refused the credentials: they have expired ({code}): renew them (e.g. `aws sso login`) and run again",
            ExitCode.AWS,
        )
    if code in DENIED:
        return OperatorError(
            f"AWS denied {action} to these credentials ({code}): use a role allowed to operate the stack "
            "(docs/runbook.md, 'Permissions')",
            ExitCode.AWS,
        )
    if code in UNRECOGNISED:
        return OperatorError(
            f"AWS does not recognise these credentials ({code}): check --profile / AWS_PROFILE and the keys",
            ExitCode.AWS,
        )
    if code in {"NoCredentialsError", "PartialCredentialsError"}:
        return usage(NO_CREDENTIALS)
    if code == "NoRegionError":
        return usage("no AWS region: pass --region (e.g. --region us-east-1) or export AWS_REGION")
    if code in MISSING_RESOURCE:
        return usage(f"AWS has no such {_resource(service)} ({code}): check its name or --stack-name")
    if code:
        return OperatorError(f"AWS refused {action} ({code}: {message[:160]})", ExitCode.AWS)
    return None


def _resource(service: str | None) -> str:
    return {"sqs": "queue", "dynamodb": "table", "secretsmanager": "secret", "cloudformation": "stack"}.get(
        service or "", "resource"
    )


def _endpoint_in(message: str) -> str:
    for word in message.replace('"', " ").split():
        if word.startswith(("http://", "https://")):
            return word
    return "AWS"
