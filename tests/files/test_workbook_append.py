"""``export --append-sheet``: a run added as a new sheet of an existing workbook, the other
sheets left intact (issue 14, point 7)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result
from openpyxl.chart import BarChart, Reference

from bulkio.cli import main
from tests.conftest import SandboxHandle


def _export(sandbox: SandboxHandle, *args: str) -> Result:
    argv = ["export", *args, "--base-url", sandbox.url, "--location-id", sandbox.location_id,
            "-q"]  # fmt: skip
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token})


def test_each_run_adds_a_sheet_and_keeps_the_others(sandbox: SandboxHandle,
                                                    tmp_path: Path) -> None:
    sandbox.admin.seed(sandbox.location_id, contacts=[
        {"email": "ana@example.mx", "phone": "+528102978753", "firstName": "=1+1"}])
    book = tmp_path / "informe.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Resumen"
    ws["A1"], ws["A2"], ws["A3"] = 2, 3, "=A1+A2"
    wb.save(book)
    for _ in range(2):
        result = _export(sandbox, "-o", str(book), "--append-sheet", "contactos",
                         "--columns", "email,phone,firstName")  # fmt: skip
        assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Resumen", "contactos", "contactos (2)"]
    assert [wb["Resumen"][c].value for c in ("A1", "A2", "A3")] == [2, 3, "=A1+A2"]
    sheet = wb["contactos (2)"]
    assert [c.value for c in sheet[1]] == ["email", "phone", "firstName"]
    email, phone, first = sheet[2]
    assert (email.value, phone.value, first.value) == ("ana@example.mx", "+528102978753", "=1+1")
    assert first.data_type == "s"  # text, never a formula Excel would run


def test_a_new_workbook_is_created(sandbox: SandboxHandle, tmp_path: Path) -> None:
    book = tmp_path / "nuevo.xlsx"
    result = _export(sandbox, "-o", str(book), "--append-sheet", "alta {date}")
    assert result.exit_code == 0, result.output
    [title] = openpyxl.load_workbook(book).sheetnames
    assert title.startswith("alta 20") and len(title) == len("alta 2026-12-01")


def test_a_workbook_with_a_chart_is_refused_untouched(sandbox: SandboxHandle,
                                                      tmp_path: Path) -> None:
    book = tmp_path / "grafica.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in ([1], [2], [3]):
        ws.append(row)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=1, min_row=1, max_row=3))
    ws.add_chart(chart, "C1")
    wb.save(book)
    before = book.read_bytes()
    result = _export(sandbox, "-o", str(book), "--append-sheet", "contactos")
    assert result.exit_code == 1
    assert "holds charts" in result.output and "adding a sheet would lose" in result.output
    assert book.read_bytes() == before


@pytest.mark.parametrize("output", ["contactos.csv", "-"])
def test_only_xlsx_takes_a_sheet(sandbox: SandboxHandle, tmp_path: Path, output: str) -> None:
    target = output if output == "-" else str(tmp_path / output)
    result = _export(sandbox, "-o", target, "--append-sheet", "contactos")
    assert result.exit_code == 2
    assert "--append-sheet adds a sheet to a workbook" in result.output
