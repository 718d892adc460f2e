"""A recording reverse proxy: the client talks HTTP to it, it forwards every byte to the emulator.

The code under test is not touched: it is configured with the proxy's URL as DWOLLA_API_URL, exactly as
production is configured with Dwolla's. Each exchange is kept as werkzeug objects so openapi-core's
werkzeug integration validates what went over the wire.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization"}


@dataclass(frozen=True)
class Exchange:
    request: Request
    response: Response

    @property
    def line(self) -> str:
        return f"{self.request.method} {self.request.path} -> {self.response.status_code}"


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class RecordingProxy:
    def __init__(self, upstream: str) -> None:
        self._upstream = urlsplit(upstream)
        self._lock = threading.Lock()
        self.exchanges: list[Exchange] = []
        self.url = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        body = request.get_data()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        connection = http.client.HTTPConnection(self._upstream.hostname or "", self._upstream.port, timeout=30)
        try:
            connection.request(request.method, request.full_path.rstrip("?"), body=body, headers=headers)
            upstream = connection.getresponse()
            payload = upstream.read()
            response_headers = [(k, v) for k, v in upstream.getheaders() if k.lower() not in HOP_BY_HOP]
            status = upstream.status
        finally:
            connection.close()
        response = Response(payload, status=status, headers=response_headers)
        self._keep(request, body, response)
        return response(environ, start_response)

    def _keep(self, request: Request, body: bytes, response: Response) -> None:
        """A detached copy of the request (its stream is consumed) with the very bytes that arrived."""
        copy = EnvironBuilder(
            method=request.method,
            base_url=request.host_url,
            path=request.path,
            query_string=request.query_string.decode("latin-1"),  # bytes would be read as a mapping
            headers=list(request.headers.items()),
            data=body,
        ).get_request()
        with self._lock:
            self.exchanges.append(Exchange(copy, response))

    def take(self) -> list[Exchange]:
        with self._lock:
            taken, self.exchanges = self.exchanges, []
        return taken


@contextmanager
def recording_proxy(upstream: str) -> Iterator[RecordingProxy]:
    proxy = RecordingProxy(upstream)
    server = make_server("127.0.0.1", 0, proxy, threaded=True, request_handler=_Quiet)
    proxy.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="recording-proxy", daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        thread.join(timeout=5)
