"""A fault-injecting HTTP proxy on loopback, in front of moto server, for DynamoDB, Secrets Manager and EventBridge.

Workers reach it through boto3's own per-service endpoint variables (`AWS_ENDPOINT_URL_DYNAMODB`,
`AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_EVENTBRIDGE`), so the consumer runs exactly the code it
runs in production: the SDK's retries, the error translation, the transient/permanent decision. At the
configured rates a request is answered with an AWS-shaped error instead of being forwarded (`aws_faults`);
everything else is passed through to moto unchanged, after a hold when a service is made slow. Decisions
come from one seeded RNG.
"""

from __future__ import annotations

import http.client
import random
import sys
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import urlsplit

from exchange_linker.settings import is_loopback
from exchange_linker_tools.background_server import BackgroundServer
from exchange_linker_tools.chaos.aws_faults import (
    DYNAMODB,
    DYNAMODB_ACCESS_DENIED,
    DYNAMODB_INTERNAL,
    DYNAMODB_THROTTLE,
    EVENTS,
    EVENTS_INTERNAL,
    SECRETS_INTERNAL,
    SECRETS_MANAGER,
    SECRETS_THROTTLE,
    AwsError,
    AwsFaultRates,
    service_of,
)

__all__ = [
    "DYNAMODB",
    "DYNAMODB_ACCESS_DENIED",
    "DYNAMODB_INTERNAL",
    "DYNAMODB_THROTTLE",
    "EVENTS",
    "EVENTS_INTERNAL",
    "SECRETS_INTERNAL",
    "SECRETS_MANAGER",
    "SECRETS_THROTTLE",
    "AwsError",
    "AwsFaultProxy",
    "AwsFaultRates",
    "service_of",
]

# Hop-by-hop headers are the proxy's own business, never forwarded.
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


class AwsFaultProxy(BackgroundServer):
    """Threaded loopback proxy: `url` goes into the per-service endpoint variables of the workers."""

    thread_name = "aws-fault-proxy"
    poll_interval = 0.05

    def __init__(
        self, upstream: str, *, seed: int, rates: AwsFaultRates | None = None, host: str = "127.0.0.1"
    ) -> None:
        super().__init__()
        parts = urlsplit(upstream)
        if not (is_loopback(host) and parts.scheme == "http" and parts.port and is_loopback(parts.hostname or "")):
            raise ValueError("the proxy and its upstream (moto server) must both be on loopback")
        self._upstream = (parts.hostname or "127.0.0.1", parts.port)
        self._host = host
        self._rates = rates or AwsFaultRates()
        self._rng = random.Random(seed)  # noqa: S311 - a reproducible fault schedule, not security
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._refused: dict[str, AwsError] = {}  # X-Amz-Target -> the error every such request gets
        self._holds: dict[str, float] = {}  # service -> seconds each of its requests is held before forwarding
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _bind(self) -> ThreadingHTTPServer:
        proxy = self

        class Handler(_ProxyHandler):
            owner: ClassVar[AwsFaultProxy] = proxy

        return _QuietServer((self._host, 0), Handler)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("proxy not started")
        return f"http://{self._host}:{self._server.server_address[1]}"

    # control and observation

    @property
    def rates(self) -> AwsFaultRates:
        return self._rates

    @rates.setter
    def rates(self, rates: AwsFaultRates) -> None:
        with self._lock:
            self._rates = rates

    def refuse(self, target: str, error: AwsError | None) -> None:
        """Answer every request for one operation (`DynamoDB_20120810.UpdateItem`) with `error`; None stops."""
        with self._lock:
            if error is None:
                self._refused.pop(target, None)
            else:
                self._refused[target] = error

    def hold(self, service: str, seconds: float | None) -> None:
        """Hold every request to `service` this long before forwarding it (None: no longer), as a slow
        DynamoDB would: the client may time out and retry while the first request still lands."""
        with self._lock:
            if seconds is None:
                self._holds.pop(service, None)
            else:
                self._holds[service] = seconds

    def held(self, service: str | None) -> float:
        """Seconds to hold this request (counted as `service:held`), 0 when its service is not slow."""
        with self._lock:
            seconds = self._holds.get(service or "", 0.0)
            if seconds:
                self._counts[f"{service}:held"] += 1
            return seconds

    def counts(self) -> dict[str, int]:
        """`service:forwarded` and `service:ErrorCode` -> requests, since the start."""
        with self._lock:
            return dict(self._counts)

    def injected(self) -> dict[str, int]:
        return {name: n for name, n in self.counts().items() if not name.endswith(":forwarded")}

    # used by the handler

    def decide(self, service: str | None, target: str | None = None) -> AwsError | None:
        with self._lock:
            refused = self._refused.get(target or "")
            if service is not None and refused is not None:
                self._counts[f"{service}:{refused.code}"] += 1
                return refused
            if service is None:
                self._counts["other:forwarded"] += 1
                return None
            draw = self._rng.random()
            threshold = 0.0
            for rate, error in self._rates.choices(service):
                threshold += rate
                if draw < threshold:
                    self._counts[f"{service}:{error.code}"] += 1
                    return error
            self._counts[f"{service}:forwarded"] += 1
            return None

    @property
    def upstream(self) -> tuple[str, int]:
        return self._upstream


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A worker SIGKILLed mid-request resets its connections: expected here, not worth a traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _ProxyHandler(BaseHTTPRequestHandler):
    """One instance per client connection; keeps one upstream connection for as long as it lives."""

    owner: ClassVar[AwsFaultProxy]
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore expects
    # Headers and body are two writes: with Nagle on, the body waits for the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        return  # bodies and headers carry secrets and tokens: never log requests

    def do_POST(self) -> None:
        self._relay()

    def do_GET(self) -> None:
        self._relay()

    def _relay(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target")
        error = self.owner.decide(service_of(target), target)
        if error is not None:
            self._answer(error.status, {"Content-Type": error.content_type}, error.body())
            return
        hold = self.owner.held(service_of(target))
        if hold:
            time.sleep(hold)  # this connection's thread only: a slow service, not a stopped proxy
        status, headers, answer = self._forward(body)
        self._answer(status, headers, answer)

    def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        upstream = getattr(self, "_upstream_connection", None)
        for attempt in range(2):  # a kept-alive upstream connection may have been closed meanwhile
            if upstream is None:
                upstream = http.client.HTTPConnection(*self.owner.upstream, timeout=30)
                self._upstream_connection = upstream
            headers = {name: value for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP}
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                answer = response.read()
            except (http.client.HTTPException, OSError):
                upstream.close()
                upstream = None
                if attempt:
                    raise
                continue
            kept = {name: value for name, value in response.getheaders() if name.lower() not in _HOP_BY_HOP}
            return response.status, kept, answer
        raise AssertionError("unreachable")

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        kept = {
            name: value for name, value in headers.items() if name.lower() not in {"content-length", "date", "server"}
        }
        if not any(name.lower() == "x-amzn-requestid" for name in kept):
            kept["x-amzn-RequestId"] = str(uuid.uuid4())
        for name, value in kept.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
