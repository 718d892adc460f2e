"""`exchange-linker`: the on-call engineer's command. Every failure ends in one line and a documented exit code.

The operator commands live in this package. Other installed packages add commands through the entry point
group `exchange_linker.commands` (the development harness adds `run` and `emulator`); they are imported
only when named or listed, never when this module loads.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from importlib.metadata import entry_points
from typing import Any

import click

from exchange_linker_cli.commands.dlq import dlq
from exchange_linker_cli.commands.publish import publish
from exchange_linker_cli.commands.reconcile import reconcile
from exchange_linker_cli.commands.replay import replay
from exchange_linker_cli.commands.republish import republish_outcomes
from exchange_linker_cli.commands.schema import schema
from exchange_linker_cli.commands.status import status
from exchange_linker_cli.failures import ExitCode, OperatorError, explain
from exchange_linker_cli.options import DEBUG_KEY

PROG = "exchange-linker"
PLUGIN_GROUP = "exchange_linker.commands"
DEBUG_FLAG = "--debug"


_invoked: dict[str, str] = {}  # the subcommand being run, for the prefix of a failure's line


class PluggableGroup(click.Group):
    """A group whose extra commands come from entry points, loaded on first use."""

    _listing = False

    def _plugins(self) -> dict[str, Any]:
        return {point.name: point for point in entry_points(group=PLUGIN_GROUP) if point.name not in self.commands}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*self.commands, *self._plugins()])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        point = self._plugins().get(cmd_name)
        if point is None:
            return None
        try:
            command = point.load()
        except ImportError as missing:  # the harness's dependencies are not installed: say so when asked for
            if self._listing or ctx.resilient_parsing:
                return None
            raise OperatorError(f"`{cmd_name}` needs the development tools ({missing}): run `make install`") from None
        return command if isinstance(command, click.Command) else None

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Every failure becomes one line on stderr and its exit code; --debug adds the traceback."""
        if not standalone_mode:
            return super().main(args, prog_name, standalone_mode=False, **extra)
        arguments, debug = _hoist_debug(list(sys.argv[1:] if args is None else args))
        _invoked.clear()
        try:
            code = super().main(arguments, prog_name or PROG, standalone_mode=False, **extra)
        except click.exceptions.Exit as done:
            code = done.exit_code
        except (click.exceptions.Abort, KeyboardInterrupt):
            _fail("interrupted (what was done stays done; messages a scan held are visible again)", 130, debug=debug)
        except click.UsageError as error:
            where = error.ctx.command_path if error.ctx else PROG
            _fail(f"{error.format_message()} (see `{where} --help`)", ExitCode.USAGE, debug=debug, where=where)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code, debug=debug)
        except BrokenPipeError:
            sys.stderr.close()  # `| head` closed the pipe: not a failure worth a word
            sys.exit(ExitCode.FAILED)
        except Exception as error:
            explained = explain(error, endpoint=os.environ.get("AWS_ENDPOINT_URL"))
            if explained is not None:
                _fail(explained.format_message(), explained.exit_code, debug=debug)
            _fail(f"unexpected {type(error).__name__}: {error} (--debug shows the traceback)", 1, debug=debug)
        sys.exit(code if isinstance(code, int) else 0)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False


@click.group(
    PROG,
    cls=PluggableGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
    epilog="""\b
Exit codes: 0 ok, 1 the operation failed, 2 usage or configuration error, 3 AWS unreachable or refused.
Example:
  exchange-linker dlq --stack-name exchange-linker-production
""",
)
@click.version_option(package_name="exchange-linker", prog_name=PROG, message="%(prog)s %(version)s")
@click.option(DEBUG_FLAG, is_flag=True, help="Show the traceback of a failure (also accepted after the command).")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Look into and replay the dead-letter queue, publish events, read results - on AWS or the local stack.

    \b
    Start here (the local stack, in one terminal):
      make run ARGS=--keep-running
    and in another:
      exchange-linker dlq
      exchange-linker replay --error-code NotFound --dry-run
    """
    ctx.meta[DEBUG_KEY] = debug
    if ctx.invoked_subcommand:
        _invoked["command"] = f"{PROG} {ctx.invoked_subcommand}"


for command in (dlq, replay, republish_outcomes, status, publish, schema, reconcile):
    cli.add_command(command)


def _hoist_debug(arguments: list[str]) -> tuple[list[str], bool]:
    """`--debug` anywhere before `--` counts, as in aws: it moves to the front, where the group reads it."""
    end = arguments.index("--") if "--" in arguments else len(arguments)
    debug = DEBUG_FLAG in arguments[:end] or os.environ.get("EXCHANGE_LINKER_DEBUG") == "1"
    rest = [argument for index, argument in enumerate(arguments) if index >= end or argument != DEBUG_FLAG]
    return ([DEBUG_FLAG, *rest] if debug else rest), debug


def main() -> None:
    cli(prog_name=PROG)


def _fail(message: str, code: int, *, debug: bool, where: str | None = None) -> None:
    if debug:
        traceback.print_exc()
    line = " ".join(message.split())  # one line, whatever the message held
    click.echo(f"{where or _command_path()}: {line}", err=True)
    sys.exit(code)


def _command_path() -> str:
    """`exchange-linker dlq` for a failure in dlq."""
    return _invoked.get("command", PROG)
