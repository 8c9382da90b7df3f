"""The reading option bundle shared by ``bulkio check`` and ``bulkio import``.

Usage::

    @main.command()
    @click.argument("file", type=click.Path(path_type=Path))
    @reading_options
    def check(file: Path, *, reading: ReadingOptions) -> None:
        preparation = open_preparation(file, reading)   # may raise InputError
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from bulkio.mapping import load_mapping
from bulkio.prepare import Duplicates, Preparation, prepare_rows
from bulkio.readers import open_table
from bulkio.records import Table

__all__ = ["ReadingOptions", "open_preparation", "open_table_factory", "reading_options"]

R = TypeVar("R")


@dataclass(frozen=True)
class ReadingOptions:
    """How to read and prepare the input file."""

    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    header_row: int | None = None
    map_file: Path | None = None
    default_region: str | None = None
    date_order: str | None = None
    duplicates: Duplicates = "first"


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
        raise click.BadParameter("one character, or tab/comma/semicolon/pipe")
    return value


def _region(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) != 2 or not value.isalpha():
        raise click.BadParameter("a two-letter country code such as MX")
    return value.upper()


def reading_options(func: Callable[..., R]) -> Callable[..., R]:
    """Click decorator: add the reading options; the command gets ``reading: ReadingOptions``."""
    options = [
        click.option("--encoding", metavar="CODEC",
                     help="CSV text encoding (default: detected; e.g. cp1252, utf-8)."),
        click.option("--delimiter", metavar="CHAR",
                     help="CSV delimiter (default: detected; tab, comma, semicolon, pipe or "
                     "one character)."),
        click.option("--sheet", metavar="NAME|N",
                     help="Excel sheet name or 1-based number (default: first visible)."),
        click.option("--header-row", type=click.IntRange(min=1), metavar="N",
                     help="1-based row of the header (default: found, skipping title rows)."),
        click.option("--map", "map_file", type=click.Path(dir_okay=False, path_type=Path),
                     metavar="FILE",
                     help="TOML mapping file (start one with `bulkio map FILE -o FILE`)."),
        click.option("--default-region", metavar="CC",
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
    ]  # fmt: skip

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        reading = ReadingOptions(
            encoding=kwargs.pop("encoding"),
            delimiter=_delimiter(kwargs.pop("delimiter")),
            sheet=_sheet(kwargs.pop("sheet")),
            header_row=kwargs.pop("header_row"),
            map_file=kwargs.pop("map_file"),
            default_region=_region(kwargs.pop("default_region")),
            date_order=(kwargs.pop("date_order") or "").upper() or None,
            duplicates=kwargs.pop("duplicates"),
        )
        return func(*args, reading=reading, **kwargs)

    decorated: Callable[..., R] = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated


def open_table_factory(path: Path, reading: ReadingOptions) -> Callable[[], Table]:
    """A factory opening ``path`` afresh with the reading options (a Table is single-use)."""

    def factory() -> Table:
        return open_table(path, encoding=reading.encoding, delimiter=reading.delimiter,
                          sheet=reading.sheet, header_row=reading.header_row)  # fmt: skip

    return factory


def open_preparation(
    path: Path, reading: ReadingOptions, *, today: date | None = None
) -> Preparation:
    """Open ``path`` and its mapping and return the (not yet iterated) row preparation.

    Raises InputError for an unreadable file or mapping.
    """
    mapping_file = load_mapping(reading.map_file) if reading.map_file is not None else None
    return prepare_rows(
        open_table_factory(path, reading),
        mapping_file,
        default_region=reading.default_region,
        date_order=reading.date_order,
        duplicates=reading.duplicates,
        today=today,
    )
