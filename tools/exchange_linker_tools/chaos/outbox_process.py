"""The outcome publisher's "Lambda container" in a chaos run: its stream mapping and function, in a process.

Its own process, like the consumer's workers, so the driver's interpreter (publishing, watching the
workers, replaying, collecting) cannot starve it: as a thread of the driver it lagged under load. It polls
the results table's stream exactly as `make run` does (`stream_poller`), invoking
functions/outcome_publisher/app.py; the environment is the function's (set by the driver: PutEvents
through the fault proxy, the stream and the failure queue straight to moto, as the mapping is AWS's own).
On SIGTERM it reads the stream to its end, then exits. Markers go to stderr as JSON lines
(`{"chaos": ...}`), the function's logs to stdout.

    python -m exchange_linker_tools.chaos.outbox_process --mapping stream-mapping.json --region us-east-1
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from exchange_linker_tools.chaos.stopping import sigterm_flag
from exchange_linker_tools.chaos.worker import mark

if TYPE_CHECKING:
    from exchange_linker_tools.stream_poller import DynamoDbStreamEventSource

IDLE_SECONDS = 0.2
ERROR_PAUSE_SECONDS = 0.5
DRAIN_ATTEMPTS = 5  # moto may still be busy when the run ends: a failed drain is tried again


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mapping", type=Path, required=True, help="the StreamMapping as JSON (provision.py)")
    parser.add_argument("--region", required=True)
    args = parser.parse_args(argv)
    stopping = sigterm_flag()
    mark("starting")
    source = build_source(args.mapping, args.region)
    mark("ready")
    parent = os.getppid()
    while not stopping.is_set():
        if os.getppid() != parent:  # the driver died without stopping us: never outlive the run
            mark("orphaned")
            return 1
        if poll(source) == 0:
            time.sleep(IDLE_SECONDS)
    return drain(source)


def build_source(mapping_file: Path, region: str) -> DynamoDbStreamEventSource:
    import boto3

    from exchange_linker_tools.local_run import PUBLISHER_PATH, load_handler
    from exchange_linker_tools.provision import StreamMapping
    from exchange_linker_tools.stream_poller import DynamoDbStreamEventSource

    mapping = StreamMapping(**json.loads(mapping_file.read_text()))
    handler = load_handler({}, PUBLISHER_PATH)  # the environment is already the function's
    session = boto3.session.Session(region_name=region)
    return DynamoDbStreamEventSource(
        session.client("dynamodbstreams"), session.client("sqs"), mapping, handler, region=region
    )


def poll(source: DynamoDbStreamEventSource) -> int:
    """One poll of every shard; returns the invocations made (moto busy: counted, paused, polled again)."""
    try:
        report = source.poll_once()
    except Exception as error:
        mark("poll-error", error=type(error).__name__)
        time.sleep(ERROR_PAUSE_SECONDS)
        return 0
    if report.invocations:
        mark(
            "poll",
            invocations=report.invocations,
            records=report.records,
            retries=report.retries,
            sent_to_failure_queue=report.sent_to_failure_queue,
        )
    return report.invocations


def drain(source: DynamoDbStreamEventSource) -> int:
    """Read the stream to its end (every write of the run is in it by now); 0 when it was."""
    for _ in range(DRAIN_ATTEMPTS):
        try:
            polls = source.drain()
        except Exception as error:
            mark("poll-error", error=type(error).__name__)
            time.sleep(ERROR_PAUSE_SECONDS)
            continue
        mark("drained", polls=polls)
        return 0
    mark("not-drained")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
