"""A stdlib client for the ``/_emulator`` controls, for the CLI: no third-party imports, short timeouts.

Every failure to reach a working emulator becomes one ``EmulatorUnreachable`` with a readable reason,
so the CLI can print one line instead of a traceback.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from exchange_linker_tools.emulator.admin import ADMIN_PREFIX

TIMEOUT_SECONDS = 2.0


class EmulatorUnreachable(Exception):  # noqa: N818 - reads better at the call site than ...Error
    """Nothing answered at the URL, or what answered is not the emulator."""


def check_url(url: str) -> str:
    """The base URL without a trailing slash; ValueError unless it is http(s)://host[:port]."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(f"--url must look like http://127.0.0.1:8089, not {url!r}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/"):
        raise ValueError(f"--url must look like http://127.0.0.1:8089, not {url!r}")
    return url.rstrip("/")


def call(
    base_url: str, method: str, path: str, body: Any = None, timeout: float = TIMEOUT_SECONDS
) -> tuple[int, dict[str, Any]]:
    """(status, JSON object) of ``method base_url/_emulator<path>``; proxies from the environment are ignored."""
    url = f"{base_url}{ADMIN_PREFIX}{path}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme was checked by check_url
        url, data=data, method=method, headers={"Content-Type": "application/json", "Accept": "application/json"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except urllib.error.URLError as exc:
        raise EmulatorUnreachable(f"cannot reach the emulator at {base_url}: {exc.reason}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise EmulatorUnreachable(f"cannot reach the emulator at {base_url}: {exc or type(exc).__name__}") from exc
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or (status >= 400 and "message" not in payload):
        raise EmulatorUnreachable(f"no Dwolla emulator answered at {base_url} (HTTP {status} from {url})")
    if status == 404 and payload.get("code") == "NotFound" and "No emulator control" not in payload["message"]:
        raise EmulatorUnreachable(f"the server at {base_url} has no emulator controls (HTTP 404 from {url})")
    return status, payload
