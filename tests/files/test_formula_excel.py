"""Formula neutraliser (OWASP prefixes, inert numbers and phones) and Excel-ready CSV,
checked against bytes written out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkio.files.export_writers import excel_delimiter, open_output, user_locale
from bulkio.files.report_sheets import open_sheet_writer


def _export(path: Path, rows: list[list[str]], **kw: object) -> bytes:
    out = open_output(path, fmt="csv", **kw)  # type: ignore[arg-type]
    out.add_sheet("contacts", ["name", "phone"]).write_rows(rows)
    out.commit()
    return path.read_bytes()


ROWS = [
    ["Muñoz", "+528102978753"],
    ["=HYPERLINK(\"http://evil\")", "-5"],
    ["+52+cmd|' /C calc'!A0", "+52 81 0297 8753"],
    ["@SUM(A1)", "2026-01-31"],
    ["\t=1", "-2+3"],
    ["\r=1", "12.5"],
    ["\n=1", ""],
]
EXPECTED_ROWS = (
    "Muñoz,+528102978753\r\n"
    "\"'=HYPERLINK(\"\"http://evil\"\")\",-5\r\n"
    "'+52+cmd|' /C calc'!A0,'+52 81 0297 8753\r\n"
    "'@SUM(A1),2026-01-31\r\n"
    "'\t=1,'-2+3\r\n"
    "\"'\r=1\",12.5\r\n"
    "\"'\n=1\",\r\n"
)


def test_every_owasp_prefix_neutralized_numbers_and_phones_left_alone(tmp_path: Path) -> None:
    got = _export(tmp_path / "c.csv", ROWS)
    assert got == ("name,phone\r\n" + EXPECTED_ROWS).encode("utf-8")


def test_reports_use_the_same_rule(tmp_path: Path) -> None:
    w = open_sheet_writer(tmp_path / "r.csv", ["name", "phone"], fmt="csv")
    for row in ROWS:
        w.write(row)
    w.close()
    assert (tmp_path / "r.csv").read_bytes() == (
        "\ufeffname,phone\r\n" + EXPECTED_ROWS).encode("utf-8")


def test_excel_csv_has_bom_and_semicolons(tmp_path: Path) -> None:
    got = _export(tmp_path / "c.csv", [["Muñoz", "+528102978753"]], bom=True, delimiter=";")
    assert got == b"\xef\xbb\xbfname;phone\r\nMu\xc3\xb1oz;+528102978753\r\n"


@pytest.mark.parametrize(("loc", "delim"), [
    ("es_ES", ";"), ("pt_BR", ";"), ("fr_FR", ";"), ("de_DE", ";"), ("it_IT", ";"),
    ("es_AR", ";"), ("en_US", ","), ("en_GB", ","), ("es_MX", ","), (None, ","),
    ("xx_NOPE", ","),
])
def test_excel_delimiter_follows_the_locale_decimal_sign(loc: str | None, delim: str) -> None:
    assert excel_delimiter(loc) == delim


def test_user_locale_reads_lc_all_then_lc_numeric_then_lang() -> None:
    assert user_locale({"LANG": "de_DE.UTF-8"}) == "de_DE"
    assert user_locale({"LANG": "en_US.UTF-8", "LC_NUMERIC": "es_ES.UTF-8"}) == "es_ES"
    assert user_locale({"LC_ALL": "pt_BR.UTF-8", "LANG": "en_US"}) == "pt_BR"
    assert user_locale({"LANG": "C"}) is None
