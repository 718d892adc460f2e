"""moto server in its own process, so it gets a core (and a GIL) of its own during a chaos run.

Prints its endpoint on the first line of stdout, then serves until its stdin closes (the parent
closing the pipe, or dying), so it never outlives the run that started it.
"""

from __future__ import annotations

import logging
import sys


def main() -> int:
    from moto.server import ThreadedMotoServer

    from exchange_linker_tools.moto_quotas import enforce_sqs_quotas

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    enforce_sqs_quotas()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"http://{host}:{port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
