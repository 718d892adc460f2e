"""A stand-in AWS endpoint on loopback that refuses every request the way AWS does (JSON protocol).

For the failures moto cannot produce: expired or unknown credentials, AccessDenied. botocore parses the
answers exactly as it parses AWS's, so the CLI's error handling meets the real exceptions.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar


class _Handler(BaseHTTPRequestHandler):
    code: ClassVar[str] = "AccessDenied"
    status: ClassVar[int] = 400
    requests: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.requests.append(self.headers.get("X-Amz-Target", ""))
        body = json.dumps({"__type": f"com.amazonaws.refusal#{self.code}", "message": f"{self.code} (refused)"})
        self.send_response(self.status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("x-amzn-query-error", f"{self.code};Sender")  # SQS's query-compatible code
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        pass


class RefusingAws:
    """`with RefusingAws("ExpiredToken") as aws:` then point AWS_ENDPOINT_URL at aws.url."""

    def __init__(self, code: str, status: int = 400) -> None:
        self._handler = type("Refusal", (_Handler,), {"code": code, "status": status, "requests": []})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[str]:
        return list(self._handler.requests)

    def __enter__(self) -> RefusingAws:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
