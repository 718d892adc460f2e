"""Which Dwolla failures are permanent (dead-letter now) and which are worth a retry.

Dwolla's docs and spec disagree on which HTTP status goes with which code, so the code decides first
and the status only when the code is unknown or missing.
"""

from __future__ import annotations

import re

PERMANENT_CODES = frozenset(
    {
        "InvalidExchangeToken",
        "InvalidExchange",
        "InactiveExchange",
        "UpdateCredentials",
        "ValidationError",
        "InvalidScope",
        "Forbidden",
        "NotFound",
    }
)
TOKEN_REJECTED_CODES = frozenset({"ExpiredAccessToken", "InvalidAccessToken"})
TRANSIENT_CODES = frozenset({"TooManyRequests", "ServerError", "RequestTimeout", "Conflict"} | TOKEN_REJECTED_CODES)


def is_permanent(status: int, code: str | None) -> bool:
    if code in PERMANENT_CODES:
        return True
    if code is None or code in TRANSIENT_CODES:
        return False  # no parsable code means an edge/HTML answer: transient
    return 400 <= status < 500 and status not in {408, 409, 429}


def fallback_code(status: int) -> str:
    """A code for answers that carry none (HTML error pages, empty bodies)."""
    if status == 429:
        return "TooManyRequests"
    if status >= 500:
        return "ServerError"
    return f"Http{status}"


# ---------------------------------------------------------------- every errorCode the service can emit
# What lands in the table's errorCode, the DLQ's errorCode attribute and the ErrorCode metric dimension.
# The runbook has an entry for each (a test checks), and `replay --error-code` accepts only these (in any
# case), the HttpNNN fallbacks, and codes actually present in the DLQ (Dwolla or AWS codes new to us).
INVALID_EVENT = "InvalidEvent"  # the body breaks the v1 contract
CONFLICTING_EVENT = "ConflictingEvent"  # same eventId, different content
RESULT_NOT_RECORDED = "ResultNotRecorded"  # Dwolla created the exchange, the table write failed
EXCHANGE_MAY_EXIST = "ExchangeMayExist"  # an unknown outcome Dwolla's own records cannot settle: a person decides
UNKNOWN_REASON = "Unknown"  # a DLQ message SQS's redrive moved, with no result recorded
SERVICE_CODES = frozenset(
    {
        INVALID_EVENT,
        CONFLICTING_EVENT,
        RESULT_NOT_RECORDED,
        EXCHANGE_MAY_EXIST,
        "InvalidClientCredentials",  # POST /token refused the key/secret
        "CredentialsUnavailable",  # the credentials secret is missing or unreadable
        "ExchangePartnerUnavailable",  # Dwolla does not list the partner
        "UnexpectedResponse",
        "UnexpectedLocation",
        "ConnectTimeout",
        "Timeout",
        "ConnectionError",
        "HttpError",
        "InternalError",  # a bug: the message went back to the queue
        "FingerprintKeyUnavailable",  # the fingerprint key secret is unreadable or too short
        "ConcurrentUpdate",  # the event changed while Dwolla's exchange list was read
        "ForeignExchangeUrl",  # an exchangeUrl off the configured host (reported inside ExchangeMayExist)
    }
)
# AWS failures that can outlast every retry (the last receive dead-letters them with the AWS code).
AWS_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "AccessDeniedException",
        "ResourceNotFoundException",
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "GetSecretFailed",
        "PutSecretValueFailed",
        "PutEventsFailed",  # the outcome event only: logged and counted, never dead-lettered
    }
)
# The funding-source step (after CREATED) reports Dwolla's answer under its own name, so that `dlq` tells
# "the exchange exists, its funding source failed" apart from the exchange's own failures.
FUNDING_SOURCE_PREFIX = "FundingSource"
DUPLICATE_RESOURCE = "DuplicateResource"  # success when it points at the existing funding source
_NETWORK_CODES = frozenset({"ConnectTimeout", "Timeout", "ConnectionError", "HttpError"})
_FUNDING_SOURCE_BASES = (
    PERMANENT_CODES
    | (TRANSIENT_CODES - TOKEN_REJECTED_CODES - {"TooManyRequests"})
    | _NETWORK_CODES
    | {DUPLICATE_RESOURCE, "UnexpectedResponse", "UnexpectedLocation"}
)
FUNDING_SOURCE_CODES = frozenset(FUNDING_SOURCE_PREFIX + code for code in _FUNDING_SOURCE_BASES)
KNOWN_ERROR_CODES = (
    PERMANENT_CODES | TRANSIENT_CODES | SERVICE_CODES | AWS_CODES | FUNDING_SOURCE_CODES | {UNKNOWN_REASON}
)
# Their reason says a replay of the unchanged message cannot succeed: moved only when asked for by code.
NOT_REPLAYABLE_UNCHANGED = frozenset({INVALID_EVENT, CONFLICTING_EVENT})
_FALLBACK = re.compile(r"(FundingSource)?Http[1-5]\d\d", re.IGNORECASE)


def funding_source_code(code: str) -> str:
    """The code a funding-source POST's failure is reported under (Dwolla's own codes prefixed)."""
    if code in _FUNDING_SOURCE_BASES or re.fullmatch(r"Http[1-5]\d\d", code):
        return FUNDING_SOURCE_PREFIX + code
    return code


def known_error_code(code: str) -> str | None:
    """The canonical spelling of a code given in any case, or None when the service never emits it."""
    folded = code.casefold()
    for known in KNOWN_ERROR_CODES:
        if known.casefold() == folded:
            return known
    if not _FALLBACK.fullmatch(code):
        return None
    head, _, status = code.casefold().rpartition("http")
    return (FUNDING_SOURCE_PREFIX if head else "") + "Http" + status
