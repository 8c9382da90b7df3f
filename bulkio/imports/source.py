"""The input side of ``bulkio import``: a re-openable, prepared source.

``prepare`` reads the file twice (pass 1 proves date orders and finds duplicates) and the
reports read it once more, so the source is a factory of fresh :class:`~bulkio.files.table.Table`
objects; the first one is counted so that progress can show a total and an ETA.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

from bulkio.api.client import Client
from bulkio.clean.mapping import unmapped_lines
from bulkio.clean.prepare import Preparation
from bulkio.clean.reading import ReadOptions
from bulkio.clean.records import PreparedRow
from bulkio.files.table import SourceRow, Table
from bulkio.i18n import _
from bulkio.plan.batcher import Mode
from bulkio.runs.kit import Progress, ProgressFn

__all__ = ["Source", "adopt_location_fields", "column_notes", "custom_field_refs", "for_mode"]


#: rows between two ``on_read`` calls
READ_TICK = 200


class Source:
    """A re-openable input: a Table factory that counts the rows of its first pass."""

    def __init__(self, path: Path, read: ReadOptions, *,
                 on_read: Callable[[int], None] | None = None,
                 on_write: ProgressFn | None = None) -> None:
        self.path = path
        self.read = read
        #: called with the rows read so far during the first pass (a reading progress bar)
        self.on_read = on_read
        #: called with the rows written to the reports so far (a writing progress bar)
        self.on_write = on_write
        self.total: int | None = None
        self._opened = 0
        first = self.open()
        self.format = first.format
        self.delimiter = first.delimiter or ","
        self.headers = list(first.headers)

    def open(self) -> Table:
        return self.read.open(self.path)

    def factory(self) -> Table:
        table = self.open()
        self._opened += 1
        if self._opened == 1:
            table.rows = self._count(table.rows)
        return table

    def _count(self, rows: Iterator[SourceRow]) -> Iterator[SourceRow]:
        n = 0
        for row in rows:
            n += 1
            if self.on_read is not None and n % READ_TICK == 0:
                self.on_read(n)
            yield row
        self.total = n
        if self.on_read is not None:
            self.on_read(n)

    def report_rows(self) -> Iterator[SourceRow]:
        """The rows again, for the reports, ticking ``on_write``."""
        rows = self.open().rows
        if self.on_write is None:
            yield from rows
            return
        n = 0
        for row in rows:
            n += 1
            if n % READ_TICK == 0:
                self.on_write(Progress(n, 0, self.total))
            yield row
        self.on_write(Progress(n, 0, self.total))

    def prepare(self) -> Preparation:
        return self.read.prepare(self.factory)


def custom_field_refs(prep: Preparation) -> list[str]:
    """Every custom-field reference the mapping uses, in header order."""
    refs = [s.custom_field for s in prep.mapping.columns.values() if s.custom_field]
    return list(dict.fromkeys(refs))


def for_mode(prepared: PreparedRow, mode: Mode) -> PreparedRow:
    """In update mode a ``contact_id`` identifies the row: no email or phone needed.

    (``prepare`` fails every row without email and phone with ``missing-identifier``,
    which is right for upsert and create only.)
    """
    if mode != "update" or not prepared.extras.get("contact_id"):
        return prepared
    kept = [i for i in prepared.issues if i.code != "missing-identifier"]
    if len(kept) == len(prepared.issues):
        return prepared
    return dataclasses.replace(prepared, issues=kept)


async def adopt_location_fields(prep: Preparation, client: Client) -> None:
    """Map unmapped columns named like one of the location's custom fields (a HighLevel
    export's ``Plan`` column) to that field, before any row is read. Costs one request, and
    only when some column is unmapped."""
    if prep.mapping.unmapped and not prep.consumed:
        prep.adopt_custom_fields(await client.custom_fields())


def column_notes(prep: Preparation) -> list[str]:
    """What the user should know about the columns before anything is sent: the detected
    source, and each column that will not be sent with why (and the closest field)."""
    lines = [note] if (note := prep.mapping.describe_source()) else []
    unmapped = unmapped_lines(prep.mapping)
    if unmapped:
        lines.append(_("columns NOT sent ({n}; kept in the reports):").format(n=len(unmapped)))
        lines += [f"  {line}" for line in unmapped]
    return lines
