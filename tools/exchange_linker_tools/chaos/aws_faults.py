"""What the AWS fault proxy answers instead of forwarding: AWS-shaped errors, the rates at which it does, and
the service a request is for (its `X-Amz-Target`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

DYNAMODB = "dynamodb"
SECRETS_MANAGER = "secretsmanager"
EVENTS = "events"


@dataclass(frozen=True)
class AwsError:
    """One AWS error answer, exactly as the service's JSON protocol spells it."""

    service: str
    status: int
    type_name: str
    message: str
    content_type: str

    @property
    def code(self) -> str:
        return self.type_name.rpartition("#")[2]

    def body(self) -> bytes:
        return json.dumps({"__type": self.type_name, "message": self.message}).encode()


DYNAMODB_THROTTLE = AwsError(
    DYNAMODB,
    400,
    "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "The level of configured provisioned throughput for the table was exceeded.",
    "application/x-amz-json-1.0",
)
DYNAMODB_INTERNAL = AwsError(
    DYNAMODB,
    500,
    "com.amazonaws.dynamodb.v20120810#InternalServerError",
    "Internal server error",
    "application/x-amz-json-1.0",
)
# What DynamoDB answers when the role lost a permission (or someone denied it): never retried by the SDK.
DYNAMODB_ACCESS_DENIED = AwsError(
    DYNAMODB,
    400,
    "com.amazon.coral.service#AccessDeniedException",
    "User is not authorized to perform this action on the resource because no identity-based policy allows it",
    "application/x-amz-json-1.0",
)
SECRETS_THROTTLE = AwsError(SECRETS_MANAGER, 400, "ThrottlingException", "Rate exceeded", "application/x-amz-json-1.1")
SECRETS_INTERNAL = AwsError(
    SECRETS_MANAGER,
    500,
    "InternalServiceError",
    "An error occurred on the server side.",
    "application/x-amz-json-1.1",
)

EVENTS_INTERNAL = AwsError(
    EVENTS, 500, "InternalException", "An internal error occurred.", "application/x-amz-json-1.1"
)


@dataclass(frozen=True)
class AwsFaultRates:
    """Share of each service's requests answered with each error; per service the shares sum to <= 1."""

    dynamodb_throttle: float = 0.0
    dynamodb_internal: float = 0.0
    secrets_throttle: float = 0.0
    secrets_internal: float = 0.0
    events_internal: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            if not 0.0 <= getattr(self, f.name) <= 1.0:
                raise ValueError(f"AwsFaultRates.{f.name} must be within [0, 1]")
        if self.dynamodb_throttle + self.dynamodb_internal > 1 or self.secrets_throttle + self.secrets_internal > 1:
            raise ValueError("the rates of one service must sum to at most 1")

    def choices(self, service: str) -> tuple[tuple[float, AwsError], ...]:
        if service == DYNAMODB:
            return ((self.dynamodb_throttle, DYNAMODB_THROTTLE), (self.dynamodb_internal, DYNAMODB_INTERNAL))
        if service == SECRETS_MANAGER:
            return ((self.secrets_throttle, SECRETS_THROTTLE), (self.secrets_internal, SECRETS_INTERNAL))
        if service == EVENTS:
            return ((self.events_internal, EVENTS_INTERNAL),)
        return ()


def service_of(target: str | None) -> str | None:
    """The service a JSON-protocol request is for, from its `X-Amz-Target` header."""
    if not target:
        return None
    prefix = target.partition(".")[0].lower()
    if prefix.startswith("dynamodb_"):
        return DYNAMODB
    if prefix == SECRETS_MANAGER:
        return SECRETS_MANAGER
    if prefix == "awsevents":
        return EVENTS
    return None
