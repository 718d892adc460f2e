"""One way to turn a pydantic ValidationError into "field: reason" lines that never echo the input."""

from __future__ import annotations

from pydantic import ValidationError


def problems(error: ValidationError, *, whole: str = "value") -> list[tuple[str, str]]:
    """(dotted field, reason) for each error; the input is left out on purpose (it may hold a credential)."""
    found = []
    for item in error.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in item["loc"]) or whole
        found.append((field, item["msg"].removeprefix("Value error, ")))
    return found
