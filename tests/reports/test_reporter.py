"""Report files: every row in exactly one file, column order, formats, injection safety."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from bulkio.clean.records import Change
from bulkio.files.formula import neutralize, unneutralize
from bulkio.files.report_sheets import Cell, CsvSheetWriter
from bulkio.files.table import SourceRow
from bulkio.reports.reporter import Outcome, Report, RowOutcome, write_changes, write_reports
from bulkio.runs.journal import Journal
from bulkio.runs.kit import RequestStats

HEADERS = ["Nombre", "Correo", "Teléfono"]


def _rows(n: int = 6) -> Iterator[SourceRow]:
    for i in range(n):
        r = i + 2  # header is row 1
        yield SourceRow(r, {"Nombre": f"José {r}", "Correo": f"p{r}@ejemplo.mx",
                            "Teléfono": f"+52 55 1234 56{r:02d}"})


def _states() -> dict[int, RowOutcome]:
    return {
        2: Outcome("ok", action="created", contact_id="c2"),
        3: Outcome("failed", error_code="api-422", error_message="email is invalid",
                   http_status=422),
        4: Outcome("skipped", action="unchanged", contact_id="c4"),
        5: Outcome("ok", action="updated", contact_id="c5",
                   warnings=(("invalid-website", "dropped 'htp:/x'"),)),
        6: Outcome("pending"),
        # row 7: never processed (the run was killed)
    }


def _read_csv(path: Path, delimiter: str = ",") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def test_every_row_in_exactly_one_file_csv(tmp_path: Path) -> None:
    report = write_reports(
        source_rows=_rows(), headers=HEADERS, states=_states(), out_dir=tmp_path,
        stem="contactos.RUN", fmt="csv", run_id="RUN",
    )
    succ = _read_csv(tmp_path / "contactos.RUN.success.csv")
    fail = _read_csv(tmp_path / "contactos.RUN.failures.csv")
    assert succ[0] == ["_row", "contact_id", "action", "_warnings", *HEADERS]
    assert fail[0] == ["_row", "_error_code", "_error_message", "_http_status", *HEADERS]
    succ_rows = [int(r[0]) for r in succ[1:]]
    fail_rows = [int(r[0]) for r in fail[1:]]
    assert succ_rows == [2, 4, 5] and fail_rows == [3, 6, 7]
    assert sorted(succ_rows + fail_rows) == list(range(2, 8))
    assert succ[3][1:4] == ["c5", "updated", "invalid-website: dropped 'htp:/x'"]
    assert succ[2][2] == "unchanged"
    assert fail[1][:4] == ["3", "api-422", "email is invalid", "422"]
    assert fail[2][1] == fail[3][1] == "not-processed"
    assert "--resume" in fail[3][2]
    assert fail[1][4:] == ["José 3", "p3@ejemplo.mx", "'+52 55 1234 5603"]
    # counts add up and are derived
    assert (report.rows, report.succeeded, report.failed, report.ok) == (6, 3, 3, False)
    assert report.by_action == {"created": 1, "unchanged": 1, "updated": 1}
    assert report.by_error == {"api-422": 1, "not-processed": 2}
    assert report.warnings == {"invalid-website": 1}
    summary = json.loads((tmp_path / "contactos.RUN.summary.json").read_text("utf-8"))
    assert summary["rows"] == 6 and summary["failed"] == 3 and summary["run_id"] == "RUN"
    assert not list(tmp_path.glob(".*.tmp"))


def test_csv_keeps_input_delimiter_and_writes_bom(tmp_path: Path) -> None:
    write_reports(source_rows=_rows(2), headers=HEADERS, states=_states(), out_dir=tmp_path,
                  stem="s", fmt="csv", delimiter=";")
    raw = (tmp_path / "s.success.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf_row;contact_id;action;_warnings;Nombre;Correo;")
    assert "José 2".encode() in raw
    assert _read_csv(tmp_path / "s.failures.csv", ";")[1][0] == "3"


def test_xlsx_reports_are_readable_with_frozen_header_filter_and_summary(
    tmp_path: Path,
) -> None:
    report = write_reports(
        source_rows=_rows(), headers=HEADERS, states=_states(), out_dir=tmp_path, stem="s",
        fmt="xlsx", requests=RequestStats(by_endpoint={"POST /contacts/upsert": 5},
                                          rate_limited=2, retries=3),
        duration_s=2.0,
    )
    assert report.success_path == tmp_path / "s.success.xlsx"
    wb = openpyxl.load_workbook(tmp_path / "s.failures.xlsx")
    assert wb.sheetnames == ["Failures", "Summary"]
    ws = wb["Failures"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G4"
    assert ws.column_dimensions["F"].width >= len("p3@ejemplo.mx")
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("_row", "_error_code", "_error_message", "_http_status", *HEADERS)
    assert rows[1] == (3, "api-422", "email is invalid", 422, "José 3", "p3@ejemplo.mx",
                       "+52 55 1234 5603")  # XLSX: text cells, no quote prefix needed
    assert [r[0] for r in rows[1:]] == [3, 6, 7]
    summary = dict(wb["Summary"].iter_rows(values_only=True))
    assert summary["rows"] == 6 and summary["429 responses"] == 2
    assert summary["POST /contacts/upsert"] == 5
    assert report.rows_per_s == 3.0
    cal = CalamineWorkbook.from_path(str(tmp_path / "s.success.xlsx"))
    data = cal.get_sheet_by_name("Success").to_python()
    assert [r[0] for r in data[1:]] == [2, 4, 5]


INJECTIONS = ["=HYPERLINK(\"http://evil\",\"x\")", "+52+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
              "\t=1", "\r=1"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+5215512345678", "+5215512345678"),
        ("+528102978753", "+528102978753"),
        ("-5", "-5"),
        ("-12.50", "-12.50"),
        ("+52 55 1234 5678", "'+52 55 1234 5678"),
        ("-2+3", "'-2+3"),
        ("+1e5)", "'+1e5)"),
        ("-", "'-"),
        ("\nx", "'\nx"),
        ("2026-01-31", "2026-01-31"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("José", "José"),
        ("", ""),
        ("a=b", "a=b"),
        ("'already", "'already"),
    ],
)
def test_neutralize_table(value: str, expected: str) -> None:
    assert neutralize(value) == expected
    assert unneutralize(neutralize(value)) == value


def test_injection_neutralized_in_csv_and_inert_in_xlsx(tmp_path: Path) -> None:
    rows = [SourceRow(i + 2, {"Nombre": v, "Correo": "a@b.mx", "Teléfono": None})
            for i, v in enumerate(INJECTIONS)]
    states: dict[int, RowOutcome] = {
        r.row: Outcome("failed", error_code="api-400", error_message="=bad " + r.row * "x")
        for r in rows
    }
    states[2] = Outcome("ok", action="created", contact_id="=c")
    write_reports(source_rows=rows, headers=HEADERS, states=states, out_dir=tmp_path,
                  stem="csv", fmt="csv")
    cells = [c for f in ("csv.success.csv", "csv.failures.csv")
             for line in _read_csv(tmp_path / f)[1:] for c in line]
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert "'" + INJECTIONS[1] in cells and "'=c" in cells
    write_reports(source_rows=rows, headers=HEADERS, states=states, out_dir=tmp_path,
                  stem="x", fmt="xlsx")
    wb = openpyxl.load_workbook(tmp_path / "x.failures.xlsx")
    for row in wb["Failures"].iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)
    data = CalamineWorkbook.from_path(str(tmp_path / "x.failures.xlsx"))
    values = [row[4] for row in data.get_sheet_by_name("Failures").to_python()[1:]]
    assert values == INJECTIONS[1:]  # kept verbatim as text


def test_fed_back_report_columns_are_replaced_and_collisions_renamed(tmp_path: Path) -> None:
    headers = ["_row", "_error_code", "_error_message", "_http_status", "contact_id", "action",
               "email"]
    src = [SourceRow(2, {"_row": "9", "_error_code": "api-422", "_error_message": "old",
                         "_http_status": "422", "contact_id": "mine", "action": "call",
                         "email": "a@b.mx"})]
    states: dict[int, RowOutcome] = {2: Outcome("ok", action="updated", contact_id="c9")}
    write_reports(source_rows=src, headers=headers, states=states, out_dir=tmp_path, stem="f",
                  fmt="csv")
    succ = _read_csv(tmp_path / "f.success.csv")
    assert succ[0] == ["_row", "_contact_id", "_action", "_warnings", "contact_id", "action",
                       "email"]
    assert succ[1] == ["2", "c9", "updated", "", "mine", "call", "a@b.mx"]


def test_report_counts_are_derived() -> None:
    r = Report(by_action={"created": 2}, by_error={})
    assert r.ok and r.rows == 2
    r.by_error["api-422"] = 1
    assert not r.ok and r.rows == 3 and r.failed == 1
    doc = r.to_json()
    assert doc["ok"] is False and doc["succeeded"] == 2 and doc["requests"]["total"] == 0
    json.dumps(doc)
    with pytest.raises(ValueError, match="negative"):
        Report(by_action={"created": -1})


def test_reports_from_journal_states_and_retry_merge(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.db") as j:
        run = j.start_run(command="import", location_id="L1")
        j.record_row(run.id, 2, status="ok", action="created", contact_id="c2")
        j.record_row(run.id, 3, status="failed", error_code="api-error", http_status=503)
        first = write_reports(source_rows=_rows(2), headers=HEADERS,
                              states=j.row_states(run.id), out_dir=tmp_path, stem="r",
                              fmt="xlsx")
        assert first.by_error == {"api-error": 1}
        j.record_row(run.id, 3, status="ok", action="updated", contact_id="c3")  # retry
        second = write_reports(source_rows=_rows(2), headers=HEADERS,
                               states=j.row_states(run.id), out_dir=tmp_path, stem="r",
                               fmt="xlsx")
    assert second.ok and second.by_action == {"created": 1, "updated": 1}
    ws = openpyxl.load_workbook(tmp_path / "r.failures.xlsx")["Failures"]
    assert ws.max_row == 1  # header only: the failure file was rewritten
    assert ws.auto_filter.ref == "A1:G1"


def test_failure_midway_leaves_previous_reports_untouched(tmp_path: Path) -> None:
    write_reports(source_rows=_rows(2), headers=HEADERS, states=_states(), out_dir=tmp_path,
                  stem="k", fmt="csv")
    before = (tmp_path / "k.success.csv").read_bytes()

    def broken() -> Iterator[SourceRow]:
        yield from _rows(1)
        raise OSError("disk went away")

    with pytest.raises(OSError, match="disk"):
        write_reports(source_rows=broken(), headers=HEADERS, states={}, out_dir=tmp_path,
                      stem="k", fmt="csv")
    assert (tmp_path / "k.success.csv").read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_changes_file(tmp_path: Path, fmt: str) -> None:
    changes = [Change(2, "Teléfono", "phone", "55 1234 5678", "+525512345678"),
               Change(3, "Fecha", "dateOfBirth", "03/04/1990", "1990-04-03")]
    path = tmp_path / f"changes.{fmt}"
    assert write_changes(changes, path=path, fmt=fmt) == 2  # type: ignore[arg-type]
    if fmt == "csv":
        rows = _read_csv(path)
        assert rows[0] == ["row", "column", "field", "before", "after"]
        assert rows[1] == ["2", "Teléfono", "phone", "55 1234 5678", "+525512345678"]
    else:
        ws = openpyxl.load_workbook(path)["Changes"]
        assert list(ws.iter_rows(values_only=True))[2] == (3, "Fecha", "dateOfBirth",
                                                           "03/04/1990", "1990-04-03")


def test_ragged_row_extra_cells_are_kept(tmp_path: Path) -> None:
    from bulkio.files.readers import EXTRA_KEY
    from bulkio.reports.reporter import EXTRA_KEY as REPORTER_EXTRA_KEY

    assert REPORTER_EXTRA_KEY == EXTRA_KEY
    src = [SourceRow(2, {"Nombre": "Ana", "Correo": None, "Teléfono": None,
                         EXTRA_KEY: "sobra;también"})]
    write_reports(source_rows=src, headers=HEADERS, states={}, out_dir=tmp_path, stem="g",
                  fmt="csv", delimiter=";")
    rows = _read_csv(tmp_path / "g.failures.csv", ";")
    assert rows[1] == ["2", "not-processed", rows[1][2], "", "Ana", "", "", "sobra;también"]


# Cells for the byte-for-byte check of the batched CSV writer against one csv.writerow per
# row: formula-like text, accents, embedded newlines/quotes/delimiters, numbers, empties.
_CSV_CELLS: list[Cell] = [
    "José Pérez", "=SUM(A1:A2)", "+52 55 1234 5678", "-5", "@cmd", "\tTab", "\rCR",
    "línea 1\nlínea 2", 'dice "hola"', "a,b", "a;b", "", None, 7, -3, 2.5, "'=ya", "ñ€😀",
]


def _reference_csv(headers: list[str], rows: list[list[Cell]], delimiter: str) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow([neutralize(h) for h in headers])
    for cells in rows:
        w.writerow(["" if c is None else neutralize(c) if isinstance(c, str) else c
                    for c in cells])
    return buf.getvalue().encode("utf-8-sig")


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("n_rows", [0, 1, 1023, 1024, 2500])
def test_csv_writer_bytes_match_row_by_row_csv(tmp_path: Path, delimiter: str,
                                               n_rows: int) -> None:
    headers = ["row", "=Nombre", "Correo", "Teléfono"]
    k = len(_CSV_CELLS)
    rows: list[list[Cell]] = [[i, _CSV_CELLS[i % k], _CSV_CELLS[(i * 7 + 3) % k],
                               _CSV_CELLS[(i * 5 + 1) % k]] for i in range(n_rows)]
    rows += [[None], [""], [None, None, None, None]]
    path = tmp_path / "out.csv"
    writer = CsvSheetWriter(path, headers, delimiter=delimiter)
    for cells in rows:
        writer.write(cells)
    assert not path.exists()  # only the temporary file until close
    writer.close()
    assert path.read_bytes() == _reference_csv(headers, rows, delimiter)
    assert list(tmp_path.iterdir()) == [path]


def test_csv_writer_abort_leaves_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_bytes(b"previous")
    writer = CsvSheetWriter(path, ["a"])
    for i in range(3000):
        writer.write([f"-{i}"])
    writer.abort()
    assert path.read_bytes() == b"previous"
    assert list(tmp_path.iterdir()) == [path]


def test_a_run_that_processed_no_row_leaves_earlier_reports_alone(tmp_path: Path) -> None:
    states = {r: Outcome("ok", action="created", contact_id=f"c{r}") for r in range(2, 6)}
    write_reports(source_rows=_rows(4), headers=HEADERS, states=states, out_dir=tmp_path,
                  stem="in", fmt="csv")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert len(_read_csv(tmp_path / "in.success.csv")) == 5
    stopped = write_reports(source_rows=_rows(4), headers=HEADERS,
                            states={2: Outcome("pending")}, out_dir=tmp_path, stem="in",
                            fmt="csv")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert stopped.by_error == {"not-processed": 4} and stopped.succeeded == 0
    assert stopped.failure_path == tmp_path / "in.failures.csv"


def test_a_first_run_that_processed_no_row_still_writes_its_failure_file(
    tmp_path: Path,
) -> None:
    write_reports(source_rows=_rows(2), headers=HEADERS, states={}, out_dir=tmp_path,
                  stem="new", fmt="csv")
    assert [r[:2] for r in _read_csv(tmp_path / "new.failures.csv")] == [
        ["_row", "_error_code"], ["2", "not-processed"], ["3", "not-processed"]]


def test_reports_of_two_locations_never_overwrite_each_other(tmp_path: Path) -> None:
    for loc in ("LocA", "LocB"):
        write_reports(source_rows=_rows(2), headers=HEADERS, states=_states(),
                      out_dir=tmp_path, stem="in", fmt="csv", location_id=loc)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "in.LocA.failures.csv", "in.LocA.success.csv", "in.LocA.summary.json",
        "in.LocB.failures.csv", "in.LocB.success.csv", "in.LocB.summary.json"]
