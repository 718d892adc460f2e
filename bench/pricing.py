"""AWS list prices for the cost of a million events: us-east-1, on-demand, in USD, free tiers left out.

Source: the public pricing pages of each service (aws.amazon.com/<service>/pricing), us-east-1, as read
in 2025 (DynamoDB's on-demand prices are those after the 50 % cut of 1 November 2024). Prices change:
check them before quoting a figure outside this repository.
"""

from __future__ import annotations

# Lambda, arm64 (Graviton): first 6 billion GB-seconds a month, and requests.
LAMBDA_ARM64_PER_GB_SECOND = 0.0000133334
LAMBDA_PER_REQUEST = 0.20 / 1_000_000
# Lambda gives a function the equivalent of one vCPU at 1,769 MB, and CPU in proportion below that.
LAMBDA_MB_PER_VCPU = 1769

# DynamoDB on-demand, Standard table class: per request unit (a write unit is 1 KB, a strongly
# consistent read unit is 4 KB).
DYNAMODB_PER_WRITE_UNIT = 0.625 / 1_000_000
DYNAMODB_PER_READ_UNIT = 0.125 / 1_000_000

# Secrets Manager: per secret per month, and per API call (GetSecretValue, PutSecretValue, ...).
SECRETS_MANAGER_PER_SECRET_MONTH = 0.40
SECRETS_MANAGER_PER_CALL = 0.05 / 10_000

# SQS standard queue: per request (each 64 KB chunk of a payload is a request).
SQS_PER_REQUEST = 0.40 / 1_000_000

# EventBridge: custom events put on an event bus (each 64 KB chunk is one event).
EVENTBRIDGE_PER_EVENT = 1.00 / 1_000_000

# CloudWatch Logs ingestion (Standard log class), per GB; custom metrics (EMF), per metric per month
# (first 10,000 metrics).
CLOUDWATCH_LOGS_PER_GB = 0.50
CLOUDWATCH_PER_METRIC_MONTH = 0.30
