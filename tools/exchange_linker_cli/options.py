"""Options and value types shared by the operator commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from exchange_linker_cli.connection import PROFILE, REGION

F = TypeVar("F", bound=Callable[..., Any])
DEBUG_KEY = "exchange_linker.debug"  # in click's ctx.meta: --debug was given

QUEUE_URL = click.option("--queue-url", help="Link-completed queue URL [env LINK_COMPLETED_QUEUE_URL].")
DLQ_URL = click.option("--dlq-url", "dead_letter_queue_url", help="Dead-letter queue URL [env DEAD_LETTER_QUEUE_URL].")
TABLE = click.option("--table-name", help="Results table [env RESULTS_TABLE_NAME].")
STACK = click.option("--stack-name", help="Take queue URLs and the table name from this stack's outputs.")
JSON_OUTPUT = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (camelCase keys) on stdout and nothing else."
)


def aws_options[F: Callable[..., Any]](command: F) -> F:
    """--stack-name, --region and --profile: where the command acts."""
    return STACK(REGION(PROFILE(command)))


class Timestamp(click.ParamType):
    """ISO 8601 (2026-11-20, 2026-11-20T18:04:05Z, …); a time without offset is UTC."""

    name = "TIMESTAMP"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time (e.g. 2026-11-20 or 2026-11-20T18:04:05Z)", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class KeyValue(click.ParamType):
    """KEY=VALUE, the key not empty."""

    name = "KEY=VALUE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[str, str]:
        if isinstance(value, tuple):
            return value
        key, equals, text = str(value).partition("=")
        if not equals or not key.strip():
            self.fail(f"{value!r} is not KEY=VALUE (e.g. --metadata channel=ios)", param, ctx)
        return key.strip(), text
