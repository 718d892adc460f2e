"""The local stack's env file: written by `exchange-linker run --keep-running`, read by every AWS command.

So that `exchange-linker dlq` just works in a second terminal while the local stack runs. The file is a
shell script (`source` works too) and names the process that wrote it: a file whose process is gone is
ignored. It is used only by a shell not pointed at any AWS already (no AWS_ENDPOINT_URL, AWS_PROFILE or
AWS_ACCESS_KEY_ID, no --profile); it then sets the connection (endpoint, region, local credentials) and fills
the queue and table variables that are not set. --stack-name still wins over those, so a production stack
name never silently lands on local queues: it is looked up in the local stack, where it does not exist.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

ENV_FILE_VARIABLE = "EXCHANGE_LINKER_ENV_FILE"
PID_VARIABLE = "EXCHANGE_LINKER_LOCAL_PID"
CONNECTION = ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
TARGETS = (
    "LINK_COMPLETED_QUEUE_URL",
    "DEAD_LETTER_QUEUE_URL",
    "RESULTS_TABLE_NAME",
    "DWOLLA_API_URL",  # the emulator, and the secrets `reconcile` reads Dwolla's credentials from
    "DWOLLA_CREDENTIALS_SECRET_ID",
    "DWOLLA_TOKEN_SECRET_ID",
)
# Any of these in the environment means the shell already points somewhere: the file is left alone.
CONFIGURED = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID")


@dataclass(frozen=True)
class LocalStackFile:
    path: Path
    pid: int
    variables: dict[str, str]

    @property
    def endpoint(self) -> str:
        return self.variables.get("AWS_ENDPOINT_URL", "")


def env_file_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get(ENV_FILE_VARIABLE):
        return Path(environ[ENV_FILE_VARIABLE])
    state = Path(environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "exchange-linker" / "local-stack.env"


def write_env_file(path: Path, variables: Mapping[str, str], *, pid: int | None = None) -> None:
    pid = os.getpid() if pid is None else pid
    lines = [
        "# The local stack of `exchange-linker run --keep-running`; removed when it stops.",
        "# exchange-linker commands read it by themselves; a shell may `source` it.",
        f"export {PID_VARIABLE}={pid}",
        *(f"export {name}={shlex.quote(value)}" for name, value in variables.items()),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.replace(path)


def read_env_file(path: Path) -> LocalStackFile | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    variables: dict[str, str] = {}
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, _, value = words[1].partition("=")
            variables[name] = value
    try:
        pid = int(variables.pop(PID_VARIABLE))
    except (KeyError, ValueError):
        return None
    return LocalStackFile(path=path, pid=pid, variables=variables)


def remove_env_file(path: Path, *, pid: int | None = None) -> None:
    """Remove the file if it is still ours (a newer local stack may have replaced it)."""
    found = read_env_file(path)
    if found is not None and found.pid == (os.getpid() if pid is None else pid):
        path.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def apply_env_file(environ: MutableMapping[str, str], *, profile: str | None = None) -> LocalStackFile | None:
    """Point `environ` at a running local stack, when the shell points nowhere else. Returns what was used."""
    if profile or any(environ.get(name) for name in CONFIGURED):
        return None
    found = read_env_file(env_file_path(environ))
    if found is None or not process_alive(found.pid):
        return None
    for name, value in found.variables.items():
        if name in CONNECTION or (name in TARGETS and not environ.get(name)):
            environ[name] = value
    return found
