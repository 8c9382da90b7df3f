"""``export --append-sheet``: an export added as new sheets of an existing workbook.

Scheduled reports often live in one workbook, a sheet per run. openpyxl opens the workbook,
the export's rows go to new sheets (named by the user, made unique), the other sheets stay
as they were, and the result replaces the file atomically (temp file beside it, then
:func:`os.replace`), so a failed run leaves the previous workbook intact.

openpyxl keeps cell values, formulas, styles, widths and defined names of the other
sheets, but not charts, images, pivot tables or macros: a workbook holding any of those is
refused (one line naming what it holds) rather than rewritten without them.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from bulkio.errors import InputError
from bulkio.files.safe_write import XLSX_MAX_CHARS, AtomicFile, LongCells, write_error
from bulkio.i18n import _

__all__ = ["AppendSheetOutput", "unsupported_parts"]

#: Excel's row limit minus the header; a longer sheet continues on "<name> (2)"
XLSX_MAX_ROWS = 1_048_575
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
#: parts of an .xlsx that openpyxl drops on save, by the folder they live in
_DROPPED = {"xl/charts/": "charts", "xl/drawings/": "images or drawings",
            "xl/pivotTables/": "pivot tables", "xl/vbaProject.bin": "macros"}  # fmt: skip


def unsupported_parts(path: Path) -> list[str]:
    """What ``path`` holds that an openpyxl round trip would lose (empty: safe)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(_("{path}: not an .xlsx workbook ({exc})").format(
            path=path, exc=exc), path=path,
                         hint=_("name a new file, or an .xlsx written by Excel or bulkio")
                         ) from exc  # fmt: skip
    return sorted({what for prefix, what in _DROPPED.items()
                   if any(n.startswith(prefix) for n in names)})  # fmt: skip


class _AppendedSheet:
    def __init__(self, output: AppendSheetOutput, title: str, headers: Sequence[str],
                 text_columns: Sequence[int]) -> None:
        self.rows = 0
        self._output = output
        self._base = title
        self._headers = list(headers)
        self._text = frozenset(text_columns)
        self._part = 0
        self._ws: Any = None
        self._row = 0
        self._new_worksheet()

    def _new_worksheet(self) -> None:
        self._part += 1
        base = self._base if self._part == 1 else f"{self._base[:25]} ({self._part})"
        self._ws = self._output.workbook.create_sheet(self._output.unique_title(base))
        self._ws.append(self._headers)
        self._ws.freeze_panes = "A2"
        self._row = 1

    def write_rows(self, rows: Iterable[Sequence[str]]) -> None:
        for row in rows:
            if self._row > XLSX_MAX_ROWS:
                self._new_worksheet()
            self._row += 1
            for col, value in enumerate(row):
                if not value:
                    continue
                if len(value) > XLSX_MAX_CHARS:
                    value = self._output.long.cut(value, sheet=self._ws.title, row=self._row - 1,
                                                  col=col, header=self._headers[col])
                cell = self._ws.cell(row=self._row, column=col + 1, value=value)
                # openpyxl reads "=..." as a formula: the export's cells are text, always
                cell.data_type = "s"
                if col in self._text:
                    cell.number_format = "@"
            self.rows += 1


class AppendSheetOutput:
    """The export's sheets added to the workbook at ``path`` (created if missing)."""

    def __init__(self, path: Path, sheet: str) -> None:
        self.target = path
        self.long = LongCells(path)
        self._sheet = sheet
        self._sheets: list[_AppendedSheet] = []
        if path.exists():
            lost = unsupported_parts(path)
            if lost:
                raise InputError(
                    _("{path} holds {names}, which adding a sheet would lose").format(
                        path=path, names=', '.join(lost)),
                    path=path, hint=_("export to a new file, or keep the report in a workbook "
                                      "without them"))
            try:
                self.workbook: Any = openpyxl.load_workbook(path)
            except OSError as exc:
                raise write_error(path, exc) from exc
        else:
            self.workbook = openpyxl.Workbook()
            self.workbook.remove(self.workbook.active)

    def unique_title(self, wanted: str) -> str:
        """``wanted`` as a legal sheet title (31 characters, no ``[]:*?/\\``), not taken."""
        base = _BAD_TITLE.sub("-", wanted).strip("'")[:31] or "contacts"
        taken = {name.casefold() for name in self.workbook.sheetnames}
        title, n = base, 1
        while title.casefold() in taken:
            n += 1
            title = f"{base[:31 - len(str(n)) - 3]} ({n})"
        return title

    def add_sheet(
        self, name: str, headers: Sequence[str], *, text_columns: Sequence[int] = ()
    ) -> _AppendedSheet:
        title = self._sheet if not self._sheets else f"{self._sheet} {name}"
        sheet = _AppendedSheet(self, title, headers, text_columns)
        self._sheets.append(sheet)
        return sheet

    def commit(self) -> list[Path]:
        temp = AtomicFile(self.target)
        temp.discard_fd()
        try:
            self.workbook.save(temp.path)
        except OSError as exc:
            temp.discard()
            self.long.discard()
            raise write_error(self.target, exc) from exc
        sidecar = self.long.commit()
        temp.commit()
        return [self.target, *([sidecar] if sidecar else [])]

    def abort(self) -> None:
        self.long.discard()
