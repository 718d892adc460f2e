"""One chaos worker: a "Lambda container" running the real handler under SqsEventSource, in its own process.

Its own process so the driver can SIGKILL it mid-batch, as a crashed or timed-out container dies. The
environment is the function's (set by the driver); the handler is loaded from
functions/link_completed/app.py exactly as `exchange-linker run` loads it. Progress markers go to
stderr as JSON lines (`{"chaos": ...}`) so the driver can tell whether a kill hit a batch in flight.

    python -m exchange_linker_tools.chaos.worker --queue-url URL --queue-arn ARN --region us-east-1
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exchange_linker_tools.chaos.stopping import sigterm_flag

if TYPE_CHECKING:
    from exchange_linker_tools.poller import SqsEventSource

IDLE_SECONDS = 0.1  # an empty queue is polled again after this (Lambda's poller long-polls instead)
ERROR_PAUSE_SECONDS = 0.5


def mark(kind: str, **fields: Any) -> None:
    sys.stderr.write(json.dumps({"chaos": kind, "at": round(time.time(), 3), **fields}) + "\n")
    sys.stderr.flush()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--queue-arn", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--retry-delay", type=int, default=1, help="seconds before a reported failure is retried")
    parser.add_argument(
        "--function-timeout",
        type=float,
        default=30.0,
        help="the function's Timeout (scaled): the context's get_remaining_time_in_millis() counts down from it, "
        "as the consumer's time budget reads it on AWS; the driver SIGKILLs an invocation that outlives it",
    )
    parser.add_argument(
        "--clock-file",
        type=Path,
        default=None,
        help="holds seconds to add to the consumer's wall clock (the driver moves it a day when Dwolla forgets "
        "its Idempotency-Keys); read on every tick of the clock",
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        default=None,
        help="holds the wall time the invocation in flight started (empty between invocations): the driver "
        "SIGKILLs a worker whose invocation outlives the function's timeout, as Lambda does",
    )
    parser.add_argument(
        "--cool-down",
        type=float,
        default=None,
        help="seconds without a 429 before a container lifts its pacing (scaled down like --retry-delay)",
    )
    parser.add_argument(
        "--backoff",
        type=float,
        nargs=3,
        metavar=("FIRST", "RATE_LIMIT", "MAX"),
        default=None,
        help="the consumer's own retry delays (backoff.py), scaled down: what a killed container leaves set",
    )
    return parser.parse_args(argv)


def scale_time(cool_down: float | None, backoff: Sequence[float] | None) -> None:
    """Shrink the consumer's real-time waits to the run's scale (the poller already shrinks visibility).

    Without it a container killed right after backing a message off would hide that message for up to
    15 minutes, and a burst of 429s would slow a container down for five, in a run that lasts one. The
    limiter's floor is raised in proportion (one POST every 5 s becomes one every `cool_down` / 60 s).
    """
    import exchange_linker.dwolla.limiter
    import exchange_linker.ingest.backoff

    if cool_down is not None:
        limiter = exchange_linker.dwolla.limiter
        scale = limiter.DEFAULT_RECOVERY_SECONDS / cool_down
        limiter.DEFAULT_RECOVERY_SECONDS = cool_down
        limiter.DEFAULT_MIN_RATE = limiter.DEFAULT_MIN_RATE * scale
    if backoff is not None:
        first, rate_limit, longest = backoff
        exchange_linker.ingest.backoff.FIRST_RETRY = first
        exchange_linker.ingest.backoff.RATE_LIMIT_PENALTY = rate_limit
        exchange_linker.ingest.backoff.MAX_DELAY = longest


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    stopping = sigterm_flag()
    mark("starting")

    import boto3

    from exchange_linker_tools.local_run import load_handler
    from exchange_linker_tools.poller import SqsEventSource

    handler = load_handler({})  # the environment is already the function's
    scale_time(args.cool_down, args.backoff)
    if args.clock_file is not None:
        shift_clock(args.clock_file)

    def traced(event: dict[str, Any], context: Any) -> Any:
        receives = [
            [record["messageId"], int(record["attributes"]["ApproximateReceiveCount"])] for record in event["Records"]
        ]
        mark("invoke", records=len(event["Records"]), receives=receives)
        in_flight(args.state_file, time.time())
        started = time.monotonic()
        try:
            return handler(event, context)
        finally:
            in_flight(args.state_file, None)
            mark("invoked", seconds=round(time.monotonic() - started, 3))

    source = SqsEventSource(
        boto3.client("sqs", region_name=args.region),
        queue_url=args.queue_url,
        queue_arn=args.queue_arn,
        region=args.region,
        handler=traced,
        batch_size=args.batch_size,
        retry_delay=args.retry_delay,
        timeout_seconds=args.function_timeout,
    )
    mark("ready")
    parent = os.getppid()
    while not stopping.is_set():
        if os.getppid() != parent:  # the driver died without stopping us: never outlive the run
            mark("orphaned")
            break
        poll(source)
    mark("stopped")
    return 0


def shift_clock(clock_file: Path) -> None:
    """The consumer's wall clock (bootstrap's `now`, built on the first invocation) plus the file's offset."""
    from datetime import datetime, timedelta

    import exchange_linker.bootstrap

    namespace = vars(exchange_linker.bootstrap)  # build_consumer reads `utc_now` from here when it runs
    if "utc_now" not in namespace:  # a consumer without an injectable wall clock: the driver keeps keys
        mark("clock-fixed")
        return
    real: Callable[[], datetime] = namespace["utc_now"]

    def shifted() -> datetime:
        text = clock_file.read_text().strip() if clock_file.exists() else ""
        return real() + timedelta(seconds=float(text or 0))

    namespace["utc_now"] = shifted


def in_flight(state_file: Path | None, started: float | None) -> None:
    """Tell the driver's deadline watchdog when the invocation in flight started (None: none is)."""
    if state_file is not None:
        state_file.write_text("" if started is None else repr(started))


def poll(source: SqsEventSource) -> None:
    """One poll as Lambda's poller makes it; SQS errors (moto busy) are simply retried."""
    try:
        report = source.poll_once()
    except Exception as error:
        mark("poll-error", error=type(error).__name__)
        time.sleep(ERROR_PAUSE_SECONDS)
        return
    if report.received == 0:
        time.sleep(IDLE_SECONDS)
        return
    mark(
        "batch",
        received=report.received,
        succeeded=report.succeeded,
        failed=report.failed,
        handler_errors=report.handler_errors,
    )


if __name__ == "__main__":
    raise SystemExit(main())
