"""How to read and prepare an input file: the one option bundle of check, import and bulk.

:class:`ReadOptions` is plain data (the ``bulkio.cli.reading.reading_options`` click
decorator builds it from the command line; runs store it in the journal with
:meth:`ReadOptions.to_json` so that a resume reads the file the same way).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bulkio.clean.mapping import load_mapping
from bulkio.clean.prepare import Duplicates, Preparation, prepare_rows
from bulkio.files.readers import open_table
from bulkio.files.table import Table

__all__ = ["ReadOptions"]


@dataclass(frozen=True, kw_only=True)
class ReadOptions:
    """How to read and prepare the input (``bulkio check``, ``import`` and the bulk
    commands; the bulk commands ignore ``mapping`` and ``duplicates``)."""

    mapping: Path | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    header_row: int | None = None
    default_region: str | None = None
    date_order: str | None = None
    duplicates: Duplicates = "first"
    #: CRM export preset (``salesforce``, see :mod:`bulkio.clean.sources`); None: the
    #: mapping file's, else detected from the headers
    source: str | None = None

    def open(self, path: Path) -> Table:
        """Open ``path`` afresh (a Table is single-use). Raises InputError."""
        return open_table(path, encoding=self.encoding, delimiter=self.delimiter,
                          sheet=self.sheet, header_row=self.header_row)

    def table_factory(self, path: Path) -> Callable[[], Table]:
        """A factory opening ``path`` afresh with these options (``prepare`` reads twice)."""
        return functools.partial(self.open, path)

    def prepare(self, path: Path | Callable[[], Table], *,
                today: date | None = None) -> Preparation:
        """The (not yet iterated) row preparation of ``path`` (or of a Table factory) with
        the mapping file, if any. Raises InputError for an unreadable file or mapping."""
        factory = self.table_factory(path) if isinstance(path, Path) else path
        mapping_file = load_mapping(self.mapping) if self.mapping is not None else None
        return prepare_rows(factory, mapping_file, default_region=self.default_region,
                            date_order=self.date_order, duplicates=self.duplicates,
                            today=today, crm=self.source)

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

