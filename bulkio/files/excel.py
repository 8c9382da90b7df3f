"""XLSX / XLSM reader over python-calamine (Rust; ~30x faster than openpyxl).

Cells come back typed; they are turned into the text a person sees in Excel, minus
locale formatting: integers without ``.0`` (``5512345678``), other numbers with at most
15 significant digits (Excel's own precision, so no ``0.30000000000000004``), date-only
cells as ``YYYY-MM-DD``, date-times as ``YYYY-MM-DDTHH:MM:SS``, booleans as
``TRUE``/``FALSE``, text (including text-formatted zips like ``01234``) as is, formulas
as their cached value, error cells (``#DIV/0!``) as empty.

Memory: calamine parses the chosen sheet into memory when it is opened (it has no
row-streaming mode); rows are then converted lazily. An XLSX sheet is capped at 1,048,576
rows by Excel, which bounds that cost; the bench measures it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import python_calamine as pc

from bulkio.errors import InputError
from bulkio.files.headers import (
    HEADER_SCAN_ROWS,
    Cells,
    Record,
    guess_header,
    header_width,
    is_blank,
    make_headers,
    shape_rows,
)
from bulkio.files.table import SourceRow, Table
from bulkio.i18n import _

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"


def cell_text(value: Any) -> str:
    """The text of one calamine cell value (see module docstring)."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is float:
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return f"{value:.15g}"
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is dt.datetime:
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date().isoformat()  # type: ignore[no-any-return]
        return value.isoformat(timespec="seconds")  # type: ignore[no-any-return]
    if kind is dt.date or kind is dt.time:
        return value.isoformat()  # type: ignore[no-any-return]
    if kind is dt.timedelta:
        return str(value)
    return "" if value is None else str(value)


def _open_workbook(path: Path) -> pc.CalamineWorkbook:
    with path.open("rb") as f:
        magic = f.read(8)
    if not magic:
        raise InputError(_("the file is empty (0 bytes)"), path=path,
                         hint=_("save the workbook again from Excel"))
    if magic.startswith(_OLE2) and path.suffix.lower() == ".xls":
        try:
            return pc.CalamineWorkbook.from_path(str(path))
        except pc.PasswordError:
            raise InputError(_("the workbook is password-protected"), path=path,
                             hint=_("remove the password in Excel and save it again")) from None
        except (pc.CalamineError, ValueError, OSError) as exc:
            raise InputError(_("the .xls workbook cannot be read ({exc})").format(
                exc=exc), path=path,
                             hint=_("open it in Excel and save it as .xlsx")) from None
    if magic.startswith(_OLE2):
        raise InputError(_("the workbook is password-protected (encrypted) or a legacy .xls"),
                         path=path,
                         hint=_("remove the password in Excel (File > Info > Protect Workbook) "
                                "and save as .xlsx"))
    if not magic.startswith(_ZIP):
        raise InputError(_("this is not an Excel .xlsx workbook"), path=path,
                         hint=_("if it is a CSV, rename it to .csv; otherwise save it as .xlsx"))
    try:
        return pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise InputError(_("the workbook is password-protected"), path=path,
                         hint=_("remove the password in Excel and save it again")) from None
    except (pc.CalamineError, pc.ZipError, pc.XmlError, ValueError, OSError) as exc:
        raise InputError(_("the workbook is corrupt or not an .xlsx file ({exc})").format(
            exc=exc), path=path,
                         hint=_("open it in Excel and save it again as .xlsx")) from None


def _pick_sheet(path: Path, wb: pc.CalamineWorkbook, sheet: str | int | None) -> str:
    names = list(wb.sheet_names)
    listing = ", ".join(repr(n) for n in names)
    if sheet is None:
        for meta in wb.sheets_metadata:
            if (meta.visible == pc.SheetVisibleEnum.Visible
                    and meta.typ == pc.SheetTypeEnum.WorkSheet):
                return str(meta.name)
        raise InputError(_("the workbook has no visible worksheet"), path=path,
                         hint=_("pass --sheet with one of: {listing}").format(listing=listing))
    if isinstance(sheet, str):
        if sheet in names:
            return sheet
        folded = [n for n in names if n.strip().casefold() == sheet.strip().casefold()]
        if len(folded) == 1:
            return folded[0]
        if not sheet.strip().isdigit():
            raise InputError(_("sheet {sheet} not found").format(sheet=repr(sheet)), path=path,
                             hint=_("available sheets: {listing}").format(listing=listing))
        sheet = int(sheet)
    if 1 <= sheet <= len(names):
        return names[sheet - 1]
    raise InputError(_("sheet {sheet} not found (the workbook has {n})").format(
        sheet=sheet, n=len(names)), path=path,
                     hint=_("available sheets: {listing}").format(listing=listing))


def _sheet_records(sh: pc.CalamineSheet) -> Iterator[Record]:
    # iter_rows starts at sheet row 1 (calamine pads leading empty rows) and at the first
    # used column; row numbers are therefore the enumeration index + 1.
    for i, raw in enumerate(sh.iter_rows(), start=1):
        # once per cell: text cells (most of them) skip the function call
        yield i, [
            (v if v and not v.isspace() else None) if type(v) is str else (cell_text(v) or None)
            for v in raw
        ], ()


def read_excel(
    path: Path,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
) -> Table:
    """Open an XLSX/XLSM sheet: find its header row, stream its rows as text."""
    wb = _open_workbook(path)
    try:
        name = _pick_sheet(path, wb, sheet)
        try:
            sh = wb.get_sheet_by_name(name)
        except (pc.CalamineError, pc.ZipError, pc.XmlError, ValueError) as exc:
            raise InputError(_("sheet {name} cannot be read ({exc})").format(
                name=repr(name), exc=exc), path=path,
                             hint=_("open the workbook in Excel and save it again")) from None
    finally:
        wb.close()
    first_col = (sh.start or (0, 0))[1] + 1
    head_line, head_cells = _find_header(path, name, sh, header_row)
    width = header_width(head_cells)
    headers = make_headers(head_cells[:width], first_column=first_col)

    def rows() -> Iterator[SourceRow]:
        yield from shape_rows(_sheet_records(sh), headers, after=head_line, extra_sep=", ")

    return Table(path=path, format="xlsx", headers=headers, rows=rows(), sheet=name,
                 header_row=head_line)


def _find_header(
    path: Path, name: str, sh: pc.CalamineSheet, header_row: int | None
) -> tuple[int, Cells]:
    sample: list[Record] = []
    for rec in _sheet_records(sh):
        if header_row is not None:
            if rec[0] == header_row:
                if is_blank(rec[1]):
                    break
                return rec[0], rec[1]
            continue
        if not is_blank(rec[1]):
            sample.append(rec)
            if len(sample) >= HEADER_SCAN_ROWS:
                break
    if header_row is not None:
        raise InputError(_("row {header_row} of sheet {name} is empty or past the end").format(
            header_row=header_row, name=repr(name)),
                         path=path, hint=_("pass the row number of the header as Excel shows it"))
    if not sample:
        raise InputError(_("sheet {name} is empty").format(name=repr(name)), path=path,
                         hint=_("pick another sheet with --sheet, or check the workbook"))
    pick = guess_header([r[1] for r in sample])
    return sample[pick][0], sample[pick][1]
