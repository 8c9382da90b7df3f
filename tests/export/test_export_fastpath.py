"""Export fast paths: page-wise CSV neutralization and the inlined row formatter.

Both are speed work that must not change a byte: the writer is compared with a plain
``csv.writer`` fed the neutralized cells written out by hand, the formatter with explicit rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from bulkio.export.columns import resolve_columns, row_formatter
from bulkio.export.filters import CustomFieldIndex
from bulkio.files.export_writers import open_output

HEADERS = ["a", "b", "c"]


def expected_csv(rows: Iterable[Sequence[str]], *, delimiter: str = ",") -> bytes:
    """The stdlib writer's bytes for ``rows`` exactly as given (no neutralizing here)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(row)
    return buf.getvalue().encode()


PAGES: dict[str, list[Sequence[str]]] = {
    "no formula cell": [["1", "Ana", "06700"], ["2", "Luis", ""]],
    "phone column": [["1", "+5215512345678", "x"], ["2", "+5215598765432", "y"]],
    "first cell and every prefix": [
        ["=1+1", "+52", "-3"], ["@SUM(A1)", "\tlead", "\rx"], ["ok", "'=kept", ""],
    ],
    "separator inside a cell": [["a\x00=b", "\x00+", "x\x00"], ["\x00", "=\x00", "c"]],
    "quotes, commas, newlines": [['"=q"', "a,b", "l\nm"], ["-", "", '+"']],
    "tuples": [("=t", "u", "v"), ("w", "-x", "y")],
    "ragged rows": [["=a", "b"], ["+c"], ["d", "e", "=f", "g"]],
    "empty rows": [[], []],
    "single column": [["="], [""], ["x"]],
    "empty page": [],
}

#: PAGES as the safe (non-raw) CSV must hold them, written out by hand: a ``'`` before every
#: cell that starts with = + - @ tab, CR or LF, except plain numbers (+52..., -3), which cannot
#: be formulas; nothing else touched
SAFE: dict[str, list[Sequence[str]]] = {
    "no formula cell": [["1", "Ana", "06700"], ["2", "Luis", ""]],
    "phone column": [["1", "+5215512345678", "x"], ["2", "+5215598765432", "y"]],
    "first cell and every prefix": [
        ["'=1+1", "+52", "-3"], ["'@SUM(A1)", "'\tlead", "'\rx"], ["ok", "'=kept", ""],
    ],
    "separator inside a cell": [["a\x00=b", "\x00+", "x\x00"], ["\x00", "'=\x00", "c"]],
    "quotes, commas, newlines": [['"=q"', "a,b", "l\nm"], ["'-", "", "'+\""]],
    "tuples": [("'=t", "u", "v"), ("w", "'-x", "y")],
    "ragged rows": [["'=a", "b"], ["'+c"], ["d", "e", "'=f", "g"]],
    "empty rows": [[], []],
    "single column": [["'="], [""], ["x"]],
    "empty page": [],
}


@pytest.mark.parametrize("raw", [False, True])
@pytest.mark.parametrize("name", list(PAGES))
def test_csv_page_equals_cell_by_cell_neutralize(tmp_path: Path, name: str, raw: bool) -> None:
    rows = PAGES[name]
    target = tmp_path / "c.csv"
    out = open_output(target, fmt="csv", raw=raw)
    sheet = out.add_sheet("contacts", HEADERS)
    sheet.write_rows(rows)
    sheet.write_rows(iter(rows))  # a generator page takes the same path
    out.commit()
    want = rows if raw else SAFE[name]
    assert target.read_bytes() == expected_csv([*want, *want])
    assert sheet.rows == 2 * len(rows)


def test_csv_pages_do_not_change_the_callers_rows(tmp_path: Path) -> None:
    rows = [["=a", "b", "+c"], ["d", "-e", "f"]]
    out = open_output(tmp_path / "c.csv", fmt="csv", delimiter=";")
    sheet = out.add_sheet("contacts", HEADERS)
    sheet.write_rows(rows)
    sheet.write_rows(rows)
    out.commit()
    assert rows == [["=a", "b", "+c"], ["d", "-e", "f"]]
    assert (tmp_path / "c.csv").read_bytes() == (
        b"a;b;c\r\n'=a;b;'+c\r\nd;'-e;f\r\n'=a;b;'+c\r\nd;'-e;f\r\n")


FIELDS = CustomFieldIndex.from_api(
    [
        {"id": "cf_plan", "name": "Plan", "dataType": "TEXT", "position": 0},
        {"id": "cf_langs", "name": "Idiomas", "dataType": "MULTIPLE_OPTIONS", "position": 1},
        {"id": "cf_renew", "name": "Renewal", "dataType": "DATE", "position": 2},
    ]
)
COLUMNS = ["id", "tags", "dateOfBirth", "dnd", "dateAdded", "Plan", "Idiomas", "Renewal"]


class Text(str):
    """A str subclass (as some JSON decoders hand out): written as its text."""


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        (
            {"id": "c1", "tags": ["vip", "nuevo"], "dateOfBirth": "1985-02-03",
             "dnd": True, "dateAdded": "2026-01-02T03:04:05.678Z",
             "customFields": [{"id": "cf_plan", "value": "Gold"},
                              {"id": "cf_langs", "value": ["es", "en"]},
                              {"id": "cf_renew", "value": "2026-07-01"}]},
            ["c1", "vip, nuevo", "1985-02-03", "true", "2026-01-02T03:04:05.678Z",
             "Gold", "es, en", "2026-07-01"],
        ),
        (
            {"id": 7, "tags": ["a", 1, None, ""], "dateOfBirth": 654220800000,
             "dateAdded": 1767322800000, "customFields": {"cf_plan": 2.0, "cf_renew": None}},
            ["7", "a, 1", "1990-09-25", "", "2026-01-02T03:00:00.000Z", "2", "", ""],
        ),
        (
            {"id": "c3", "tags": "solo", "dateOfBirth": "1990-09-25T00:00:00Z",
             "customFields": [{"id": "cf_plan", "fieldValue": "fv"}, "junk", {"value": 1},
                              {"id": "cf_langs", "value": []}]},
            ["c3", "solo", "1990-09-25", "", "", "fv", "", ""],
        ),
        (
            {"id": Text("c4"), "tags": [], "dateOfBirth": "19900925", "customFields": "x"},
            ["c4", "", "1990-09-25", "", "", "", "", ""],
        ),
        ({"customFields": None}, ["", "", "", "", "", "", "", ""]),
        (  # a slashed date of ISO length is still re-shaped, in both date kinds
            {"id": "c5", "dateOfBirth": "25/09/1990",
             "customFields": [{"id": "cf_renew", "value": "2026/07/01"}]},
            ["c5", "", "1990-09-25", "", "", "", "", "2026-07-01"],
        ),
    ],
)
def test_row_formatter_cells(contact: dict[str, Any], expected: list[str]) -> None:
    row = row_formatter(resolve_columns(COLUMNS, FIELDS))(contact)
    assert row == expected
    assert all(isinstance(cell, str) for cell in row)


def test_custom_fields_before_standard_columns_keep_the_asked_order() -> None:
    contact = {
        "id": "c1", "tags": ["x", "y"], "dateOfBirth": 654220800000,
        "customFields": [{"id": "cf_renew", "value": 1767225600000},
                         {"id": "cf_langs", "value": ["es"]}],
    }
    natural = row_formatter(resolve_columns(COLUMNS, FIELDS))(contact)
    mixed = ["Renewal", "id", "Idiomas", "tags", "Plan", "dateOfBirth"]
    got = row_formatter(resolve_columns(mixed, FIELDS))(contact)
    assert got == ["2026-01-01", "c1", "es", "x, y", "", "1990-09-25"]
    assert got == [natural[COLUMNS.index(c)] for c in mixed]
