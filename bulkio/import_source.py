"""The input side of ``bulkio import``: reading options and a re-openable, prepared source.

``prepare`` reads the file twice (pass 1 proves date orders and finds duplicates) and the
reports read it once more, so the source is a factory of fresh :class:`~bulkio.records.Table`
objects; the first one is counted so that progress can show a total and an ETA.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkio.batcher import Mode
from bulkio.mapping import MappingFile, load_mapping
from bulkio.prepare import Duplicates, Preparation, prepare_rows
from bulkio.readers import open_table
from bulkio.records import PreparedRow, SourceRow, Table

__all__ = ["ReadOptions", "Source", "custom_field_refs", "for_mode"]


@dataclass(frozen=True, kw_only=True)
class ReadOptions:
    """How to read and prepare the input (the options ``bulkio check`` takes)."""

    mapping: Path | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    header_row: int | None = None
    default_region: str | None = None
    date_order: str | None = None
    duplicates: Duplicates = "first"

    def to_json(self) -> dict[str, Any]:
        doc = dataclasses.asdict(self)
        doc["mapping"] = str(self.mapping.resolve()) if self.mapping else None
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ReadOptions:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in doc.items() if k in known}
        if values.get("mapping"):
            values["mapping"] = Path(values["mapping"])
        return cls(**values)



class Source:
    """A re-openable input: a Table factory that counts the rows of its first pass."""

    def __init__(self, path: Path, read: ReadOptions) -> None:
        self.path = path
        self.read = read
        self.total: int | None = None
        self._opened = 0
        first = self.open()
        self.format = first.format
        self.delimiter = first.delimiter or ","
        self.headers = list(first.headers)

    def open(self) -> Table:
        return open_table(self.path, encoding=self.read.encoding, delimiter=self.read.delimiter,
                          sheet=self.read.sheet, header_row=self.read.header_row)

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
            yield row
        self.total = n

    def prepare(self) -> Preparation:
        mapping: MappingFile | None = load_mapping(self.read.mapping) if self.read.mapping else None
        return prepare_rows(self.factory, mapping, default_region=self.read.default_region,
                            date_order=self.read.date_order,
                            duplicates=self.read.duplicates)


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
