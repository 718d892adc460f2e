"""Lambda entry point of the scheduled reconciliation (template parameter ReconcileSchedule; off by default).

Each run judges the owners whose items were written in the last RECONCILE_WINDOW_HOURS against Dwolla's
exchange lists, read-only, and emits ReconcileDisagreements (0 when all agree, so the alarm clears on the
next good run). What disagrees is logged at ERROR and answered; `exchange-linker reconcile` shows the same.
Wiring lives in bootstrap.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from exchange_linker.observability import Metric, count, logger, metrics
from exchange_linker.settings import ReconcileSettings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from exchange_linker.reconcile.service import ReconciliationService

SETTINGS = ReconcileSettings.from_environ()  # a configuration error fails the cold start, loudly
MARGIN_SECONDS = 10.0  # kept back from the invocation to count, log and answer
MAX_ROWS = 200  # per list in the answer and the log line: far below Lambda's and CloudWatch's limits


@cache
def service() -> ReconciliationService:
    """Built on the first invocation: boto3 and requests load then, not during the import."""
    from exchange_linker.bootstrap import build_reconciliation

    return build_reconciliation(SETTINGS)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from exchange_linker.reconcile.scope import Scope

    report = service().run(
        Scope.last_hours(SETTINGS.window_hours),
        remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000 - MARGIN_SECONDS,
    )
    count(Metric.RECONCILE_DISAGREEMENTS, report.disagreements)
    answer = {name: value[:MAX_ROWS] if isinstance(value, list) else value for name, value in report.as_dict().items()}
    if report.agrees:
        logger.info("reconciled: the table and Dwolla agree", extra=answer)
    else:
        logger.error("reconciled: the table and Dwolla disagree (see docs/runbook.md)", extra=answer)
    return answer
