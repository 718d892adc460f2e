"""JSON as RFC 8259 means it: no NaN or Infinity, no number too large for a float, no key twice in an object.

Python's json accepts all three (the last of two equal keys silently wins), so an event could reach Dwolla
with `NaN` in a receipt, or name one customer to a validator and another to whoever reads it next.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

# A key is echoed in an error only when it looks like a field name: it comes from the sender.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class StrictJsonError(ValueError):
    """Valid for Python's json, not for RFC 8259. `field` names the duplicated key when it is plain."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class _Ambiguous:
    """Stands for a key given twice when reading leniently: neither value can be trusted."""


AMBIGUOUS = _Ambiguous()


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            field = key if _PLAIN_KEY.fullmatch(key) else "body"
            raise StrictJsonError(field, "the same key appears twice in one object")
        found[key] = value
    return found


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise StrictJsonError("body", "numbers must be finite (NaN, Infinity and overflowing numbers are not JSON)")
    return value


def _no_constant(name: str) -> float:
    raise StrictJsonError("body", f"numbers must be finite ({name} is not JSON)")


def strict_loads(text: str | bytes) -> Any:
    """json.loads that raises StrictJsonError (a ValueError) on NaN, Infinity, overflow and duplicate keys."""
    return json.loads(text, object_pairs_hook=_unique_pairs, parse_float=_finite, parse_constant=_no_constant)


def _marking_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        found[key] = AMBIGUOUS if key in found else value
    return found


def lenient_loads(text: str | bytes) -> Any:
    """Reads what strict_loads refuses, for finding the eventId of an invalid event: a key given twice
    becomes AMBIGUOUS, never one of its values; non-finite numbers become None."""
    constant: Callable[[str], None] = lambda _name: None  # noqa: E731
    return json.loads(text, object_pairs_hook=_marking_pairs, parse_constant=constant)


def strict_dumps(value: Any) -> str:
    """Compact, sorted, UTF-8-ready JSON; raises ValueError rather than write NaN or Infinity."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
