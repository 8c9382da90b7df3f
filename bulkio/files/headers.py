"""What the CSV and Excel readers share: header naming, header finding, row shaping.

Row rules (the same for CSV and XLSX):

- A blank line in a CSV (nothing, or only spaces) is not a row: it is skipped silently.
- A row whose cells are all empty (``;;;;`` in a CSV, an empty row between data rows in a
  sheet) that lies *between* data rows is yielded with all values None and a warning
  ``empty-row``, so every line of the file is accounted for. Empty rows after the last
  data row (Excel's formatted-but-empty tail) are dropped silently.
- A row with more cells than the header keeps the extra non-empty cells joined under the
  ``_extra`` key (``ragged-row`` warning); a row with fewer cells gets None for the
  missing ones (``ragged-row`` warning).
- A cell that is empty or only whitespace is None; other text is kept as is.

Header names: surrounding whitespace is stripped; a blank header becomes ``Column N``
(N = 1-based column position in the sheet); a repeated header gets `` (2)``, `` (3)``...
(``Email``, ``Email (2)``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence

from bulkio.errors import RowIssue
from bulkio.files.table import SourceRow
from bulkio.i18n import _

log = logging.getLogger("bulkio.readers")

#: key under which cells beyond the header's width are kept, joined
EXTRA_KEY = "_extra"

#: how many non-blank rows the header search looks at
HEADER_SCAN_ROWS = 30

_NUMBER_OR_DATE = re.compile(
    r"""^\s*(?:
        [-+(]?[\d\s().,-]+%?            # numbers, phones, amounts
      | \d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T][\d:.]+)?   # dates, datetimes
    )\s*$""",
    re.VERBOSE,
)

Cells = list[str | None]
Record = tuple[int, Cells, tuple[RowIssue, ...]]
"""(1-based source row, cells (None when empty or only whitespace), issues found while
reading the bytes)"""


def is_blank(cells: Sequence[str | None]) -> bool:
    """True when every cell is None."""
    return not any(cells)


def make_headers(cells: Sequence[str | None], *, first_column: int = 1) -> list[str]:
    """Unique, non-blank header names in file order (see module docstring)."""
    headers: list[str] = []
    seen: set[str] = set()
    for pos, raw in enumerate(cells, start=first_column):
        name = (raw or "").strip().lstrip("\ufeff").strip() or f"Column {pos}"
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name} ({n})"
        seen.add(candidate)
        headers.append(candidate)
    return headers


def header_width(cells: Sequence[str | None]) -> int:
    """Index after the last non-blank header cell: trailing blank columns are dropped."""
    for i in range(len(cells) - 1, -1, -1):
        if cells[i]:
            return i + 1
    return 0


def _non_empty(cells: Sequence[str | None]) -> list[str]:
    return [c for c in cells if c]


def guess_header(rows: Sequence[Sequence[str | None]]) -> int:
    """Index in ``rows`` (non-blank rows, in order) of the most likely header row.

    The header is the first row with at least two non-empty cells, mostly text (more
    than half not numbers or dates), and at least half as many non-empty cells as the widest of the
    next few rows (so a two-cell "Generated: 2024-01-01" title does not win). When no
    row qualifies the first row is the header.
    """
    counts = [len(_non_empty(r)) for r in rows]
    for i, cells in enumerate(rows):
        filled = _non_empty(cells)
        if len(filled) < 2:
            continue
        texts = sum(1 for c in filled if not _NUMBER_OR_DATE.match(c))
        if texts * 2 <= len(filled):
            continue
        following = counts[i + 1 : i + 6]
        if following and len(filled) * 2 < max(following):
            continue
        return i
    return 0


def shape_rows(
    records: Iterable[Record],
    headers: list[str],
    *,
    after: int,
    extra_sep: str,
) -> Iterator[SourceRow]:
    """Turn the records after row ``after`` (the header) into SourceRows (row rules above)."""
    width = len(headers)
    pending_empty: list[Record] = []
    for record in records:
        row, vals, issues = record
        if row <= after:
            continue
        if not any(vals):
            if len(vals) > 1:  # a row of empty cells; [] or [" "] is a blank line
                pending_empty.append(record)
            continue
        if pending_empty:
            yield from _empty_rows(pending_empty, headers)
            pending_empty.clear()
        n = len(vals)
        if n == width:
            yield SourceRow(row, dict(zip(headers, vals, strict=True)), issues)
            continue
        if n > width:
            values = dict(zip(headers, vals[:width], strict=True))
            extra = [v for v in vals[width:] if v]
            if extra:
                values[EXTRA_KEY] = extra_sep.join(extra)
                issues = (
                    *issues,
                    RowIssue(row, "ragged-row",
                             _("{n} cells for {width} columns; extra cells kept under "
                               "{EXTRA_KEY}").format(n=n, width=width, EXTRA_KEY=EXTRA_KEY),
                             field=EXTRA_KEY, severity="warning"),
                )
        else:
            values = dict(zip(headers, vals, strict=False))
            for h in headers[n:]:
                values[h] = None
            issues = (
                *issues,
                RowIssue(row, "ragged-row",
                         _("{n} cells for {width} columns; the missing ones are empty").format(
                             n=n, width=width),
                         severity="warning"),
            )
        yield SourceRow(row, values, issues)
    if pending_empty:
        log.debug("dropped %d trailing empty rows", len(pending_empty))


def _empty_rows(pending: list[Record], headers: list[str]) -> Iterator[SourceRow]:
    for row, _cells, issues in pending:
        empty = RowIssue(row, "empty-row", _("the row has no values at all"), severity="warning")
        yield SourceRow(row, dict.fromkeys(headers), (*issues, empty))
