"""Readers: any real-world spreadsheet in, a lazy stream of :class:`SourceRow` out.

``open_table`` picks the reader from the extension (``.csv``/``.tsv``/``.txt`` ->
:mod:`bulkio.files.delimited`; ``.xlsx``/``.xlsm`` and legacy ``.xls`` ->
:mod:`bulkio.files.excel`, through python-calamine; reports of an ``.xls`` are ``.xlsx``),
reads the header eagerly (so bad input fails before any work) and streams the rows.
Row and header rules are in :mod:`bulkio.files.headers`.
"""

from __future__ import annotations

from pathlib import Path

from bulkio.errors import InputError
from bulkio.files.delimited import read_delimited
from bulkio.files.excel import read_excel
from bulkio.files.headers import EXTRA_KEY
from bulkio.files.table import Table
from bulkio.i18n import _

TEXT_EXTENSIONS = frozenset({".csv", ".tsv", ".txt", ".tab"})
EXCEL_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xls"})

__all__ = ["EXCEL_EXTENSIONS", "EXTRA_KEY", "TEXT_EXTENSIONS", "open_table"]


def open_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
) -> Table:
    """Open a CSV/TSV/TXT or XLSX/XLSM/XLS file as a Table whose rows stream lazily.

    ``encoding``/``delimiter`` force the CSV codec and separator (detected otherwise);
    ``sheet`` is a sheet name or 1-based index (default: the first visible sheet);
    ``header_row`` is the 1-based line/row of the header (default: found, skipping
    title rows). Raises :class:`InputError` with a hint for unusable input.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(_("file not found"), path=p,
            hint=_("check the path and the current folder"))
    if p.is_dir():
        raise InputError(_("this is a folder, not a file"), path=p,
                         hint=_("pass a .csv or .xlsx file inside it"))
    if header_row is not None and header_row < 1:
        raise InputError(_("header row must be 1 or more, not {header_row}").format(
            header_row=header_row), path=p,
                         hint=_("rows are numbered from 1 as Excel shows them"))
    ext = p.suffix.lower()
    try:
        if ext in TEXT_EXTENSIONS:
            if sheet is not None:
                raise InputError(_("--sheet applies to Excel workbooks only"), path=p,
                                 hint=_("drop --sheet for CSV files"))
            return read_delimited(p, encoding=encoding, delimiter=delimiter,
                                  header_row=header_row)
        if ext in EXCEL_EXTENSIONS:
            return read_excel(p, sheet=sheet, header_row=header_row)
    except PermissionError:
        raise InputError(_("permission denied"), path=p,
                         hint=_("close the file in Excel or check its permissions")) from None
    hint = "save the sheet as .csv (UTF-8) or .xlsx"
    raise InputError(_("unsupported file type {value}").format(
        value=repr(ext or '(no extension)')), path=p, hint=hint)
