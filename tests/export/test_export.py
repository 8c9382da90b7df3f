"""Export runs over real HTTP against the sandbox: completeness, atomicity, incremental runs,
custom fields, related data, the repeated-cursor guard and a round trip."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from click.testing import CliRunner

from bulkio.api.client import Client
from bulkio.cli import main
from bulkio.errors import ApiError, InputError
from bulkio.export.filters import parse_filter, parse_sort
from bulkio.export.run import ExportResult, ExportSpec, run_export
from bulkio.files.export_writers import OutputFormat
from bulkio.files.formula import unneutralize


def client_for(sandbox: Any, **kw: Any) -> Client:
    return Client(base_url=sandbox.url, token=sandbox.token, location_id=sandbox.location_id,
                  **kw)


def export(
    sandbox: Any, target: Path, spec: ExportSpec | None = None, *, fmt: OutputFormat = "csv",
    raw: bool = False, **client_kw: Any,
) -> ExportResult:
    async def go() -> ExportResult:
        async with client_for(sandbox, **client_kw) as client:
            return await run_export(client, target=target, fmt=fmt, spec=spec or ExportSpec(),
                                    raw=raw)

    return asyncio.run(go())


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: unneutralize(v) for k, v in row.items()} for row in csv.DictReader(f)]


def people(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "firstName": f"Nombre{i}",
            "lastName": f"Apellido{i % 97}",
            "email": f"persona{i}@ejemplo.mx",
            "phone": f"+5255{i:08d}",
            "city": "Monterrey" if i % 2 else "Guadalajara",
            "postalCode": f"{i % 100000:05d}",
            "country": "MX" if i % 4 else "US",
            "tags": ["vip", "cliente"] if i % 5 == 0 else ["cliente"],
            "dateOfBirth": f"19{60 + i % 40}-0{1 + i % 9}-1{i % 9}",
        }
        for i in range(start, start + n)
    ]


def test_25000_contacts_exported_completely_past_the_10000_cap(
    sandbox: Any, tmp_path: Path
) -> None:
    for start in range(0, 25_000, 5_000):
        sandbox.admin.seed(sandbox.location_id, contacts=people(5_000, start))
    sandbox.admin.clear_requests()
    target = tmp_path / "all.csv"
    result = export(sandbox, target)
    assert result.rows == result.total == 25_000
    searches = [r for r in sandbox.admin.requests() if r["path"] == "/contacts/search"]
    assert len(searches) == 50  # == ceil(25,000 / 500): the minimum
    rows = read_csv(target)
    held = {c["id"]: c for c in sandbox.admin.contacts(sandbox.location_id)}
    assert len(rows) == 25_000 and {r["id"] for r in rows} == set(held)
    for row in rows:
        contact = held[row["id"]]
        assert row["email"] == contact["email"]
        assert row["phone"] == contact["phone"]
        assert row["firstName"] == contact["firstName"]
        assert row["postalCode"] == contact["postalCode"]
        assert row["tags"] == ", ".join(contact["tags"])
        assert row["dateOfBirth"] == contact["dateOfBirth"][:10]
        assert row["dateAdded"] == contact["dateAdded"]
        assert row["dateUpdated"] == contact["dateUpdated"]


def test_failure_mid_export_keeps_previous_file_and_state(sandbox: Any, tmp_path: Path) -> None:
    sandbox.admin.seed(sandbox.location_id, contacts=people(260))
    target = tmp_path / "contacts.csv"
    state = tmp_path / "export.state"
    spec = ExportSpec(state=state, include=("notes",), page_limit=100)
    first = export(sandbox, target, spec)
    assert first.rows == 260 and first.pages == 3
    before = target.read_bytes()
    notes_before = (tmp_path / "contacts.notes.csv").read_bytes()
    state_before = state.read_bytes()
    sandbox.admin.set_faults(sequence=["ok", "ok", 500, 500, 500],
                             path_contains="/contacts/search")
    with pytest.raises(ApiError, match="POST /contacts/search -> 500"):
        export(sandbox, target, spec, max_retries=2, backoff_base=0.001)
    assert target.read_bytes() == before
    assert (tmp_path / "contacts.notes.csv").read_bytes() == notes_before
    assert state.read_bytes() == state_before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "contacts.csv", "contacts.notes.csv", "export.state", "export.state.lock"]


def test_xlsx_failure_keeps_previous_workbook(sandbox: Any, tmp_path: Path) -> None:
    sandbox.admin.seed(sandbox.location_id, contacts=people(1_200))
    target = tmp_path / "contacts.xlsx"
    export(sandbox, target, fmt="xlsx")
    before = target.read_bytes()
    sandbox.admin.set_faults(sequence=["ok", 503, 503, 503], path_contains="/contacts/search")
    with pytest.raises(ApiError, match="POST /contacts/search -> 503"):
        export(sandbox, target, fmt="xlsx", max_retries=2, backoff_base=0.001)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["contacts.xlsx"]


def test_incremental_exports_exactly_the_contacts_changed_since_last_run(
    sandbox: Any, tmp_path: Path
) -> None:
    sandbox.admin.seed(sandbox.location_id, contacts=people(300))
    state = tmp_path / "s.json"
    spec = ExportSpec(since="last", state=state, overlap=timedelta(0))
    first = export(sandbox, tmp_path / "1.csv", spec)
    assert first.rows == 300 and first.since is None
    mark = json.loads(state.read_text(encoding="utf-8"))["watermark"]
    assert mark == max(c["dateUpdated"] for c in sandbox.admin.contacts(sandbox.location_id))

    ids = sorted(c["id"] for c in sandbox.admin.contacts(sandbox.location_id))
    changed = ids[10:17]

    async def touch() -> None:
        async with client_for(sandbox) as client:
            for cid in changed:
                await client.update_contact(cid, {"city": "Puebla"})
            await client.upsert_contact({"email": "nueva@ejemplo.mx", "firstName": "Nueva"})

    asyncio.run(touch())
    second = export(sandbox, tmp_path / "2.csv", spec)
    rows = read_csv(tmp_path / "2.csv")
    new_id = next(c["id"] for c in sandbox.admin.contacts(sandbox.location_id)
                  if c.get("email") == "nueva@ejemplo.mx")
    assert {r["id"] for r in rows} == {*changed, new_id}
    assert second.rows == 8 and second.since == mark
    third = export(sandbox, tmp_path / "3.csv", spec)
    assert third.rows == 0
    assert read_csv(tmp_path / "3.csv") == []
    # the default overlap re-reads the last 5 minutes: everything here is that recent
    again = export(sandbox, tmp_path / "4.csv", ExportSpec(since="last", state=state))
    assert again.rows == 301


def test_custom_field_columns_and_filter(sandbox: Any, tmp_path: Path) -> None:
    admin, loc = sandbox.admin, sandbox.location_id
    admin.create_custom_field(loc, name="Plan", data_type="SINGLE_OPTIONS",
                              options=["Gold", "Silver"], field_key="contact.plan")
    admin.create_custom_field(loc, name="Idiomas", data_type="MULTIPLE_OPTIONS",
                              options=["es", "en", "fr"], field_key="contact.idiomas")
    admin.create_custom_field(loc, name="Renovación", data_type="DATE",
                              field_key="contact.renovacion")
    contacts = people(6)
    for i, c in enumerate(contacts):
        c["customFields"] = [{"key": "plan", "field_value": "Gold" if i % 2 else "Silver"},
                             {"key": "idiomas", "field_value": ["es", "en"] if i < 3 else ["fr"]},
                             {"key": "renovacion", "field_value": "2026-07-01"}]
    admin.seed(loc, contacts=contacts)
    target = tmp_path / "cf.csv"
    spec = ExportSpec(filters=[parse_filter("Plan=Gold")],
                      columns=["email", "Plan", "Idiomas", "Renovación"])
    result = export(sandbox, target, spec)
    assert result.columns == ["email", "Plan", "Idiomas", "Renovación"]
    rows = read_csv(target)
    assert rows == [
        {"email": f"persona{i}@ejemplo.mx", "Plan": "Gold",
         "Idiomas": "es, en" if i < 3 else "fr", "Renovación": "2026-07-01"}
        for i in (1, 3, 5)
    ]
    default = export(sandbox, tmp_path / "all.csv")
    assert default.columns[-3:] == ["Plan", "Idiomas", "Renovación"]


def test_formula_cells_neutralized_in_csv_raw_opt_out_and_xlsx_strings(
    sandbox: Any, tmp_path: Path
) -> None:
    evil = {"firstName": "=cmd|' /C calc'!A0", "lastName": "@SUM(A1:A9)",
            "companyName": "+1+HYPERLINK(\"http://x\")", "email": "evil@ejemplo.mx",
            "city": "-2+3", "source": "\tferia"}
    sandbox.admin.seed(sandbox.location_id, contacts=[evil])
    cols = ["firstName", "lastName", "companyName", "city", "source"]
    export(sandbox, tmp_path / "safe.csv", ExportSpec(columns=cols))
    with (tmp_path / "safe.csv").open(encoding="utf-8", newline="") as f:
        safe = list(csv.reader(f))[1]
    assert safe == ["'" + evil[c] for c in cols]
    export(sandbox, tmp_path / "raw.csv", ExportSpec(columns=cols), raw=True)
    with (tmp_path / "raw.csv").open(encoding="utf-8", newline="") as f:
        assert list(csv.reader(f))[1] == [evil[c] for c in cols]
    export(sandbox, tmp_path / "safe.xlsx", ExportSpec(columns=cols), fmt="xlsx")
    ws = openpyxl.load_workbook(tmp_path / "safe.xlsx")["contacts"]
    assert [ws.cell(2, i + 1).value for i in range(len(cols))] == [evil[c] for c in cols]
    assert all(ws.cell(2, i + 1).data_type == "s" for i in range(len(cols)))


def test_include_notes_and_tasks_as_sheets_and_sibling_files(
    sandbox: Any, tmp_path: Path
) -> None:
    ids = sandbox.admin.seed(sandbox.location_id, contacts=people(4))

    async def add() -> None:
        async with client_for(sandbox) as client:
            await client.add_note(ids[0], {"body": "llamar el lunes"})
            await client.add_note(ids[2], {"body": "=no es fórmula"})
            await client.create_task(ids[1], {"title": "Enviar cotización",
                                              "dueDate": "2026-12-01T15:00:00Z",
                                              "completed": False})

    asyncio.run(add())
    spec = ExportSpec(include=("notes", "tasks"))
    result = export(sandbox, tmp_path / "c.xlsx", spec, fmt="xlsx")
    assert result.related == {"notes": 2, "tasks": 1}
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert wb.sheetnames == ["contacts", "notes", "tasks"]
    notes = [[c.value for c in r] for r in wb["notes"].iter_rows(min_row=2)]
    assert sorted((n[0], n[2]) for n in notes) == sorted(
        [(ids[0], "llamar el lunes"), (ids[2], "=no es fórmula")])
    tasks = [[c.value for c in r] for r in wb["tasks"].iter_rows(min_row=2)]
    assert tasks[0][0] == ids[1] and tasks[0][2] == "Enviar cotización"
    assert tasks[0][4].startswith("2026-12-01T15:00:00")

    files = export(sandbox, tmp_path / "c.csv", spec).files
    assert files == [tmp_path / "c.csv", tmp_path / "c.notes.csv", tmp_path / "c.tasks.csv"]
    assert len(read_csv(tmp_path / "c.notes.csv")) == 2
    with (tmp_path / "c.notes.csv").open(encoding="utf-8") as f:
        assert "'=no es fórmula" in f.read()


def test_business_contacts(sandbox: Any, tmp_path: Path) -> None:
    ids = sandbox.admin.seed(sandbox.location_id, contacts=people(250))
    members = ids[5:160]

    async def assign() -> None:
        async with client_for(sandbox) as client:
            for i in range(0, len(members), 50):
                await client.bulk_business(members[i:i + 50], "biz_123")

    asyncio.run(assign())
    result = export(sandbox, tmp_path / "b.csv", ExportSpec(business_id="biz_123"))
    assert result.rows == len(members) and result.pages == 2
    assert sorted(r["id"] for r in read_csv(tmp_path / "b.csv")) == sorted(members)


def _pager_transport(pages: list[dict[str, Any]]) -> httpx.MockTransport:
    calls = iter(pages)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/customFields"):
            return httpx.Response(200, json={"customFields": []})
        return httpx.Response(200, json=next(calls))

    return httpx.MockTransport(handler)


def _page(start: int, cursor: list[Any] | None) -> dict[str, Any]:
    contacts: list[dict[str, Any]] = [{"id": f"c{i}"} for i in range(start, start + 500)]
    if cursor is not None:
        contacts[-1]["searchAfter"] = cursor
    return {"contacts": contacts, "total": 5_000}


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        ([_page(0, [1, "a"]), _page(500, [2, "b"]), _page(1000, [1, "a"])], "same searchAfter"),
        ([_page(0, [1, "a"]), _page(500, None)], "no searchAfter"),
    ],
)
def test_repeated_or_missing_cursor_stops_instead_of_looping(
    tmp_path: Path, pages: list[dict[str, Any]], message: str
) -> None:
    target = tmp_path / "x.csv"

    async def go() -> None:
        async with Client(base_url="http://127.0.0.1:9", token="t", location_id="L",
                          transport=_pager_transport(pages)) as client:
            await run_export(client, target=target, fmt="csv", spec=ExportSpec())

    with pytest.raises(ApiError, match=message):
        asyncio.run(go())
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_round_trip_export_import_into_second_location_export(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = sandbox.admin
    second_loc, second_token = admin.create_location()
    for loc in (sandbox.location_id, second_loc):
        admin.create_custom_field(loc, name="Plan", data_type="TEXT", field_key="contact.plan")
    source = people(40)
    for i, c in enumerate(source):
        c["customFields"] = [{"key": "plan", "field_value": f"Plan {i % 3}"}]
        c["companyName"] = "=Riesgo SA" if i == 7 else f"Empresa {i}"
    admin.seed(sandbox.location_id, contacts=source)
    first = tmp_path / "first.csv"
    # the import sends rows concurrently, so creation order (the default sort) differs
    by_email = ExportSpec(sort=[parse_sort("email")])
    export(sandbox, first, by_email)

    # the exported file goes back in with `bulkio import` (neutralized cells, joined tags
    # and the custom field column as written); ids and timestamps are the new location's
    mapping = tmp_path / "first.map.toml"
    mapping.write_text('ignore = ["id", "dateAdded", "dateUpdated"]\n[columns]\n'
                       '"Plan" = { custom_field = "Plan" }\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    imported = CliRunner().invoke(
        main, ["import", str(first), "--map", str(mapping), "--tags", "replace", "-q",
               "--base-url", sandbox.url,
               "--location-id", second_loc],
        env={"BULKIO_TOKEN": second_token, "BULKIO_CONFIG": None},
    )
    assert imported.exit_code == 0, imported.output
    second = tmp_path / "second.csv"

    class Second:
        url, token, location_id = sandbox.url, second_token, second_loc

    export(Second(), second, by_email)
    volatile = {"id", "dateAdded", "dateUpdated"}

    def stable(path: Path) -> list[list[str]]:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            keep = [i for i, h in enumerate(header) if h not in volatile]
            return [[header[i] for i in keep]] + [[r[i] for i in keep] for r in reader]

    assert stable(first) == stable(second)
    assert len(stable(first)) == 41 and "'=Riesgo SA" in first.read_text(encoding="utf-8")


def test_overlapping_runs_on_one_state_file_fail_fast(sandbox: Any, tmp_path: Path) -> None:
    fcntl = pytest.importorskip("fcntl")
    sandbox.admin.seed(sandbox.location_id, contacts=people(3))
    state = tmp_path / "s.json"
    with open(tmp_path / "s.json.lock", "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(InputError, match="another bulkio export is running"):
            export(sandbox, tmp_path / "c.csv", ExportSpec(since="last", state=state))
    assert not (tmp_path / "c.csv").exists() and not state.exists()
    assert export(sandbox, tmp_path / "c.csv", ExportSpec(since="last", state=state)).rows == 3


def test_explicit_since_selects_updated_on_or_after(sandbox: Any, tmp_path: Path) -> None:
    sandbox.admin.seed(sandbox.location_id, contacts=people(20))
    held = sorted(sandbox.admin.contacts(sandbox.location_id), key=lambda c: c["dateUpdated"])
    start = held[12]["dateUpdated"]
    result = export(sandbox, tmp_path / "s.csv", ExportSpec(since=start))
    assert result.since == start
    assert {r["id"] for r in read_csv(tmp_path / "s.csv")} == {c["id"] for c in held[12:]}
