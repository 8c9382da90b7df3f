"""Readers never lose a row silently: unbalanced quotes recover at the next line, .xls."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkio.errors import InputError
from bulkio.files.readers import open_table


def test_open_quote_on_one_line_keeps_every_following_row(tmp_path: Path) -> None:
    p = tmp_path / "q.csv"
    p.write_bytes(b'email,name\na@example.com,"Open quote\nb@example.com,Bea\n'
                  b"c@example.com,Cy\n")
    got = list(open_table(p).rows)
    assert [(r.row, r.values["email"], r.values["name"]) for r in got] == [
        (2, "a@example.com", '"Open quote'),
        (3, "b@example.com", "Bea"),
        (4, "c@example.com", "Cy"),
    ]
    [issue] = got[0].issues
    assert (issue.code, issue.severity, issue.row) == ("unbalanced-quote", "error", 2)
    assert "lines 2-4" in issue.message and "went on at line 3" in issue.message
    assert got[1].issues == () and got[2].issues == ()


def test_quote_closed_later_still_recovers_the_swallowed_rows(tmp_path: Path) -> None:
    p = tmp_path / "q.csv"
    p.write_bytes(b'a,b,c\n1,"2,3\n4,5,6\n7,"8",9\n10,11,12\n')
    got = list(open_table(p).rows)
    assert [r.row for r in got] == [2, 3, 4, 5]
    assert [r.values["a"] for r in got] == ["1", "4", "7", "10"]
    assert [i.code for i in got[0].issues] == ["unbalanced-quote"]
    assert got[2].values["b"] == "8"


def test_a_real_multiline_cell_is_kept(tmp_path: Path) -> None:
    p = tmp_path / "ok.csv"
    p.write_bytes(b'n,addr\nAna,"Calle 5\nCentro"\nBea,x\n')
    got = list(open_table(p).rows)
    assert [(r.row, r.values["addr"], r.issues) for r in got] == [
        (2, "Calle 5\nCentro", ()), (4, "x", ())]


def test_xls_is_read_through_calamine() -> None:
    # written once with xlwt (BIFF8, as Excel 97-2003 saves it): see tests/files/data/
    t = open_table(Path(__file__).parent / "data" / "contacts.xls")
    assert t.format == "xlsx" and t.headers == ["Nombre", "Correo", "Teléfono", "Alta"]
    assert [(r.row, r.values) for r in t.rows] == [
        (2, {"Nombre": "José Muñoz", "Correo": "jose@ejemplo.mx",
             "Teléfono": "+528102978753", "Alta": "2026-01-31"}),
        (3, {"Nombre": "Ana", "Correo": "ana@ejemplo.mx", "Teléfono": "8102978753",
             "Alta": "2025-12-01"}),
    ]


def test_a_broken_xls_is_one_input_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(InputError, match=r"the \.xls workbook cannot be read"):
        open_table(p)
