"""Excel's limits are never silent: cells over 32,767 characters keep their full text in a
sidecar, reports past the row limit go on in a second sheet."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from bulkio.files.export_writers import open_output
from bulkio.files.report_sheets import open_sheet_writer

NAME = "N" * 40_000
NOTE = "ñ" * 1_000_000


def _sidecar(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_keeps_long_cells_in_a_sidecar_and_lists_it(tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture,
                                                           ) -> None:
    target = tmp_path / "c.xlsx"
    out = open_output(target, fmt="xlsx")
    out.add_sheet("contacts", ["id", "name", "note"]).write_rows(
        [["1", "Ana", "short"], ["2", NAME, NOTE]])
    with caplog.at_level("WARNING", logger="bulkio"):
        files = out.commit()
    sidecar = tmp_path / "c.long-cells.jsonl"
    assert files == [target, sidecar]
    assert _sidecar(sidecar) == [
        {"sheet": "contacts", "row": 3, "column": "B", "header": "name", "length": 40_000,
         "value": NAME},
        {"sheet": "contacts", "row": 3, "column": "C", "header": "note", "length": 1_000_000,
         "value": NOTE},
    ]
    ws = openpyxl.load_workbook(target)["contacts"]
    assert ws["B3"].value == "N" * 32_767 and ws["C3"].value == "ñ" * 32_767
    assert any("2 cell(s) are longer than Excel's 32767 characters" in m
               for m in caplog.messages)


def test_no_sidecar_when_every_cell_fits(tmp_path: Path) -> None:
    out = open_output(tmp_path / "c.xlsx", fmt="xlsx")
    out.add_sheet("contacts", ["id"]).write_rows([["x" * 32_767]])
    assert out.commit() == [tmp_path / "c.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.xlsx"]


def test_report_keeps_long_cells_and_continues_past_the_row_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bulkio.files.report_sheets.XLSX_MAX_ROWS", 2)
    target = tmp_path / "in.failures.xlsx"
    w = open_sheet_writer(target, ["_row", "note"], fmt="xlsx", sheet_name="Failures")
    for r in range(2, 7):
        w.write([r, NAME if r == 5 else f"n{r}"])
    w.close()
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["Failures", "Failures (2)", "Failures (3)"]
    got = [[c.value for c in row] for name in wb.sheetnames for row in wb[name].iter_rows()]
    assert got == [["_row", "note"], [2, "n2"], [3, "n3"],
                   ["_row", "note"], [4, "n4"], [5, "N" * 32_767],
                   ["_row", "note"], [6, "n6"]]
    assert wb["Failures (2)"].freeze_panes == "A2"
    assert _sidecar(tmp_path / "in.failures.long-cells.jsonl") == [
        {"sheet": "Failures (2)", "row": 3, "column": "B", "header": "note",
         "length": 40_000, "value": NAME}]


def test_aborted_report_leaves_no_sidecar(tmp_path: Path) -> None:
    w = open_sheet_writer(tmp_path / "r.xlsx", ["note"], fmt="xlsx")
    for _ in range(300):
        w.write([NAME])
    w.abort()
    assert list(tmp_path.iterdir()) == []
