"""``bulkio export`` through click against the sandbox: filters, formats, exit codes."""

from __future__ import annotations

import csv
import io
import json
import shlex
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import time_machine
from click.testing import CliRunner, Result

from bulkio.cli import main
from bulkio.errors import TransportError

PEOPLE: list[dict[str, Any]] = [
    {"firstName": "Ana", "lastName": "López", "email": "ana@ejemplo.mx", "country": "MX",
     "tags": ["vip"], "customFields": [{"key": "plan", "field_value": "Gold"}]},
    {"firstName": "Mariana", "lastName": "Ruiz", "email": "mariana@ejemplo.mx", "country": "US",
     "tags": ["vip", "cliente"], "customFields": [{"key": "plan", "field_value": "Silver"}]},
    {"firstName": "Juan", "lastName": "Pérez", "phone": "+525512345678", "country": "MX",
     "tags": []},
    {"firstName": "Pedro", "lastName": "Sánchez", "email": "pedro@ejemplo.mx", "country": "CO",
     "tags": ["cliente"], "customFields": [{"key": "plan", "field_value": "Gold"}]},
    {"firstName": "Luciana", "lastName": "Díaz", "email": "luciana@ejemplo.mx",
     "phone": "+525587654321", "country": "MX", "tags": ["vip"]},
]


def invoke(sandbox: Any, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["export", *args, "--base-url", sandbox.url, "--location-id", sandbox.location_id],
        env={"BULKIO_TOKEN": sandbox.token, "BULKIO_CONFIG": None},
    )


def seeded(sandbox: Any) -> list[dict[str, Any]]:
    sandbox.admin.create_custom_field(sandbox.location_id, name="Plan", data_type="TEXT",
                                      field_key="contact.plan")
    sandbox.admin.seed(sandbox.location_id, contacts=PEOPLE)
    return list(sandbox.admin.contacts(sandbox.location_id))


def stdout_rows(result: Result) -> list[dict[str, str]]:
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def plan(contact: dict[str, Any]) -> str | None:
    values = [cf["value"] for cf in contact.get("customFields", [])]
    return values[0] if values else None


Pred = Callable[[dict[str, Any]], bool]
FILTERS: list[tuple[list[str], Pred]] = [
    (["tags=vip"], lambda c: "vip" in c["tags"]),
    (["country!=MX"], lambda c: c["country"] != "MX"),
    (["email exists"], lambda c: bool(c.get("email"))),
    (["phone not exists"], lambda c: not c.get("phone")),
    (["name~ana"], lambda c: "ana" in c["name"].lower()),
    (["name!~ana"], lambda c: "ana" not in c["name"].lower()),
    (["Plan=Gold"], lambda c: plan(c) == "Gold"),
    (["Plan exists"], lambda c: plan(c) is not None),
    (["tags=vip", "country=MX"], lambda c: "vip" in c["tags"] and c["country"] == "MX"),
    (["lastName=lópez"], lambda c: c["lastName"] == "López"),
]


@pytest.mark.parametrize(("filters", "pred"), FILTERS, ids=[" & ".join(f) for f, _ in FILTERS])
def test_each_filter_form(sandbox: Any, filters: list[str], pred: Pred) -> None:
    held = seeded(sandbox)
    args = [a for f in filters for a in ("--filter", f)]
    rows = stdout_rows(invoke(sandbox, "-o", "-", "-q", *args))
    expected = {c["id"] for c in held if pred(c)}
    assert expected and len(expected) < len(held)
    assert {r["id"] for r in rows} == expected


def test_date_range_filter(sandbox: Any) -> None:
    held = sorted(seeded(sandbox), key=lambda c: c["dateAdded"])
    cut = held[3]["dateAdded"]
    rows = stdout_rows(invoke(sandbox, "-o", "-", "--filter", f"dateAdded>={cut}"))
    assert {r["id"] for r in rows} == {c["id"] for c in held[3:]}
    rows = stdout_rows(invoke(sandbox, "-o", "-", "--filter", f"dateAdded<{cut}",
                              "--filter", "dateAdded>=2000-01-01"))
    assert {r["id"] for r in rows} == {c["id"] for c in held[:3]}


def test_query_sort_columns_and_filter_file(sandbox: Any, tmp_path: Path) -> None:
    seeded(sandbox)
    rows = stdout_rows(invoke(sandbox, "-o", "-", "--query", "ejemplo.mx",
                              "--sort", "firstName:desc", "--columns", "firstName,email"))
    assert [r["firstName"] for r in rows] == ["Pedro", "Mariana", "Luciana", "Ana"]
    assert list(rows[0]) == ["firstName", "email"]
    flt = tmp_path / "f.json"
    flt.write_text(json.dumps([{"group": "OR", "filters": [
        {"field": "country", "operator": "eq", "value": "CO"},
        {"field": "country", "operator": "eq", "value": "US"}]}]), encoding="utf-8")
    rows = stdout_rows(invoke(sandbox, "-o", "-", "--filter-file", str(flt),
                              "--columns", "firstName", "--sort", "firstName"))
    assert [r["firstName"] for r in rows] == ["Mariana", "Pedro"]


def test_xlsx_json_summary_and_date_placeholder(sandbox: Any, tmp_path: Path) -> None:
    seeded(sandbox)
    with time_machine.travel(datetime(2030, 7, 4, 12, tzinfo=UTC)):  # not the wall clock
        result = invoke(sandbox, "-o", str(tmp_path / "vip-{date}.xlsx"), "--filter",
                        "tags=vip", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    target = tmp_path / "vip-2030-07-04.xlsx"
    assert summary["file"] == str(target) and summary["rows"] == 3
    assert summary["requests"] == 2 and summary["duration_s"] >= 0
    ws = openpyxl.load_workbook(target)["contacts"]
    assert ws.max_row == 4 and ws["A1"].value == "id" and ws.freeze_panes == "A2"
    assert ws.cell(1, ws.max_column).value == "Plan"
    assert "exported 3 contacts" in result.stderr


def test_csv_bom_delimiter_and_incremental_state(sandbox: Any, tmp_path: Path) -> None:
    seeded(sandbox)
    out, state = tmp_path / "c.csv", tmp_path / "c.state"
    args = ["-o", str(out), "--bom", "--delimiter", "tab", "--since", "last",
            "--state", str(state), "--overlap", "0", "--json"]
    first = invoke(sandbox, *args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["rows"] == 5
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid\tfirstName\t")
    assert json.loads(state.read_text(encoding="utf-8"))["watermark"]
    second = invoke(sandbox, *args)
    assert json.loads(second.stdout)["rows"] == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-o", "-", "--filter", "tags"], "filters look like"),
        (["-o", "-", "--filter", "country=="], "filters look like"),
        (["-o", "-", "--sort", "email:sideways"], "sort looks like"),
        (["-o", "-", "--json"], "--json"),
        (["-o", "-", "--include", "notes"], "--include"),
        (["-o", "x.csv", "--delimiter", "ab"], "one character"),
        (["-o", "-", "--filter", "Planeta=Marte"], "unknown field 'Planeta'"),
        (["-o", "-", "--columns", "id,Planeta"], "unknown column 'Planeta'"),
        (["-o", "-", "--include", "deals", "-o", "x.csv"], "cannot include deals"),
        (["-o", "-", "--business-id", "b1", "--filter", "tags=vip"], "--business-id"),
        (["-o", "-", "--since", "ayer"], "--since"),
        (["-o", "-", "--filter", "dateAdded>=notadate"], "dateAdded takes a date"),
        (["-o", "-", "--columns", "id,email,id"], "each column once"),
        (["-o", "-", "--filter", "dnd=maybe"], "--filter 'dnd=true'"),
        (["-o", "-", "--filter", "dateAdded>=2026-01-01", "--filter", "dateAdded>=2026-02-01"],
         "one lower and one upper bound"),
    ],
)
def test_usage_errors_exit_2(sandbox: Any, args: list[str], needle: str) -> None:
    result = invoke(sandbox, *args)
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert "Traceback" not in result.output


def test_bad_extension_and_auth_failure_exit_1(sandbox: Any, tmp_path: Path) -> None:
    result = invoke(sandbox, "-o", str(tmp_path / "c.xls"))
    assert result.exit_code == 1 and ".csv, .xlsx or .jsonl" in result.output
    target = tmp_path / "c.csv"
    target.write_text("previous", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["export", "-o", str(target), "--base-url", sandbox.url,
               "--location-id", sandbox.location_id],
        env={"BULKIO_TOKEN": "wrong-token-123", "BULKIO_CONFIG": None},
    )
    assert result.exit_code == 1
    assert "wrong-token-123" not in result.output
    assert target.read_text(encoding="utf-8") == "previous"


@pytest.mark.parametrize(
    ("filters", "needle"),
    [
        ([{"field": "nofield", "operator": "eq", "value": "1"}], "API refused the search"),
        ([{"field": "email", "operator": "bogus", "value": "1"}], "unknown operator 'bogus'"),
    ],
)
def test_filter_file_the_api_refuses_is_a_usage_error(
    sandbox: Any, tmp_path: Path, filters: list[dict[str, str]], needle: str
) -> None:
    path = tmp_path / "f.json"
    path.write_text(json.dumps(filters), encoding="utf-8")
    target = tmp_path / "c.csv"
    result = invoke(sandbox, "-o", str(target), "--filter-file", str(path))
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output
    assert not target.exists()


def test_folder_target_and_unreachable_api_exit_1_with_a_next_step(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "c.csv").mkdir()
    result = invoke(sandbox, "-o", str(tmp_path / "c.csv"))
    assert result.exit_code == 1 and "is a folder" in result.output, result.output

    async def unreachable(*args: Any, **kwargs: Any) -> None:
        # What the client raises once its retries against a closed port are spent.
        raise TransportError("POST /contacts/search: no response (ConnectError)")

    monkeypatch.setattr("bulkio.cli.export.run_export", unreachable)
    result = invoke(sandbox, "-o", str(tmp_path / "d.csv"))
    assert result.exit_code == 1, result.output
    assert "run the export again" in result.output and "--resume" not in result.output
    assert sandbox.token not in result.output and "Traceback" not in result.output


def test_a_location_the_token_cannot_see_names_the_location_option(
    sandbox: Any, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        main, ["export", "-o", str(tmp_path / "c.csv"), "--base-url", sandbox.url,
               "--location-id", "OtherLocation123"],
        env={"BULKIO_TOKEN": sandbox.token, "BULKIO_CONFIG": None},
    )
    assert result.exit_code == 1 and "403" in result.output, result.output
    assert "--location-id" in result.output and sandbox.token not in result.output


def test_help_starts_with_one_line_and_example() -> None:
    result = CliRunner().invoke(main, ["export", "-h"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[2].strip().startswith("Export contacts")
    assert lines[4].strip() == "Example:"
    assert "bulkio export" in lines[5]


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _template_commands() -> list[tuple[str, list[str]]]:
    found = []
    for name in ("export.crontab", "bulkio-export.service"):
        for line in (TEMPLATES / name).read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or "bin/bulkio export" not in line:
                continue
            words = shlex.split(line.split("bin/bulkio", 1)[1].split(">>")[0])
            found.append((name, words))
    return found


@pytest.mark.parametrize(("name", "words"), _template_commands())
def test_scheduled_export_templates_run_as_written(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, words: list[str]
) -> None:
    seeded(sandbox)
    for folder in ("out", "state", "logs"):
        (tmp_path / folder).mkdir()
    monkeypatch.chdir(tmp_path)
    args = [w.replace("/srv/bulkio-exports", str(tmp_path)) for w in words]
    assert args[0] == "export"
    first = invoke(sandbox, *args[1:])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["rows"] == 5
    again = invoke(sandbox, *args[1:])
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    # contacts this recent all sit inside the 5-minute overlap, so they come again
    assert summary["rows"] == 5
    if "--since" in args:
        assert summary["since"] is not None and summary["watermark"] is not None
    assert any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(("env", "extra", "first_line"), [
    ({"LC_ALL": "es_ES.UTF-8"}, [], b"\xef\xbb\xbfid;firstName;phone\r\n"),
    ({"LC_ALL": "en_US.UTF-8"}, [], b"\xef\xbb\xbfid,firstName,phone\r\n"),
    ({"LC_ALL": "de_DE.UTF-8"}, ["--delimiter", "tab"], b"\xef\xbb\xbfid\tfirstName\tphone\r\n"),
])
def test_excel_csv_bom_locale_delimiter_and_plain_phones(
    sandbox: Any, tmp_path: Path, env: dict[str, str], extra: list[str], first_line: bytes
) -> None:
    sandbox.admin.seed(sandbox.location_id, contacts=[
        {"firstName": "Muñoz", "phone": "+528102978753"}])
    target = tmp_path / "c.csv"
    result = CliRunner().invoke(main, [
        "export", "-o", str(target), "--excel", "--columns", "id,firstName,phone", *extra,
        "--base-url", sandbox.url, "--location-id", sandbox.location_id],
        env={"BULKIO_TOKEN": sandbox.token, "LANG": "", "LC_NUMERIC": "", **env})
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data.startswith(first_line)
    sep = first_line[len(b"\xef\xbb\xbfid"):][:1]
    assert data.endswith(sep + b"Mu\xc3\xb1oz" + sep + b"+528102978753\r\n")


def test_since_last_without_state_keeps_its_watermark_in_the_state_home(tmp_path: Path) -> None:
    """Issue 10: export state lives in the state home like the journal and the sandbox."""
    runner = CliRunner()
    src = tmp_path / "c.csv"
    src.write_text("email\nana@example.mx\n", encoding="utf-8")
    assert runner.invoke(main, ["import", str(src), "--sandbox", "-q"]).exit_code == 0
    out = tmp_path / "cambios-{run}.csv"
    first = runner.invoke(main, ["export", "-o", str(out), "--since", "last", "--sandbox",
                                  "--overlap", "0"])
    assert first.exit_code == 0, first.output
    states = list((tmp_path / ".bulkio" / "exports").glob("*.state"))
    assert len(states) == 1 and "sandbox" in states[0].name
    second = runner.invoke(main, ["export", "-o", str(out), "--since", "last", "--sandbox",
                                   "--overlap", "0"])
    assert second.exit_code == 0, second.output
    assert "ana@example.mx" in (tmp_path / "cambios-1.csv").read_text(encoding="utf-8")
    assert "ana@example.mx" not in (tmp_path / "cambios-2.csv").read_text(encoding="utf-8")
