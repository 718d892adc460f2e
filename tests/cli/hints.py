"""Every flag a message or a document names must exist on the command it names."""

from __future__ import annotations

import argparse
import re
from functools import cache

import click

from exchange_linker_cli.main import cli

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
GLOBAL_FLAGS = frozenset({"--debug", "--help", "--version"})


@cache
def flags_of(command: str) -> frozenset[str]:
    """The long options of `exchange-linker COMMAND` (the emulator's argparse ones, all its subcommands')."""
    if command == "emulator":
        from exchange_linker_tools.emulator.cli import build_parser
        from exchange_linker_tools.emulator.cli_operator import clear_parser, fault_parser

        parsers: list[argparse.ArgumentParser] = [build_parser(), fault_parser(), clear_parser()]
        flags = {flag for p in parsers for action in p._actions for flag in action.option_strings}
        return frozenset(flags) | GLOBAL_FLAGS
    context = click.Context(cli)
    found = cli.get_command(context, command)
    assert found is not None, f"no command {command!r}"
    return frozenset(opt for param in found.params for opt in param.opts if opt.startswith("--")) | GLOBAL_FLAGS


def every_flag() -> frozenset[str]:
    return frozenset().union(*(flags_of(name) for name in cli.list_commands(click.Context(cli))))


def command_in(text: str) -> str | None:
    """The exchange-linker command a quoted command line runs (`make run` runs `run`); None if another tool."""
    words = text.replace("ARGS=", "").split()
    if words[:2] == ["make", "run"]:
        return "run"
    for index, word in enumerate(words[:-1]):
        if word.endswith(("exchange-linker", "el")) and not words[index + 1].startswith("-"):
            return words[index + 1]
    return None


def unknown_flags(line: str, command: str | None) -> list[str]:
    """Flags in `line` (a message of `command`; None: of any command) that the command they belong to lacks.

    A `quoted` command line names its own command; other tools' command lines (aws, sam, jq) are skipped.
    """
    unknown = []
    for index, part in enumerate(line.split("`")):
        if index % 2 == 0:
            known = flags_of(command) if command else every_flag()
        else:
            owner = command_in(part)
            if owner is None:
                continue
            known = flags_of(owner)
        unknown += [flag for flag in FLAG.findall(part) if flag not in known]
    return unknown
