"""Lambda entry point that replays the DLQ on demand. No wiring here: `exchange_linker.bootstrap` builds it.

    sam remote invoke DlqReplayFunction --stack-name $STACK --event '{"errorCodes": ["InvalidScope"]}'   # dry run
    sam remote invoke DlqReplayFunction --stack-name $STACK \
        --event '{"errorCodes": ["InvalidScope"], "dryRun": false}'                                      # moves

`dryRun` defaults to true: nothing moves unless the payload says so. InvalidEvent and ConflictingEvent
messages are held back unless their code is named; an unknown code is refused. Answers the replay summary;
`truncated: true` means the time ran out before the scan ended (invoke again to continue).
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from exchange_linker.bootstrap import ReplayService
from exchange_linker.observability import Metric, count, logger, metrics
from exchange_linker.replay.request import InvalidReplayRequestError, ReplayRequest
from exchange_linker.settings import ReplaySettings

MAX_EVENT_ROWS = 500  # keeps the answer far below Lambda's 6 MB response limit

service = ReplayService(ReplaySettings.from_environ())  # configuration errors fail the cold start, loudly


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        request = ReplayRequest.parse(event)
    except InvalidReplayRequestError as invalid:
        logger.warning("invalid replay request", extra={"reason": str(invalid)})
        raise  # nothing was counted: no empty metrics flush (Powertools would warn on every refusal)
    summary = service.run(request, remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000)
    count(Metric.REPLAY_MESSAGES_MOVED, summary.moved)
    count(Metric.REPLAY_SEND_FAILURES, summary.failed_sends)
    metrics.flush_metrics()  # only after a run: a refused request counted nothing (no empty-flush warning)
    answer = summary.as_dict(max_rows=MAX_EVENT_ROWS)
    logger.info("replay finished", extra={key: value for key, value in answer.items() if key != "events"})
    return answer
