"""The reading options shared by ``bulkio check``, ``bulkio import`` and the bulk commands.

They build one :class:`bulkio.clean.reading.ReadOptions`. Usage::

    @main.command()
    @click.argument("file", type=click.Path(path_type=Path))
    @reading_options
    def check(file: Path, *, reading: ReadOptions) -> None:
        preparation = open_preparation(file, reading)   # may raise InputError
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from bulkio.clean.normalize.phone import phone_region
from bulkio.clean.prepare import Preparation
from bulkio.clean.reading import ReadOptions
from bulkio.clean.sources import source_names
from bulkio.files.table import SourceRow, Table
from bulkio.i18n import _

__all__ = [
    "ReadOptions",
    "open_preparation",
    "pop_read_options",
    "reading_option_list",
    "reading_options",
]

R = TypeVar("R")


def _sheet(value: str | None) -> str | int | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def _delimiter(value: str | None) -> str | None:
    if value is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    value = named.get(value.lower(), value)
    if len(value) != 1:
        raise click.BadParameter(_("one character, or tab/comma/semicolon/pipe"))
    return value


def _region(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) != 2 or not value.isalpha():
        raise click.BadParameter(_("a two-letter country code such as MX"))
    region = phone_region(value)
    if region is None:
        raise click.BadParameter(f"{value!r} is not a country code phone numbers know "
                                 "(ISO 3166, e.g. MX, CO, US)")
    return region


def _encoding(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        codecs.lookup(value)
    except LookupError:
        raise click.BadParameter(f"unknown encoding {value!r}; use a Python codec name such "
                                 "as utf-8, cp1252, latin-1, utf-16") from None
    return value


def _checked(convert: Callable[[str | None], str | None]) -> Callable[..., str | None]:
    """A click callback: ``convert``'s BadParameter then names the option (exit 2)."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        try:
            return convert(value)
        except click.BadParameter as exc:
            exc.ctx, exc.param = ctx, param
            raise

    return callback


def reading_option_list(*, prepare: bool = True) -> list[Callable[[Any], Any]]:
    """The click options (``prepare=False``: without ``--map`` and ``--duplicates``, which
    only matter to check and import); :func:`pop_read_options` turns them into ReadOptions."""
    options = [
        click.option("--encoding", metavar="CODEC", callback=_checked(_encoding),
                     help="CSV text encoding (default: detected; e.g. cp1252, utf-8)."),
        click.option("--delimiter", metavar="CHAR", callback=_checked(_delimiter),
                     help="CSV delimiter (default: detected; tab, comma, semicolon, pipe or "
                     "one character)."),
        click.option("--sheet", metavar="NAME|N",
                     help="Excel sheet name or 1-based number (default: first visible)."),
        click.option("--header-row", type=click.IntRange(min=1), metavar="N",
                     help="1-based row of the header (default: found, skipping title rows)."),
        click.option("--map", "map_file", type=click.Path(dir_okay=False, path_type=Path),
                     metavar="FILE",
                     help="TOML mapping file (start one with `bulkio map FILE -o FILE`)."),
        click.option("--default-region", metavar="CC", callback=_checked(_region),
                     help="Country for phones without +code when the row has no country "
                     "(e.g. MX)."),
        click.option("--date-order", type=click.Choice(["DMY", "MDY", "YMD"],
                                                       case_sensitive=False),
                     help="Order of numeric dates (default: proven per column; ambiguous "
                     "values fail)."),
        click.option("--duplicates", type=click.Choice(["first", "last", "fail"]),
                     default="first", show_default=True,
                     help="Rows sharing an email or phone: keep the first, the last, or fail "
                     "them all."),
        click.option("--from", "source", type=click.Choice(["auto", *source_names()],
                                                          case_sensitive=False),
                     metavar="SOURCE",
                     help="The CRM the file was exported from: auto (detected, the default), "
                     + ", ".join(source_names()) + ". See docs/sources.md."),
    ]  # fmt: skip
    if not prepare:
        del options[8], options[7], options[4]
    return options


def pop_read_options(kwargs: dict[str, Any]) -> ReadOptions:
    """Take the options of :func:`reading_option_list` out of a command's ``kwargs``."""
    return ReadOptions(
        encoding=kwargs.pop("encoding"),
        delimiter=_delimiter(kwargs.pop("delimiter")),
        sheet=_sheet(kwargs.pop("sheet")),
        header_row=kwargs.pop("header_row"),
        mapping=kwargs.pop("map_file", None),
        default_region=_region(kwargs.pop("default_region")),
        date_order=(kwargs.pop("date_order") or "").upper() or None,
        duplicates=kwargs.pop("duplicates", "first"),
        source=_source(kwargs.pop("source", None)),
    )


def _source(value: str | None) -> str | None:
    return None if value is None or value.lower() == "auto" else value.lower()


def reading_options(func: Callable[..., R]) -> Callable[..., R]:
    """Click decorator: add the reading options; the command gets ``reading: ReadOptions``."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        return func(*args, reading=pop_read_options(kwargs), **kwargs)

    decorated: Callable[..., R] = wrapper
    for option in reversed(reading_option_list()):
        decorated = option(decorated)
    return decorated


def open_preparation(
    path: Path, reading: ReadOptions, *, today: date | None = None,
    on_read: Callable[[int], None] | None = None,
) -> Preparation:
    """Open ``path`` and its mapping and return the (not yet iterated) row preparation;
    ``on_read`` gets the rows read so far during the first pass (a reading bar).

    Raises InputError for an unreadable file or mapping.
    """
    if on_read is None:
        return reading.prepare(path, today=today)
    started: list[bool] = []  # the first table iterated is the first pass: it reports

    def factory() -> Table:
        table = reading.open(path)
        table.rows = _counted(table.rows, on_read, started)
        return table

    return reading.prepare(factory, today=today)


def _counted(rows: Iterator[SourceRow], on_read: Callable[[int], None], started: list[bool]
             ) -> Iterator[SourceRow]:
    n = 0
    for row in rows:
        if n == 0:
            if started:  # a later pass: not counted again
                yield row
                yield from rows
                return
            started.append(True)
        n += 1
        if n % 200 == 0:
            on_read(n)
        yield row
    on_read(n)
