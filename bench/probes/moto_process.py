"""moto server in its own process: prints its port, serves until standard input closes."""

from __future__ import annotations

import logging
import sys

from moto.server import ThreadedMotoServer


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    try:
        sys.stdin.read()  # the parent closes our stdin (or dies): time to go
    finally:
        server.stop()


if __name__ == "__main__":
    main()
