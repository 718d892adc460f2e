"""py-spy raw (collapsed) stacks, grouped by subsystem, and the functions that hold the most samples."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

# Checked in this order against the whole stack (root to leaf); the first that matches names the sample.
SUBSYSTEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("moto (AWS emulation, server side)", ("moto/",)),
    ("Dwolla emulator (server side)", ("exchange_linker_tools/emulator/",)),
    ("werkzeug HTTP serving (moto + emulator)", ("werkzeug/", "socketserver.py", "http/server.py")),
)
CLIENT_LIBRARIES = ("botocore/", "boto3/", "urllib3/", "s3transfer/")
HANDLER = ("exchange_linker/", "aws_lambda_powertools/", "pydantic", "requests/", "link_completed_app", "app.py")
HARNESS = ("exchange_linker_tools/",)


@dataclass(frozen=True)
class Frame:
    function: str
    file: str


def parse_frame(text: str) -> Frame:
    match = FRAME.match(text.strip())
    if match is None:
        return Frame(text.strip(), "")
    return Frame(match["function"], match["file"])


def parse_raw(text: str) -> list[tuple[list[Frame], int]]:
    """py-spy `-f raw`: one line per distinct stack, `frame;frame;… count`, root first."""
    samples = []
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            samples.append(([parse_frame(frame) for frame in stack.split(";")], int(count)))
    return samples


def _has(frames: list[Frame], markers: tuple[str, ...]) -> bool:
    return any(marker in frame.file for frame in frames for marker in markers)


def subsystem(frames: list[Frame]) -> str:
    for name, markers in SUBSYSTEMS:
        if _has(frames, markers):
            return name
    handler = _has(frames, HANDLER)
    if _has(frames, CLIENT_LIBRARIES):
        return "botocore (handler's AWS calls)" if handler else "botocore (harness: poller, publisher)"
    if handler:
        return "exchange_linker handler (incl. powertools, pydantic, requests)"
    if _has(frames, HARNESS):
        return "harness (poller, publisher, results)"
    return "other (interpreter start, imports, threads)"


def by_subsystem(samples: list[tuple[list[Frame], int]]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for frames, count in samples:
        totals[subsystem(frames)] += count
    return totals


def top_functions(samples: list[tuple[list[Frame], int]], limit: int = 15) -> list[tuple[str, int]]:
    """Self samples (the leaf frame) by function and file."""
    totals: Counter[str] = Counter()
    for frames, count in samples:
        if frames:
            leaf = frames[-1]
            totals[f"{leaf.function} ({leaf.file})"] += count
    return totals.most_common(limit)


def load(path: Path) -> list[tuple[list[Frame], int]]:
    return parse_raw(path.read_text(encoding="utf-8"))


def moto_operations(samples: list[tuple[list[Frame], int]], limit: int = 8) -> list[tuple[str, int]]:
    """moto's samples by the API operation being served (the frame under BaseResponse.call_action)."""
    totals: Counter[str] = Counter()
    for frames, count in samples:
        if not _has(frames, ("moto/",)):
            continue
        names = [frame.function for frame in frames]
        index = names.index("BaseResponse.call_action") if "BaseResponse.call_action" in names else -1
        operation = names[index + 1] if 0 <= index < len(names) - 1 else "(routing, parsing, serialising)"
        totals[operation] += count
    return totals.most_common(limit)
