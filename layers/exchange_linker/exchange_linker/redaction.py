"""Keeps credentials out of anything we store or print, even when Dwolla echoes them back."""

from __future__ import annotations

from collections.abc import Iterable

MAX_ERROR_MESSAGE = 256
MASK = "[redacted]"


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Mask every known secret in `text`, flatten it to one line and keep it short."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_MESSAGE else text[: MAX_ERROR_MESSAGE - 1] + "…"
