"""Run the emulator in the foreground (``exchange-linker emulator`` / ``python -m ...emulator``).

``serve`` is the default subcommand; ``fault`` and ``clear`` (cli_operator.py) change a running one.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TextIO

from exchange_linker_tools.emulator.cli_operator import PROG, OneLineParser, run_clear, run_fault
from exchange_linker_tools.emulator.faults import FaultPlan
from exchange_linker_tools.emulator.models import DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET
from exchange_linker_tools.emulator.server import DwollaEmulator

DEFAULT_PORT = 8089


def serve(
    port: int = DEFAULT_PORT,
    *,
    host: str = "127.0.0.1",
    client_key: str = DEFAULT_CLIENT_KEY,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    token_lifetime: int = 3600,
    faults: FaultPlan | None = None,
    seed: int | None = None,
    out: TextIO | None = None,
    rate_limit: float | None = None,
    rate_limit_burst: float | None = None,
) -> None:
    """Serve until Ctrl-C or SIGTERM, after printing what a client needs to connect."""
    out = out or sys.stdout
    done = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stop) if in_main_thread else None
    emulator = DwollaEmulator(
        client_key=client_key,
        client_secret=client_secret,
        token_lifetime=token_lifetime,
        host=host,
        port=port,
        faults=faults,
        seed=seed,
        log_requests=True,
        rate_limit=rate_limit,
        rate_limit_burst=rate_limit_burst,
    )
    with emulator:
        print(f"Dwolla emulator listening on {emulator.url}", file=out)
        print(f"  client key:    {client_key}", file=out)
        print(f"  client secret: {client_secret}", file=out)
        print(f"  controls:      {emulator.url}/_emulator/ (faults, hangs, rate-limit, exchanges, stats)", file=out)
        print("Press Ctrl-C to stop.", file=out, flush=True)
        try:
            done.wait()
        except KeyboardInterrupt:
            pass
        finally:
            if in_main_thread:
                signal.signal(signal.SIGTERM, previous)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=PROG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "A local stand-in for Dwolla's sandbox.\n\n"
            "subcommands:\n"
            "  serve   (the default) serve in the foreground until Ctrl-C or SIGTERM\n"
            "  fault   make a running emulator answer a Dwolla error for a customer/partner\n"
            "  clear   remove those faults\n"
            f"  ({PROG} fault --help for more)"
        ),
        epilog=f"example:\n  {PROG} serve --port 8089 --rate-limit 20 --server-error-after-create-rate 0.05",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--key", default=DEFAULT_CLIENT_KEY, help="client key to accept")
    parser.add_argument("--secret", default=DEFAULT_CLIENT_SECRET, help="client secret to accept")
    parser.add_argument("--token-lifetime", type=int, default=3600, help="seconds")
    parser.add_argument("--seed", type=int, default=None, help="makes fault decisions reproducible")
    parser.add_argument(
        "--rate-limit", type=float, default=None, metavar="RPS", help="requests per second, whole API (429 beyond)"
    )
    parser.add_argument("--rate-limit-burst", type=float, default=None, metavar="N", help="bucket size; default RPS")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each exchange POST")
    kinds = ("server-error", "unavailable", "rate-limit", "timeout-after-create", "connection-reset")
    for name in (*kinds, "server-error-after-create"):
        parser.add_argument(f"--{name}-rate", type=float, default=0.0, help="share of exchange POSTs, 0..1")
    parser.add_argument("--timeout-delay", type=float, default=5.0, help="seconds, for timeout-after-create")
    parser.add_argument(
        "--conflicts-after-server-error",
        type=int,
        default=2,
        help="409s the Idempotency-Key answers after a server-error-after-create, before it replays the 201",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``serve`` unless the first argument names another subcommand, so the old flag-only calls still serve."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    command, rest = (
        (arguments[0], arguments[1:]) if arguments[:1] in (["serve"], ["fault"], ["clear"]) else ("serve", arguments)
    )
    if command == "fault":
        return run_fault(rest)
    if command == "clear":
        return run_clear(rest)
    return _serve_main(rest)


def _serve_main(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    plan = _plan(
        parser,
        latency=args.latency,
        server_error_rate=args.server_error_rate,
        unavailable_rate=args.unavailable_rate,
        rate_limit_rate=args.rate_limit_rate,
        timeout_after_create_rate=args.timeout_after_create_rate,
        timeout_delay=args.timeout_delay,
        connection_reset_rate=args.connection_reset_rate,
        server_error_after_create_rate=args.server_error_after_create_rate,
        conflicts_after_server_error=args.conflicts_after_server_error,
    )
    try:  # an unstarted emulator binds nothing: this only checks the host and the rate limit
        DwollaEmulator(host=args.host, rate_limit=args.rate_limit, rate_limit_burst=args.rate_limit_burst)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        serve(
            args.port,
            host=args.host,
            client_key=args.key,
            client_secret=args.secret,
            token_lifetime=args.token_lifetime,
            faults=plan,
            seed=args.seed,
            rate_limit=args.rate_limit,
            rate_limit_burst=args.rate_limit_burst,
        )
    except OSError as exc:  # e.g. the port is taken
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    return 0


def _plan(parser: argparse.ArgumentParser, **fields: float) -> FaultPlan:
    try:
        return FaultPlan(**fields)
    except ValueError as exc:
        parser.error(str(exc))
