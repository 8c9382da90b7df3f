"""Writers: CSV/XLSX/JSONL output, formula neutralization, atomic replace."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import openpyxl
import pytest

from bulkio.errors import InputError
from bulkio.files.export_writers import detect_format, open_output, sibling_path

ROWS = [
    ["1", "=HYPERLINK(\"http://x\")", "+5215512345678", "06700"],
    ["2", "@SUM(A1)", "-3", "\tlead"],
    ["3", "Ana María", "", "01234"],
]
HEADERS = ["id", "name", "phone", "postalCode"]


def test_detect_format() -> None:
    assert detect_format("a.CSV") == "csv"
    assert detect_format("a.xlsx") == "xlsx"
    assert detect_format("a.jsonl") == "jsonl"
    assert detect_format("-") == "csv"
    with pytest.raises(InputError, match=r"a\.xls: unknown output format"):
        detect_format("a.xls")


def test_sibling_path() -> None:
    assert sibling_path(Path("out/contacts.csv"), "notes") == Path("out/contacts.notes.csv")


@pytest.mark.parametrize("raw", [False, True])
def test_csv_neutralizes_formula_cells_unless_raw(tmp_path: Path, raw: bool) -> None:
    target = tmp_path / "c.csv"
    out = open_output(target, fmt="csv", raw=raw)
    out.add_sheet("contacts", HEADERS).write_rows(ROWS)
    assert out.commit() == [target]
    with target.open(encoding="utf-8", newline="") as f:
        got = list(csv.reader(f))
    assert got[0] == HEADERS
    if raw:
        assert got[1:] == ROWS
    else:
        assert got[1] == ["1", "'=HYPERLINK(\"http://x\")", "+5215512345678", "06700"]
        assert got[2] == ["2", "'@SUM(A1)", "-3", "'\tlead"]
        assert got[3] == ROWS[2]


def test_csv_bom_and_delimiter(tmp_path: Path) -> None:
    target = tmp_path / "c.csv"
    out = open_output(target, fmt="csv", bom=True, delimiter=";")
    out.add_sheet("contacts", HEADERS).write_rows(ROWS[2:])
    out.commit()
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid;name;phone;postalCode\r\n")
    assert "3;Ana María;;01234".encode() in data


def test_stream_output_writes_csv_to_the_stream() -> None:
    buf = io.StringIO()
    out = open_output(None, fmt="csv", stream=buf)
    out.add_sheet("contacts", HEADERS).write_rows(ROWS[2:])
    assert out.commit() == []
    assert buf.getvalue() == "id,name,phone,postalCode\r\n3,Ana María,,01234\r\n"
    with pytest.raises(InputError, match="related data needs an output file, not stdout"):
        out.add_sheet("notes", ["x"])


def test_jsonl(tmp_path: Path) -> None:
    target = tmp_path / "c.jsonl"
    out = open_output(target, fmt="jsonl")
    out.add_sheet("contacts", HEADERS).write_rows(ROWS)
    out.commit()
    lines = [json.loads(x) for x in target.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == dict(zip(HEADERS, ROWS[0], strict=True))
    assert len(lines) == 3


def test_xlsx_strings_are_strings_header_frozen_autofilter_text_columns(tmp_path: Path) -> None:
    target = tmp_path / "c.xlsx"
    out = open_output(target, fmt="xlsx")
    sheet = out.add_sheet("contacts", HEADERS, text_columns=[2, 3])
    sheet.write_rows(ROWS)
    notes = out.add_sheet("notes", ["contactId", "body"])
    notes.write_rows([["1", "llamar el lunes"]])
    out.commit()
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["contacts", "notes"]
    ws = wb["contacts"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:D4"
    assert ws["B2"].value == "=HYPERLINK(\"http://x\")"
    assert ws["B2"].data_type == "s"
    assert ws["C2"].value == "+5215512345678" and ws["C2"].number_format == "@"
    assert ws["D4"].value == "01234"
    assert ws.column_dimensions["B"].width > len("name") + 2
    assert wb["notes"]["B2"].value == "llamar el lunes"


def test_abort_keeps_previous_file_and_leaves_no_temp(tmp_path: Path) -> None:
    for fmt in ("csv", "xlsx", "jsonl"):
        target = tmp_path / f"c.{fmt}"
        target.write_bytes(b"previous export")
        out = open_output(target, fmt=fmt)  # type: ignore[arg-type]
        out.add_sheet("contacts", HEADERS).write_rows(ROWS)
        out.add_sheet("notes", ["contactId"]).write_rows([["1"]])
        out.abort()
        assert target.read_bytes() == b"previous export"
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_commit_replaces_and_file_is_world_readable_per_umask(tmp_path: Path) -> None:
    target = tmp_path / "c.csv"
    target.write_text("old", encoding="utf-8")
    out = open_output(target, fmt="csv")
    out.add_sheet("contacts", HEADERS).write_rows(ROWS)
    out.add_sheet("notes", ["contactId"]).write_rows([["1"]])
    assert out.commit() == [target, tmp_path / "c.notes.csv"]
    assert target.read_text(encoding="utf-8").startswith("id,name")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_unwritable_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing.*cannot write the file"):
        open_output(tmp_path / "missing" / "c.csv", fmt="csv").add_sheet("contacts", HEADERS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_folder_named_like_the_target_is_an_input_error(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"contacts.{fmt}"
    target.mkdir()
    with pytest.raises(InputError, match="is a folder"):
        open_output(target, fmt=fmt).add_sheet("contacts", HEADERS)  # type: ignore[arg-type]
    assert target.is_dir() and list(tmp_path.iterdir()) == [target]


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bulkio.files.export_writers.XLSX_MAX_ROWS", 3)
    target = tmp_path / "big.xlsx"
    out = open_output(target, fmt="xlsx")
    out.add_sheet("contacts", ["id"]).write_rows([[str(i)] for i in range(7)])
    out.commit()
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["contacts", "contacts (2)", "contacts (3)"]
    got = [[c.value for c in row] for ws in wb for row in ws.iter_rows()]
    assert got == [["id"], ["0"], ["1"], ["2"], ["id"], ["3"], ["4"], ["5"], ["id"], ["6"]]
    assert wb["contacts (2)"].freeze_panes == "A2"
