"""How a chaos child process (a worker, the outcome publisher) learns it should stop: SIGTERM, as Lambda
ends a container, sets a flag the process's loop checks between polls."""

from __future__ import annotations

import signal
import threading
from types import FrameType


def sigterm_flag() -> threading.Event:
    """An event set when the process receives SIGTERM (installed here, on the main thread)."""
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    return stopping
