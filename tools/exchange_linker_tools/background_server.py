"""A loopback server served from a daemon thread, with start/stop and `with`: the emulator's and the proxy's.

Both werkzeug's WSGI server and http.server's share socketserver's serve_forever/shutdown/server_close,
so one base class owns the thread and the order of shutting down; subclasses only bind their server.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Protocol, Self


class SocketServer(Protocol):
    def serve_forever(self, poll_interval: float = 0.5) -> None: ...
    def shutdown(self) -> None: ...
    def server_close(self) -> None: ...


class BackgroundServer:
    """Subclasses implement `_bind()`; `_stopping()` runs first on stop, to cut long requests short."""

    thread_name = "loopback-server"
    poll_interval = 0.01

    def __init__(self) -> None:
        self._server: SocketServer | None = None
        self._thread: threading.Thread | None = None

    def _bind(self) -> SocketServer:
        raise NotImplementedError

    def _stopping(self) -> None:
        """Called before the server shuts down (nothing by default)."""

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError(f"{self.thread_name} already started")
        server = self._bind()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": self.poll_interval},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping()
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join()
        self._server.server_close()
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
