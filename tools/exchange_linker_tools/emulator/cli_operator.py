"""``fault`` and ``clear``: change a running emulator's fault rules from another shell.

Both print one line. Exit 0 on success, 2 on bad input (ours or refused by the emulator), 3 when no
emulator answers at --url within a couple of seconds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO

from exchange_linker_tools.emulator.admin_client import EmulatorUnreachable, call, check_url
from exchange_linker_tools.emulator.error_catalog import CODES
from exchange_linker_tools.emulator.fault_rules import OPERATIONS, canonical_customer_id, canonical_partner
from exchange_linker_tools.emulator.models import PARTNER_NAMES

PROG = "python -m exchange_linker_tools.emulator"
DEFAULT_URL = "http://127.0.0.1:8089"
EXIT_BAD_INPUT = 2
EXIT_UNREACHABLE = 3


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus the error; operators asked for one clear line."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def fault_parser() -> OneLineParser:
    parser = OneLineParser(
        prog=f"{PROG} fault",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Make every exchange POST (or, with --operation funding-source, every funding-source POST)\n"
            "for a customer and/or a partner answer a Dwolla error, until `clear`. Prints the new fault\n"
            "on one line."
        ),
        epilog=(
            f"codes: {', '.join(CODES)}\n"
            "exit status: 0 set, 2 bad input, 3 no emulator at --url\n\n"
            "example:\n"
            f"  {PROG} fault --url {DEFAULT_URL} --code InvalidScope \\\n"
            "      --customer-id 74a207b2-b7b7-4efa-8bf8-582148e7b980"
        ),
    )
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the running emulator (default {DEFAULT_URL})")
    parser.add_argument("--code", required=True, metavar="CODE", help="the Dwolla error code to answer with")
    parser.add_argument("--customer-id", metavar="UUID", help="only POST /customers/<UUID>/exchanges")
    parser.add_argument("--partner", metavar="NAME", help=f"only this partner: {', '.join(PARTNER_NAMES)}")
    parser.add_argument("--status", type=int, help="another documented status, e.g. 401 for InvalidExchangeToken")
    parser.add_argument(
        "--operation",
        choices=OPERATIONS,
        default="exchange",
        help="which POSTs answer it: exchange (default) or funding-source (those made from the exchanges)",
    )
    return parser


def clear_parser() -> OneLineParser:
    parser = OneLineParser(
        prog=f"{PROG} clear",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Remove every fault set with `fault` (or POST /_emulator/faults). Prints how many.",
        epilog=(
            "exit status: 0 cleared, 2 bad input, 3 no emulator at --url\n\n"
            f"example:\n  {PROG} clear --url {DEFAULT_URL}"
        ),
    )
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the running emulator (default {DEFAULT_URL})")
    return parser


def run_fault(argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    parser = fault_parser()
    args = parser.parse_args(argv)
    try:
        url = check_url(args.url)
        if args.code not in CODES:
            raise ValueError(f"--code must be one of: {', '.join(CODES)}")
        if args.customer_id is None and args.partner is None:
            raise ValueError("give --customer-id, --partner, or both")
        if args.customer_id is not None:
            canonical_customer_id(args.customer_id)
        if args.partner is not None:
            canonical_partner(args.partner)
    except ValueError as exc:
        parser.error(str(exc).replace("customerId", "--customer-id").replace("partner must", "--partner must"))
    body = {
        "code": args.code,
        "customerId": args.customer_id,
        "partner": args.partner,
        "status": args.status,
        "operation": args.operation,
    }
    return _report(
        parser, url, ("POST", "/faults", body), lambda r: f"fault {r['id']} set: {r['description']}", out=out, err=err
    )


def run_clear(argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    parser = clear_parser()
    args = parser.parse_args(argv)
    try:
        url = check_url(args.url)
    except ValueError as exc:
        parser.error(str(exc))
    return _report(
        parser, url, ("DELETE", "/faults", None), lambda r: f"cleared {r['cleared']} fault(s)", out=out, err=err
    )


def _report(
    parser: OneLineParser,
    url: str,
    request: tuple[str, str, object],
    line: Callable[[dict[str, Any]], str],
    *,
    out: TextIO | None,
    err: TextIO | None,
) -> int:
    """Make ``request`` (method, path, body) and print ``line(answer)``, or the one-line reason it failed."""
    method, path, body = request
    out, err = out or sys.stdout, err or sys.stderr
    try:
        status, payload = call(url, method, path, body)
    except EmulatorUnreachable as exc:
        print(f"{parser.prog}: {exc}", file=err)
        return EXIT_UNREACHABLE
    if status >= 400:
        print(f"{parser.prog}: error: the emulator refused: {payload['message']}", file=err)
        return EXIT_BAD_INPUT
    print(f"{line(payload)} at {url}", file=out)
    return 0
