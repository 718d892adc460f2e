"""moto in server mode on loopback, started one way for everyone: the tests, `make run`, chaos and bench.

`moto_thread()` serves from this process; `moto_process()` from a child (a core and a GIL of its own, for
runs where moto is the bottleneck). The child prints its endpoint on its first line of stdout and serves
until its stdin closes, so it never outlives the parent. `exported()` sets environment variables (boto3
finds moto through `AWS_ENDPOINT_URL`, as it would find AWS) and puts them back afterwards.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

STOP_GRACE_SECONDS = 10.0
# Variables that would send boto3 to a real account or mix real credentials into a local run.
REAL_ACCOUNT_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@contextmanager
def moto_thread() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    from exchange_linker_tools.moto_atomic import serialize_dynamodb_items
    from exchange_linker_tools.moto_quotas import enforce_sqs_quotas
    from exchange_linker_tools.moto_speed import speed_up_sqs

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto logs every request otherwise
    enforce_sqs_quotas()  # SQS's message size and attribute quotas, which moto alone does not apply
    speed_up_sqs()  # the same answers without walking a queue per message handed out
    serialize_dynamodb_items()  # one request at a time per item, as DynamoDB: racing conditions, one winner
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@contextmanager
def moto_process() -> Iterator[str]:
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", __name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        endpoint = child.stdout.readline().strip()
        if not endpoint.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"moto server did not start (run `python -m {__name__}` to see why)")
        yield endpoint
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@contextmanager
def exported(variables: Mapping[str, str], *, cleared: Iterable[str] = REAL_ACCOUNT_VARIABLES) -> Iterator[None]:
    """Export `variables` (and unset `cleared`) in os.environ for the block; restore everything after."""
    names = [*variables, *cleared]
    previous = {name: os.environ.get(name) for name in names}
    for name in cleared:
        os.environ.pop(name, None)
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main() -> int:
    with moto_thread() as endpoint:
        print(endpoint, flush=True)
        sys.stdin.read()  # the parent closes our stdin (or dies): time to go
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
