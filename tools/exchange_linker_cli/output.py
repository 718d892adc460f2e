"""What goes where: data on stdout (tables on a terminal, TSV lines otherwise, JSON with --json), everything
said to the person on stderr. Identifiers are never cut: a table too wide for the terminal gets wider,
and the terminal wraps or scrolls it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

# Free-text columns shrink to this before the table is allowed to outgrow the terminal.
MIN_TEXT_WIDTH = 12


def is_terminal() -> bool:
    return sys.stdout.isatty()


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def say(text: str) -> None:
    """A line for the person (rich markup allowed), on stderr so stdout stays data; never wrapped by us."""
    stderr().print(text, soft_wrap=True)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


@dataclass(frozen=True)
class Column:
    key: str
    header: str | None = None
    identifier: bool = False  # an id an operator copies: never truncated, never folded
    style: Callable[[str], str] | None = None  # rich markup for a value, on a terminal only

    @property
    def title(self) -> str:
        return self.header or self.key


def cell(value: Any) -> str:
    return "-" if value is None or value == "" else str(value)


def print_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], *, title: str | None = None) -> None:
    """A table on a terminal (one record per block when even the ids would not fit); TSV (a header line,
    then one line per row) when stdout is a pipe or a file.
    """
    if not is_terminal():
        click.echo("\t".join(column.key for column in columns))
        for row in rows:
            click.echo("\t".join(_tsv(cell(row.get(column.key))) for column in columns))
        return
    console = Console(highlight=False)
    values = [[cell(row.get(column.key)) for column in columns] for row in rows]
    natural = [max([len(column.title), *(len(line[index]) for line in values)]) for index, column in enumerate(columns)]
    least = [
        width if column.identifier else min(width, MIN_TEXT_WIDTH)
        for width, column in zip(natural, columns, strict=True)
    ]
    if sum(least) + 3 * len(columns) + 1 > console.width:
        _print_records(console, values, columns, title)
        return
    table = Table(title=title, title_justify="left")
    for width, column in zip(natural, columns, strict=True):
        if column.identifier:
            table.add_column(column.title, no_wrap=True, min_width=width)
        else:
            table.add_column(column.title, overflow="fold")
    for line in values:
        table.add_row(*(_styled(column, value) for column, value in zip(columns, line, strict=True)))
    console.print(table)


def _print_records(console: Console, values: list[list[str]], columns: Sequence[Column], title: str | None) -> None:
    """Too narrow for a table: `key  value` lines, a blank line between records; long values wrap whole."""
    if title:
        console.print(f"[italic]{escape(title)}[/italic]")
    width = max(len(column.title) for column in columns)
    for number, line in enumerate(values):
        if number:
            console.print()
        for column, value in zip(columns, line, strict=True):
            console.print(f"[bold]{escape(column.title.ljust(width))}[/bold]  {_styled(column, value)}", soft_wrap=True)


def _styled(column: Column, value: str) -> str:
    return column.style(value) if column.style and value != "-" else escape(value)


def _tsv(value: str) -> str:
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")
