"""Logger and metrics shared by the whole package (Powertools; configured by POWERTOOLS_* variables)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

SERVICE = "exchange-linker"
NAMESPACE = "ExchangeLinker"

logger = Logger(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)


def count(name: str, value: float = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_error(code: str) -> None:
    """One metric per error code, so an alarm can watch a single code (InvalidScope needs a human)."""
    with single_metric(
        name="ExchangeErrors", unit=MetricUnit.Count, value=1, namespace=NAMESPACE, default_dimensions={}
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        metric.add_dimension(name="ErrorCode", value=code)


def record_latency(name: str, milliseconds: float) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Milliseconds, value=milliseconds)
