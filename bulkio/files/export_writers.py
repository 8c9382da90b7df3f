"""Export writers: CSV, XLSX and JSONL, each written atomically.

Every file is written to a temporary file in the target's own directory and moved into
place with :func:`os.replace` only by :meth:`Output.commit`, so a reader never sees half
a file and a failed run leaves the previous export untouched. XLSX limits are never silent: past
1,048,575 data rows a sheet goes on in ``<name> (2)``, and a cell over 32,767 characters
holds its start while the full text is kept in ``<stem>.long-cells.jsonl``
(:class:`bulkio.files.safe_write.LongCells`; the file is listed with the export's files).
CSV cells that could start
a formula are neutralized with :func:`bulkio.files.formula.neutralize` unless ``raw`` is set;
XLSX cells are always written with ``write_string`` (Excel never evaluates them).
"""

from __future__ import annotations

import contextlib
import csv
import json
import locale
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Literal, Protocol

import xlsxwriter
from babel import Locale, UnknownLocaleError
from babel.numbers import get_decimal_symbol

from bulkio.errors import InputError
from bulkio.files.formula import FORMULA_PREFIXES, neutralize
from bulkio.files.safe_write import XLSX_MAX_CHARS, AtomicFile, LongCells, write_error
from bulkio.i18n import _

OutputFormat = Literal["csv", "xlsx", "jsonl"]
FORMATS: dict[str, OutputFormat] = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl"}
#: Excel's row limit minus the header; longer sheets continue on "<name> (2)".
XLSX_MAX_ROWS = 1_048_575
# neutralize() decides; this set only lets the common case skip the call. It holds
# every prefix only while they are all single characters (else every cell is checked).
_TRIGGERS = (
    frozenset(FORMULA_PREFIXES) if all(len(p) == 1 for p in FORMULA_PREFIXES) else None
)
_WIDTH_SAMPLE = 1000
#: joins the cells of a page column in :func:`_neutralized`
_SEP = "\x00"
_MARKED = (
    re.compile(_SEP + "[" + re.escape("".join(_TRIGGERS)) + "]") if _TRIGGERS is not None else None
)
_MAX_WIDTH = 60


def user_locale(environ: Mapping[str, str] | None = None) -> str | None:
    """The user's number locale: ``LC_ALL``, ``LC_NUMERIC``, ``LANG``, else the system's."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_NUMERIC", "LANG"):
        value = env.get(name, "").split(".")[0].split("@")[0]
        if value and value not in ("C", "POSIX"):
            return value
    if environ is not None:
        return None
    with contextlib.suppress(ValueError):
        return locale.getlocale(locale.LC_NUMERIC)[0] or locale.getlocale()[0]
    return None


def excel_delimiter(locale_name: str | None) -> str:
    """The CSV delimiter Excel expects for a locale: ``;`` where the decimal sign is a
    comma (es_ES, pt_BR, fr_FR, de_DE, it_IT...), ``,`` otherwise (en_US, es_MX...)."""
    if not locale_name:
        return ","
    try:
        decimal = get_decimal_symbol(Locale.parse(locale_name.replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        return ","
    return ";" if decimal == "," else ","


def detect_format(target: str) -> OutputFormat:
    """The output format from the file extension (``-`` means CSV on stdout)."""
    if target == "-":
        return "csv"
    fmt = FORMATS.get(Path(target).suffix.lower())
    if fmt is None:
        raise InputError(
            _("unknown output format"),
            path=target,
            hint=_("name the output file .csv, .xlsx or .jsonl (or -o - for CSV on stdout)"),
        )
    return fmt


def sibling_path(path: Path, name: str) -> Path:
    """``contacts.csv`` + ``notes`` -> ``contacts.notes.csv`` (same folder, same format)."""
    return path.with_name(f"{path.stem}.{name}{path.suffix}")


class Sheet(Protocol):
    """One table being written (a CSV/JSONL file, or an XLSX worksheet)."""

    rows: int

    def write_rows(self, rows: Iterable[Sequence[str]]) -> None: ...


class Output(Protocol):
    """A set of tables written together and committed (or discarded) together."""

    def add_sheet(
        self, name: str, headers: Sequence[str], *, text_columns: Sequence[int] = ()
    ) -> Sheet: ...

    def commit(self) -> list[Path]: ...

    def abort(self) -> None: ...


class _Temp(AtomicFile):
    """A temporary file beside ``final`` that becomes ``final`` on :meth:`replace`."""

    def replace(self) -> None:
        self.commit()


class _TextSheet:
    """A CSV or JSONL table on an open text stream."""

    def __init__(
        self,
        stream: IO[str],
        headers: Sequence[str],
        *,
        fmt: OutputFormat,
        delimiter: str,
        raw: bool,
        target: Path | None = None,
    ) -> None:
        self.rows = 0
        self._target = target if target is not None else Path("-")
        self._to_stream = target is None
        self._stream = stream
        self._headers = list(headers)
        self._raw = raw
        self._fmt = fmt
        if fmt == "csv":
            self._csv = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
            self._csv.writerow(self._safe(self._headers))

    def _safe(self, row: Sequence[str]) -> Sequence[str]:
        if self._raw:
            return row
        if _TRIGGERS is None:
            return [neutralize(c) for c in row]
        # c[:1] is "" for an empty cell; only cells that could start a formula (usually
        # none, or the phone) go through neutralize().
        return [neutralize(c) if c[:1] in _TRIGGERS else c for c in row]

    def write_rows(self, rows: Iterable[Sequence[str]]) -> None:
        try:
            self._write_rows(rows)
        except OSError as exc:
            if self._to_stream:  # stdout: a closed pipe (| head) is not a file error
                raise
            raise write_error(self._target, exc) from exc

    def _write_rows(self, rows: Iterable[Sequence[str]]) -> None:
        if self._fmt == "csv":
            before = self.rows
            page = rows if isinstance(rows, list) else list(rows)
            safe = page if self._raw else _neutralized(page)
            if safe is None:
                safe = [self._safe(r) for r in page]
            self._csv.writerows(safe)
            self.rows = before + len(safe)
            return
        headers = self._headers
        lines = [json.dumps(dict(zip(headers, r, strict=True)), ensure_ascii=False) for r in rows]
        if lines:
            self._stream.write("\n".join(lines) + "\n")
        self.rows += len(lines)


def _neutralized(page: list[Sequence[str]]) -> list[Sequence[str]] | None:
    """``page`` with every cell neutralized, checked a column at a time.

    Each column of the page is joined into one string (a separator between cells) and
    searched for a formula character at its start or after a separator: a column without one (most
    of them) is left as it is, a column with one goes through :func:`neutralize` cell by
    cell (a separator inside a cell can only cause that exact pass, never a missed cell).
    None when this shortcut does not apply (prefixes longer than one character, rows of
    unequal width, a cell that is not a str): the caller then neutralizes row by row.
    """
    if _TRIGGERS is None or _MARKED is None or len(set(map(len, page))) != 1:
        return None
    columns: list[Sequence[str]] = list(zip(*page, strict=True))
    changed = False
    for i, column in enumerate(columns):
        try:
            text = _SEP.join(column)
        except TypeError:
            return None
        if text[:1] in _TRIGGERS or _MARKED.search(text) is not None:
            # with one-character prefixes, "c[:1] in _TRIGGERS" is exactly
            # "c.startswith(FORMULA_PREFIXES)": only those cells go through neutralize()
            columns[i] = [neutralize(c) if c[:1] in _TRIGGERS else c for c in column]
            changed = True
    return list(zip(*columns, strict=True)) if changed else page


class TextOutput:
    """CSV or JSONL: the first sheet is the target, others are sibling files."""

    def __init__(
        self,
        path: Path | None,
        *,
        fmt: OutputFormat,
        bom: bool = False,
        delimiter: str = ",",
        raw: bool = False,
        stream: IO[str] | None = None,
    ) -> None:
        if path is None and stream is None:
            raise ValueError("TextOutput needs a path or a stream")
        self._path = path
        self._fmt = fmt
        self._bom = bom
        self._delimiter = delimiter
        self._raw = raw
        self._stream = stream
        self._files: list[tuple[_Temp, IO[str]]] = []
        self._sheets = 0

    def add_sheet(
        self, name: str, headers: Sequence[str], *, text_columns: Sequence[int] = ()
    ) -> Sheet:
        first = self._sheets == 0
        self._sheets += 1
        if self._path is None:
            assert self._stream is not None
            if not first:
                raise InputError(_("related data needs an output file, not stdout"))
            return _TextSheet(
                self._stream, headers, fmt=self._fmt, delimiter=self._delimiter, raw=self._raw
            )
        final = self._path if first else sibling_path(self._path, name)
        temp = _Temp(final)
        encoding = "utf-8-sig" if self._bom and self._fmt == "csv" else "utf-8"
        handle = temp.open_text(encoding=encoding, buffering=1 << 20)
        self._files.append((temp, handle))
        return _TextSheet(
            handle, headers, fmt=self._fmt, delimiter=self._delimiter, raw=self._raw,
            target=final,
        )

    def commit(self) -> list[Path]:
        if self._path is None:
            assert self._stream is not None
            self._stream.flush()
            return []
        for temp, handle in self._files:
            try:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
            except OSError as exc:
                self.abort()
                raise write_error(temp.final, exc) from exc
        for temp, _handle in self._files:
            temp.replace()
        return [temp.final for temp, _ in self._files]

    def abort(self) -> None:
        for temp, handle in self._files:
            with contextlib.suppress(OSError):
                handle.close()
            temp.discard()


class _XlsxSheet:
    """A worksheet in constant-memory mode; rows stream out in order."""

    def __init__(
        self, output: XlsxOutput, name: str, headers: Sequence[str], text_columns: Sequence[int]
    ) -> None:
        self.rows = 0
        self._output = output
        self._name = name
        self._headers = list(headers)
        self._text_columns = frozenset(text_columns)
        self._part = 0
        self._widths = [min(max(len(h) + 2, 8), _MAX_WIDTH) for h in headers]
        self._ws: Any = None
        self._title = name[:31]
        self._row = 0
        self._sampled = 0
        self._new_worksheet()

    def _new_worksheet(self) -> None:
        if self._ws is not None:
            self._finish_worksheet()
        self._part += 1
        title = self._name[:31] if self._part == 1 else f"{self._name[:25]} ({self._part})"
        self._title = title
        out = self._output
        self._ws = out.workbook.add_worksheet(title)
        for col, header in enumerate(self._headers):
            self._ws.write_string(0, col, header, out.header_format)
        # Text columns get their format now: cells written without one inherit it, which
        # is cheaper than passing a format per cell. Widths are set again at the end.
        for col in self._text_columns:
            self._ws.set_column(col, col, self._widths[col], out.text_format)
        self._ws.freeze_panes(1, 0)
        self._row = 0

    def _finish_worksheet(self) -> None:
        ws, out = self._ws, self._output
        for col, width in enumerate(self._widths):
            fmt = out.text_format if col in self._text_columns else None
            ws.set_column(col, col, width, fmt)
        ws.autofilter(0, 0, max(self._row, 1), max(len(self._headers) - 1, 0))

    def write_rows(self, rows: Iterable[Sequence[str]]) -> None:
        try:
            self._write_rows(rows)
        except OSError as exc:
            raise write_error(self._output.target, exc) from exc

    def _write_rows(self, rows: Iterable[Sequence[str]]) -> None:
        widths = self._widths
        for row in rows:
            if self._row >= XLSX_MAX_ROWS:
                self._new_worksheet()
            self._row += 1
            write = self._ws.write_string
            r = self._row
            sample = self._sampled < _WIDTH_SAMPLE
            for col, cell in enumerate(row):
                if not cell:
                    continue
                if len(cell) > XLSX_MAX_CHARS:
                    cell = self._output.long.cut(cell, sheet=self._title, row=r, col=col,
                                                 header=self._headers[col])
                write(r, col, cell)
                if sample and len(cell) + 2 > widths[col]:
                    widths[col] = min(len(cell) + 2, _MAX_WIDTH)
            if sample:
                self._sampled += 1
            self.rows += 1

    def close(self) -> None:
        self._finish_worksheet()


class XlsxOutput:
    """One workbook (xlsxwriter ``constant_memory``); each sheet is a worksheet."""

    def __init__(self, path: Path) -> None:
        self.target = path
        self.long = LongCells(path)
        self._temp = _Temp(path)
        self._temp.discard_fd()
        self.workbook: Any = xlsxwriter.Workbook(
            str(self._temp.path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self.header_format = self.workbook.add_format({"bold": True})
        self.text_format = self.workbook.add_format({"num_format": "@"})
        self._sheets: list[_XlsxSheet] = []

    def add_sheet(
        self, name: str, headers: Sequence[str], *, text_columns: Sequence[int] = ()
    ) -> Sheet:
        sheet = _XlsxSheet(self, name, headers, text_columns)
        self._sheets.append(sheet)
        return sheet

    def commit(self) -> list[Path]:
        for sheet in self._sheets:
            sheet.close()
        try:
            self.workbook.close()
            with open(self._temp.path, "rb") as handle:
                os.fsync(handle.fileno())
        except OSError as exc:
            self._temp.discard()
            self.long.discard()
            raise write_error(self._temp.final, exc) from exc
        sidecar = self.long.commit()
        self._temp.replace()
        return [self._temp.final, *([sidecar] if sidecar else [])]

    def abort(self) -> None:
        # Closing writes the workbook; the temp file is then removed, never the target.
        with contextlib.suppress(Exception):
            self.workbook.close()
        self._temp.discard()
        self.long.discard()


def open_output(
    path: Path | None,
    *,
    fmt: OutputFormat,
    bom: bool = False,
    delimiter: str = ",",
    raw: bool = False,
    stream: IO[str] | None = None,
) -> Output:
    """Open the export target: ``path`` (atomic) or ``stream`` (CSV/JSONL only)."""
    if fmt == "xlsx":
        if path is None:
            raise InputError(_("XLSX cannot be streamed to stdout"), hint=_("name an .xlsx file"))
        return XlsxOutput(path)
    return TextOutput(path, fmt=fmt, bom=bom, delimiter=delimiter, raw=raw, stream=stream)
