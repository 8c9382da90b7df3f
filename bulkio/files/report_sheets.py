"""Streaming sheet writers for report files: CSV (UTF-8 with BOM) and XLSX (xlsxwriter).

Both write to a temporary file beside the target (:class:`bulkio.files.safe_write.AtomicFile`:
exclusive, unpredictable name) and rename it into place on :meth:`SheetWriter.close`, so a
crash, a full disk or a read-only folder never leaves a half-written report under the final
name and the previous report stays; a resume/retry simply overwrites the previous reports.

CSV: UTF-8 *with* BOM, because Excel (the tool most users open reports with) reads a BOM-less
CSV as the ANSI code page and mangles accents (``José`` -> ``JosÃ©``); every other tool
(pandas, LibreOffice, bulkio's reader) skips the BOM. Delimiter = the input's. Cells that
could start a formula are prefixed with ``'`` (:func:`bulkio.files.formula.neutralize`). Rows are
buffered and handed to the ``csv`` module in batches (one encode + write per batch, not per
row): a check of 200k rows writes ~750k report rows, so the per-row cost matters.

XLSX: ``constant_memory`` mode (one row in memory at a time), every text cell written with
``write_string`` so Excel never evaluates it (no prefix needed), frozen header row,
autofilter over the data, column widths sized from the header and the first rows, and an
optional ``Summary`` sheet. Excel's limits are never silent: past 1,048,575 data rows the
report goes on in ``<name> (2)``; a cell over 32,767 characters holds its start and the
full text is kept in ``<stem>.long-cells.jsonl`` (:class:`bulkio.files.safe_write.LongCells`,
logged as a warning).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Literal, Protocol

import xlsxwriter

from bulkio.files.formula import FORMULA_PREFIXES, neutralize
from bulkio.files.safe_write import AtomicFile, LongCells, write_error

Cell = str | int | float | None
ReportFormat = Literal["csv", "xlsx"]

#: Excel's row limit minus the header; longer reports continue on "<name> (2)"
XLSX_MAX_ROWS = 1_048_575
_WIDTH_SAMPLE = 200  # rows buffered to size the XLSX columns
_MIN_WIDTH, _MAX_WIDTH = 6, 60
_CSV_BATCH = 1024  # CSV rows buffered before one writerows + write
#: :data:`bulkio.files.formula.FORMULA_PREFIXES` (all one character) as a set for ``c[:1] in``
_TRIGGERS = frozenset(FORMULA_PREFIXES)


class SheetWriter(Protocol):
    """A one-sheet tabular writer: header given at open, then rows, then close."""

    path: Path

    def write(self, cells: Sequence[Cell]) -> None:
        """Append one row (same length as the header)."""

    def close(self, summary: Sequence[tuple[str, Cell]] | None = None) -> None:
        """Finish the file (XLSX adds ``summary`` as a Summary sheet) and move it into place."""

    def abort(self) -> None:
        """Drop the temporary file; the target is left untouched."""


class CsvSheetWriter:
    """CSV in UTF-8 with BOM, the given delimiter, formula cells neutralized.

    Rows are formatted into an in-memory buffer and written to the file every
    ``_CSV_BATCH`` rows and on :meth:`close`; the output bytes are the same as one
    ``csv.writer.writerow`` per row (``None`` is an empty cell, as the csv module writes it).
    """

    def __init__(self, path: Path, headers: Sequence[str], *, delimiter: str = ",") -> None:
        self.path = path
        self._tmp = AtomicFile(path, make_parent=True)
        self._fh: IO[str] = self._tmp.open_text(encoding="utf-8-sig")
        self._buf = io.StringIO()
        self._csv = csv.writer(self._buf, delimiter=delimiter, lineterminator="\r\n")
        self._pending: list[list[Cell]] = [[neutralize(h) for h in headers]]

    def write(self, cells: Sequence[Cell]) -> None:
        """Append one row."""
        pending = self._pending
        pending.append(
            [neutralize(c) if isinstance(c, str) and c[:1] in _TRIGGERS else c for c in cells]
        )
        if len(pending) >= _CSV_BATCH:
            try:
                self._flush()
            except BaseException:
                self.abort()
                raise

    def _flush(self) -> None:
        buf = self._buf
        self._csv.writerows(self._pending)
        self._pending.clear()
        try:
            self._fh.write(buf.getvalue())
        except OSError as exc:
            raise write_error(self.path, exc) from exc
        buf.seek(0)
        buf.truncate()

    def close(self, summary: Sequence[tuple[str, Cell]] | None = None) -> None:
        """Flush and rename into place (CSV has no summary sheet: see the JSON summary)."""
        try:
            self._flush()
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
        except OSError as exc:
            self.abort()
            raise write_error(self.path, exc) from exc
        except BaseException:
            self.abort()
            raise
        self._tmp.commit()

    def abort(self) -> None:
        """Drop the temporary file."""
        self._pending.clear()
        with contextlib.suppress(OSError):
            self._fh.close()
        self._tmp.discard()


class XlsxSheetWriter:
    """XLSX via xlsxwriter in constant-memory mode; text never evaluated as formulas."""

    def __init__(self, path: Path, headers: Sequence[str], *, sheet_name: str = "Rows") -> None:
        self.path = path
        self._tmp = AtomicFile(path, make_parent=True)
        self._tmp.discard_fd()
        self._book = xlsxwriter.Workbook(
            str(self._tmp.path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self._name = sheet_name
        self._part = 1
        self._title = sheet_name[:31]
        self._sheet = self._book.add_worksheet(self._title)
        self._bold = self._book.add_format({"bold": True})
        self._headers = list(headers)
        self._pending: list[Sequence[Cell]] = []
        self._next_row = 1
        self._widths_set = False
        self._widths: list[int] = []
        self._long = LongCells(path)
        self._closed = False

    def write(self, cells: Sequence[Cell]) -> None:
        """Append one row (the first rows are buffered to size the columns)."""
        try:
            if not self._widths_set:
                self._pending.append(cells)
                if len(self._pending) >= _WIDTH_SAMPLE:
                    self._start()
                return
            self._put(cells)
        except OSError as exc:
            self.abort()
            raise write_error(self.path, exc) from exc

    def _start(self) -> None:
        widths = [len(h) + 2 for h in self._headers]
        for cells in self._pending:
            for i, c in enumerate(cells[: len(widths)]):
                if c is not None:
                    widths[i] = max(widths[i], len(str(c)) + 1)
        self._widths = [max(_MIN_WIDTH, min(_MAX_WIDTH, w)) for w in widths]
        self._dress()
        self._widths_set = True
        pending, self._pending = self._pending, []
        for cells in pending:
            self._put(cells)

    def _dress(self) -> None:
        """Column widths, frozen bold header row on the current worksheet."""
        for i, w in enumerate(self._widths):
            self._sheet.set_column(i, i, w)
        self._sheet.freeze_panes(1, 0)
        for i, h in enumerate(self._headers):
            self._sheet.write_string(0, i, h, self._bold)

    def _next_sheet(self) -> None:
        """Excel's row limit reached: filter this worksheet, go on in "<name> (n)"."""
        self._filter()
        self._part += 1
        self._title = f"{self._name[:25]} ({self._part})"
        self._sheet = self._book.add_worksheet(self._title)
        self._dress()
        self._next_row = 1

    def _filter(self) -> None:
        if self._headers:
            self._sheet.autofilter(0, 0, max(self._next_row - 1, 0), len(self._headers) - 1)

    def _put(self, cells: Sequence[Cell]) -> None:
        if self._next_row > XLSX_MAX_ROWS:
            self._next_sheet()
        r = self._next_row
        headers = self._headers
        for i, c in enumerate(cells):
            if c is None or c == "":
                continue
            if isinstance(c, str):
                if len(c) > 32_767:
                    c = self._long.cut(c, sheet=self._title, row=r, col=i,
                                       header=headers[i] if i < len(headers) else "")
                self._sheet.write_string(r, i, c)
            else:
                self._sheet.write_number(r, i, c)
        self._next_row += 1

    def close(self, summary: Sequence[tuple[str, Cell]] | None = None) -> None:
        """Add autofilter and the Summary sheet, save, rename into place."""
        try:
            if not self._widths_set:
                self._start()
        except OSError as exc:
            self.abort()
            raise write_error(self.path, exc) from exc
        self._filter()
        if summary is not None:
            sheet = self._book.add_worksheet("Summary")
            sheet.set_column(0, 0, 34)
            sheet.set_column(1, 1, 60)
            for r, (label, value) in enumerate(summary):
                sheet.write_string(r, 0, label, self._bold if value is None else None)
                if isinstance(value, str):
                    sheet.write_string(r, 1, self._long.cut(value, sheet="Summary", row=r,
                                                            col=1, header=label))
                elif value is not None:
                    sheet.write_number(r, 1, value)
        self._closed = True
        try:
            self._book.close()
        except OSError as exc:
            self._tmp.discard()
            self._long.discard()
            raise write_error(self.path, exc) from exc
        except BaseException:
            self._tmp.discard()
            self._long.discard()
            raise
        self._long.commit()
        self._tmp.commit()

    def abort(self) -> None:
        """Drop the temporary file."""
        if self._closed:
            return
        self._closed = True
        try:
            with contextlib.suppress(Exception):
                self._book.close()
        finally:
            self._tmp.discard()
            self._long.discard()


def open_sheet_writer(
    path: Path,
    headers: Sequence[str],
    *,
    fmt: ReportFormat,
    delimiter: str = ",",
    sheet_name: str = "Rows",
) -> SheetWriter:
    """A CSV or XLSX writer for ``path`` with the given header row."""
    if fmt == "csv":
        return CsvSheetWriter(path, headers, delimiter=delimiter)
    if fmt == "xlsx":
        return XlsxSheetWriter(path, headers, sheet_name=sheet_name)
    raise ValueError(f"unknown report format {fmt!r}")
