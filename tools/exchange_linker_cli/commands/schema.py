"""`exchange-linker schema`: the JSON Schemas of the event contracts, for upstream teams."""

from __future__ import annotations

import click

from exchange_linker_cli.failures import ExitCode, OperatorError
from exchange_linker_cli.options import JSON_OUTPUT
from exchange_linker_cli.output import print_json, say

EXAMPLE = """\b
Example:
  exchange-linker schema --check    # in CI: fails when schemas/ is out of date
"""


@click.command(epilog=EXAMPLE)
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if schemas/ differs from the models.")
@JSON_OUTPUT
def schema(check: bool, as_json: bool) -> None:
    """Write the JSON Schema of the v1 event contracts to schemas/ (generated from the models)."""
    from exchange_linker_cli.schemas import SCHEMA_DIR, write_schemas

    stale = write_schemas(check=check)
    if as_json:
        print_json({"directory": str(SCHEMA_DIR), "stale": stale, "written": [] if check else stale})
    elif stale and not check:
        say(f"wrote {', '.join(stale)} in {SCHEMA_DIR}")
    elif not stale:
        say(f"{SCHEMA_DIR} is up to date")
    if check and stale:
        raise OperatorError(f"out of date: {', '.join(stale)} (run `exchange-linker schema`)", ExitCode.FAILED)
