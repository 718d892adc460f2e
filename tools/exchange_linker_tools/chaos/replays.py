"""The operator's part: replay the DLQ's transient failures through the project's replay core."""

from __future__ import annotations

import time
from collections import Counter

from exchange_linker.adapters.aws import AwsClients
from exchange_linker.bootstrap import build_replayer
from exchange_linker.replay.filter import ReplayFilter
from exchange_linker.replay.message import DeadLetterView
from exchange_linker.replay.pacing import Deadline
from exchange_linker.replay.replayer import Action as ReplayAction
from exchange_linker_tools.chaos.config import ReplayRound
from exchange_linker_tools.chaos.verify import is_replayable
from exchange_linker_tools.local_stack import LocalStack


class Replayable(ReplayFilter):
    """The replay core's filter, narrowed to what may succeed now (see `verify.is_replayable`)."""

    def matches(self, view: DeadLetterView) -> bool:
        return is_replayable(view.error_code) and super().matches(view)


def replay_transient(stack: LocalStack, started: float) -> ReplayRound:
    """Replay the DLQ's transient failures through the project's replay core (send first, delete after).

    A message's reason comes from its attributes, or, for one SQS's own redrive moved, from the table.
    One pass over the DLQ: moto scans a queue as a list on every receive, so each pass is costly.
    """
    resources = stack.resources
    replayer = build_replayer(
        AwsClients(),
        resources.dead_letter_queue_url,
        resources.queue_url,
        results_table_name=resources.table_name,
        deadline=Deadline.in_seconds(60),
        receive_wait_seconds=0,
    )
    summary = replayer.run(Replayable(), dry_run=False)
    moved = [row for row in summary.rows if row.action in {ReplayAction.MOVED, ReplayAction.NOT_DELETED}]
    return ReplayRound(
        round(time.monotonic() - started, 2),
        summary.scanned,
        summary.moved,
        dict(Counter(row.view.error_code or "?" for row in moved)),
        dict(Counter(row.view.reason_from for row in moved)),
    )
