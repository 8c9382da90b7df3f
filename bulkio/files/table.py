"""A sheet as the readers give it: headers, then lazily streamed :class:`SourceRow` records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bulkio.errors import RowIssue

FileFormat = Literal["csv", "xlsx"]


@dataclass(frozen=True)
class SourceRow:
    """One data row as read: ``row`` is the 1-based line/row number in the source sheet
    (header counted); ``values`` maps each header, in file order, to its raw text."""

    row: int
    values: dict[str, str | None]
    issues: tuple[RowIssue, ...] = ()


@dataclass
class Table:
    """A lazily read sheet: headers first, then rows streamed from ``rows``."""

    path: Path
    format: FileFormat
    headers: list[str]
    rows: Iterator[SourceRow]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int = 1
