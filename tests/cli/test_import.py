"""``bulkio import`` / ``retry`` end to end: CliRunner over real HTTP against the sandbox."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from bulkio.cli import main

MAPPING = """
[columns]
"Correo" = "email"
"Teléfono" = { field = "phone", region = "MX" }
"Etiquetas" = "tags"
"Empresa ID" = "businessId"
"Plan" = { custom_field = "Plan" }
"Intereses" = { custom_field = "contact.intereses" }
"Saldo" = { custom_field = "Saldo" }
"Alta" = { custom_field = "Fecha de alta" }
"Oficina" = { custom_field = "Teléfono oficina" }
"""

HEADER = ["Nombre", "Correo", "Teléfono", "Etiquetas", "Empresa ID", "Plan", "Intereses",
          "Saldo", "Alta", "Oficina"]  # fmt: skip
ROWS = [
    ["Ana", "ana@ejemplo.mx", "55 1234 5678", "vip, cdmx", "biz-1", "premium", "casa; auto",
     "$1,500.50", "2024-03-15", ""],
    ["Beto", "BETO@ejemplo.mx", "", "vip", "biz-1", "Básico", "", "200", "", ""],
    ["Carla", "", "33 9876 5432", "", "biz-2", "", "vida", "", "", ""],
    ["Sin datos", "", "", "vip", "", "", "", "", "", ""],  # missing-identifier
    ["Dup", "ana@ejemplo.mx", "", "", "", "", "", "", "", ""],  # duplicate-in-file
    ["Oficina mala", "of@ejemplo.mx", "", "", "", "", "", "", "", "no es teléfono"],  # 422
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def make_fields(sandbox: Any) -> None:
    admin, loc = sandbox.admin, sandbox.location_id
    admin.create_custom_field(loc, name="Plan", data_type="SINGLE_OPTIONS",
                              options=["Básico", "Premium"])
    admin.create_custom_field(loc, name="Intereses", data_type="MULTIPLE_OPTIONS",
                              options=["Casa", "Auto", "Vida"], field_key="contact.intereses")
    admin.create_custom_field(loc, name="Saldo", data_type="MONETORY")
    admin.create_custom_field(loc, name="Fecha de alta", data_type="DATE")
    admin.create_custom_field(loc, name="Teléfono oficina", data_type="PHONE")


def run(sandbox: Any, *args: str, token: str | None = None) -> Result:
    argv = [*args, "--base-url", sandbox.url, "--location-id", sandbox.location_id]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": token or sandbox.token},
                              catch_exceptions=False)


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
    return write_csv(tmp_path / "clientes.csv", HEADER, ROWS)


def by_email(sandbox: Any) -> dict[str, dict[str, Any]]:
    contacts = sandbox.admin.contacts(sandbox.location_id)
    return {c.get("email") or c.get("phone"): c for c in contacts}


def test_import_messy_file_end_to_end(sandbox: Any, messy: Path) -> None:
    make_fields(sandbox)
    result = run(sandbox, "import", str(messy), "--map", str(messy.parent / "map.toml"), "--json")
    assert result.exit_code == 3, result.output
    doc = json.loads(result.stdout)
    assert doc["by_action"] == {"created": 3}
    assert doc["by_error"] == {"api-422": 1, "duplicate-in-file": 1, "missing-identifier": 1}
    assert doc["requests"]["by_endpoint"]["POST /contacts/upsert"] == 4
    contacts = by_email(sandbox)
    assert set(contacts) == {"ana@ejemplo.mx", "BETO@ejemplo.mx", "+523398765432"}
    ana = contacts["ana@ejemplo.mx"]
    assert ana["phone"] == "+525512345678" and ana["firstName"] == "Ana"
    assert sorted(ana["tags"]) == ["cdmx", "vip"]
    assert ana["businessId"] == "biz-1"
    assert contacts["+523398765432"]["businessId"] == "biz-2"
    fields = {f["name"]: f["id"] for f in _fields(sandbox)}
    values = {cf["id"]: cf["value"] for cf in ana["customFields"]}
    assert values[fields["Plan"]] == "Premium"
    assert values[fields["Intereses"]] == ["Casa", "Auto"]
    assert values[fields["Saldo"]] == 1500.5
    assert values[fields["Fecha de alta"]].startswith("2024-03-15")
    # every input row is in exactly one report file
    success = read_csv(messy.parent / "clientes.success.csv")
    failures = read_csv(messy.parent / "clientes.failures.csv")
    rows = sorted(int(r["_row"]) for r in success + failures)
    assert rows == [2, 3, 4, 5, 6, 7]
    assert {r["_row"]: r["_error_code"] for r in failures} == {
        "5": "missing-identifier", "6": "duplicate-in-file", "7": "api-422"}  # fmt: skip
    bad = next(r for r in failures if r["_row"] == "7")
    assert "phone" in bad["_error_message"] and bad["_http_status"] == "422"
    assert bad["Oficina"] == "no es teléfono"  # the user's own cells, untouched
    assert {r["action"] for r in success} == {"created"}
    assert all(r["contact_id"] for r in success)
    assert "success file:" in result.stderr and "failure file:" in result.stderr


def _fields(sandbox: Any) -> list[dict[str, Any]]:
    import httpx

    resp = httpx.get(f"{sandbox.url}/locations/{sandbox.location_id}/customFields",
                     headers=sandbox.headers())
    return list(resp.json()["customFields"])


def test_reimport_is_unchanged_after_one_confirming_search(sandbox: Any, messy: Path) -> None:
    make_fields(sandbox)
    mapping = str(messy.parent / "map.toml")
    assert run(sandbox, "import", str(messy), "--map", mapping).exit_code == 3
    sandbox.admin.clear_requests()
    again = run(sandbox, "import", str(messy), "--map", mapping, "--json")
    assert again.exit_code == 3
    doc = json.loads(again.stdout)
    assert doc["by_action"] == {"unchanged": 3}
    # one search confirms the 3 contacts still hold the rows; only the row that failed with
    # a 422 is sent again (it is not "unchanged")
    assert doc["requests"]["by_endpoint"] == {
        "GET /locations/{locationId}/customFields": 1, "POST /contacts/search": 1,
        "POST /contacts/upsert": 1}
    trusted = run(sandbox, "import", str(messy), "--map", mapping, "--trust-journal", "--json")
    assert json.loads(trusted.stdout)["requests"]["by_endpoint"] == {
        "GET /locations/{locationId}/customFields": 1, "POST /contacts/upsert": 1}
    forced = run(sandbox, "import", str(messy), "--map", mapping, "--force", "--json")
    assert json.loads(forced.stdout)["by_action"] == {"updated": 3}
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 3


def test_unknown_custom_field_aborts_before_any_write(sandbox: Any, messy: Path) -> None:
    sandbox.admin.create_custom_field(sandbox.location_id, name="Plan", data_type="TEXT")
    result = run(sandbox, "import", str(messy), "--map", str(messy.parent / "map.toml"))
    assert result.exit_code == 1
    (line,) = [t for t in result.stderr.splitlines() if "unknown custom field" in t]
    assert "unknown custom field 'contact.intereses'" in line and "Plan (contact.plan)" in line
    assert "Traceback" not in result.output
    writes = [r for r in sandbox.admin.requests()
              if r["location_id"] == sandbox.location_id and r["method"] != "GET"]
    assert writes == [] and sandbox.admin.contacts(sandbox.location_id) == []


def test_dry_run_sends_nothing_and_prints_the_plan(sandbox: Any, messy: Path) -> None:
    make_fields(sandbox)
    sandbox.admin.clear_requests()
    result = run(sandbox, "import", str(messy), "--map", str(messy.parent / "map.toml"),
                 "--dry-run", "--json")
    assert result.exit_code == 3, result.output
    sent = [(r["method"], r["path"]) for r in sandbox.admin.requests()
            if r["location_id"] == sandbox.location_id]
    assert sent == [("GET", f"/locations/{sandbox.location_id}/customFields")]
    assert sandbox.admin.contacts(sandbox.location_id) == []
    plan = json.loads(result.stdout)["dry_run"]
    assert plan["requests"] == {
        "POST /contacts/bulk/business": 2,
        "POST /contacts/bulk/tags/update/{type}": 2,
        "POST /contacts/upsert": 4,
    }
    assert plan["total_requests"] == 8
    assert "expected duration" in result.stderr
    would = read_csv(messy.parent / "clientes.dry-run.success.csv")
    assert {r["action"] for r in would} == {"would-upsert"}
    assert not (messy.parent / "clientes.success.csv").exists()
    assert not (messy.parent / ".bulkio" / "journal.db").exists()


def test_create_mode_reports_duplicates_with_the_existing_id(sandbox: Any, tmp_path: Path) -> None:
    (existing,) = sandbox.admin.seed(sandbox.location_id,
                                     contacts=[{"firstName": "Old", "email": "old@x.mx"}])
    src = write_csv(tmp_path / "c.csv", ["email", "first name"],
                    [["old@x.mx", "Nuevo"], ["new@x.mx", "Nueva"]])
    result = run(sandbox, "import", str(src), "--mode", "create")
    assert result.exit_code == 3
    (failure,) = read_csv(tmp_path / "c.failures.csv")
    assert failure["_error_code"] == "duplicate-contact" and existing in failure["_error_message"]
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 2


def test_tags_add_keeps_existing_and_replace_replaces(sandbox: Any, tmp_path: Path) -> None:
    sandbox.admin.seed(sandbox.location_id,
                       contacts=[{"email": "t@x.mx", "tags": ["cliente-viejo"]}])
    src = write_csv(tmp_path / "t.csv", ["email", "tags"], [["t@x.mx", "nuevo, vip"]])
    assert run(sandbox, "import", str(src)).exit_code == 0
    (contact,) = sandbox.admin.contacts(sandbox.location_id)
    assert sorted(contact["tags"]) == ["cliente-viejo", "nuevo", "vip"]
    assert run(sandbox, "import", str(src), "--tags", "replace").exit_code == 0
    (contact,) = sandbox.admin.contacts(sandbox.location_id)
    assert sorted(contact["tags"]) == ["nuevo", "vip"]


def test_large_tag_chunks_are_halved_until_accepted(sandbox: Any, tmp_path: Path) -> None:
    sandbox.admin.set_limits(max_bulk_tag_ids=3)
    rows = [[f"p{i}@x.mx", "grupo-a"] for i in range(10)]
    src = write_csv(tmp_path / "h.csv", ["email", "tags"], rows)
    result = run(sandbox, "import", str(src), "--tag-chunk", "10", "--json")
    assert result.exit_code == 0, result.output
    contacts = sandbox.admin.contacts(sandbox.location_id)
    assert len(contacts) == 10 and all(c["tags"] == ["grupo-a"] for c in contacts)
    sandbox.admin.clear_requests()
    again = run(sandbox, "import", str(src), "--trust-journal", "--json")
    assert json.loads(again.stdout)["requests"]["total"] == 0
    assert [r for r in sandbox.admin.requests() if r["location_id"] == sandbox.location_id] == []


def test_reimport_recreates_deleted_and_resends_edited_contacts(sandbox: Any,
                                                                tmp_path: Path) -> None:
    """Skip-unchanged never changes meaning: the end state equals --force's."""
    import httpx

    rows = [[f"q{i}@x.mx", f"Nombre{i}", "grupo-a", f"nota {i}"] for i in range(6)]
    src = write_csv(tmp_path / "q.csv", ["email", "first name", "tags", "note"], rows)
    assert run(sandbox, "import", str(src)).exit_code == 0
    by_email = {c["email"]: c["id"] for c in sandbox.admin.contacts(sandbox.location_id)}
    with httpx.Client(base_url=sandbox.url, headers=sandbox.headers()) as http:
        assert http.delete(f"/contacts/{by_email['q1@x.mx']}").status_code == 200
        assert http.put(f"/contacts/{by_email['q2@x.mx']}",
                        json={"firstName": "Otro"}).status_code == 200
        assert http.put(f"/contacts/{by_email['q3@x.mx']}", json={"tags": []}).status_code == 200
    again = run(sandbox, "import", str(src), "--json")
    assert again.exit_code == 0, again.output
    doc = json.loads(again.stdout)
    assert doc["by_action"] == {"created": 1, "updated": 2, "unchanged": 3}
    assert doc["requests"]["by_endpoint"]["POST /contacts/search"] == 1
    contacts = {c["email"]: c for c in sandbox.admin.contacts(sandbox.location_id)}
    assert sorted(contacts) == [f"q{i}@x.mx" for i in range(6)]
    assert contacts["q2@x.mx"]["firstName"] == "Nombre2"
    assert contacts["q3@x.mx"]["tags"] == ["grupo-a"]
    # the edited contacts keep their one note; the re-created one has its note again
    notes = sorted(n["body"] for n in sandbox.admin.notes(sandbox.location_id))
    assert notes == [f"nota {i}" for i in range(6)]


def test_update_mode_by_contact_id_or_email(sandbox: Any, tmp_path: Path) -> None:
    a, _b = sandbox.admin.seed(sandbox.location_id, contacts=[
        {"firstName": "A", "email": "a@x.mx"}, {"firstName": "B", "email": "b@x.mx"}])
    src = write_csv(tmp_path / "u.csv", ["contact_id", "email", "first name"],
                    [[a, "", "A2"], ["", "b@x.mx", "B2"], ["", "nadie@x.mx", "C"]])
    result = run(sandbox, "import", str(src), "--mode", "update", "--json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["by_action"] == {"updated": 2}
    names = sorted(c["firstName"] for c in sandbox.admin.contacts(sandbox.location_id))
    assert names == ["A2", "B2"]
    (failure,) = read_csv(tmp_path / "u.failures.csv")
    assert failure["_error_code"] == "contact-not-found" and failure["email"] == "nadie@x.mx"


def test_followups_note_task_workflow_campaign_followers(sandbox: Any, tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text(
        '[columns]\n"Correo" = "email"\n"Nota" = "note"\n"Tarea" = "task_title"\n'
        '"Vence" = "task_due"\n"Flujo" = "workflow_id"\n"Campaña" = "campaign_id"\n'
        '"Seguidores" = "followers"\n', encoding="utf-8")
    src = write_csv(tmp_path / "f.csv",
                    ["Correo", "Nota", "Tarea", "Vence", "Flujo", "Campaña", "Seguidores"],
                    [["n@x.mx", "Llamar el lunes", "Cotizar", "2030-01-15", "wf-1", "cp-1",
                      "u1, u2"]])
    result = run(sandbox, "import", str(src), "--map", str(tmp_path / "m.toml"), "--json")
    assert result.exit_code == 0, result.output
    (note,) = sandbox.admin.notes(sandbox.location_id)
    (task,) = sandbox.admin.tasks(sandbox.location_id)
    assert note["body"] == "Llamar el lunes"
    assert task["title"] == "Cotizar" and task["dueDate"].startswith("2030-01-15")
    (contact,) = sandbox.admin.contacts(sandbox.location_id)
    assert contact["followers"] == ["u1", "u2"]
    members = json.dumps(sandbox.admin.memberships(sandbox.location_id))
    assert "wf-1" in members and "cp-1" in members
    assert json.loads(result.stdout)["requests"]["total"] == 6  # upsert + 5 follow-ups


def test_snapshot_saves_previous_state_with_one_search(sandbox: Any, tmp_path: Path) -> None:
    (old,) = sandbox.admin.seed(sandbox.location_id,
                                contacts=[{"firstName": "Antes", "email": "s@x.mx"}])
    src = write_csv(tmp_path / "s.csv", ["email", "first name"],
                    [["s@x.mx", "Después"], ["nuevo@x.mx", "Nuevo"]])
    result = run(sandbox, "import", str(src), "--snapshot", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["requests"]["by_endpoint"]["POST /contacts/search"] == 1
    with sqlite3.connect(tmp_path / ".bulkio" / "journal.db") as db:
        snaps = db.execute("SELECT contact_id, before_json FROM snapshots").fetchall()
    assert [(cid, json.loads(doc)["firstName"]) for cid, doc in snaps] == [(old, "Antes")]


def test_retry_with_the_fixed_failure_file(sandbox: Any, messy: Path) -> None:
    make_fields(sandbox)
    mapping = str(messy.parent / "map.toml")
    first = run(sandbox, "import", str(messy), "--map", mapping, "--json")
    run_id = json.loads(first.stdout)["run_id"]
    failures_path = messy.parent / "clientes.failures.csv"
    rows = read_csv(failures_path)
    for row in rows:
        if row["_error_code"] == "api-422":
            row["Oficina"] = "55 8888 7777"
        if row["_error_code"] == "missing-identifier":
            row["Correo"] = "sindatos@ejemplo.mx"
    with failures_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = run(sandbox, "retry", "--failures", str(failures_path), "--json")
    assert result.exit_code == 3, result.output  # the in-file duplicate still fails
    doc = json.loads(result.stdout)
    assert doc["run_id"] == run_id
    assert doc["by_action"] == {"created": 5} and doc["by_error"] == {"duplicate-in-file": 1}
    success = read_csv(messy.parent / "clientes.success.csv")
    fixed = next(r for r in success if r["_row"] == "5")
    assert fixed["Correo"] == "sindatos@ejemplo.mx"  # merged report shows the fixed value
    assert "of@ejemplo.mx" in by_email(sandbox)
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 5


def test_retry_by_run_id_redoes_only_the_failed_phase(sandbox: Any, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "r.csv", ["email", "tags"], [["r1@x.mx", "a"], ["r2@x.mx", "a"]])
    sandbox.admin.set_limits(max_bulk_tag_ids=0)  # every bulk tags call answers 422
    first = run(sandbox, "import", str(src), "--json")
    assert first.exit_code == 3
    doc = json.loads(first.stdout)
    assert doc["by_error"] == {"tag-failed": 2}
    failures = read_csv(tmp_path / "r.failures.csv")
    assert all(f["_error_code"] == "tag-failed" for f in failures)
    sandbox.admin.set_limits(max_bulk_tag_ids=500)
    sandbox.admin.clear_requests()
    again = run(sandbox, "retry", doc["run_id"], "--journal",
                str(tmp_path / ".bulkio" / "journal.db"), "--json")
    assert again.exit_code == 0, again.output
    sent = {r["path"] for r in sandbox.admin.requests() if r["location_id"] == sandbox.location_id}
    assert sent == {"/contacts/bulk/tags/update/add"}
    assert all(c["tags"] == ["a"] for c in sandbox.admin.contacts(sandbox.location_id))
    assert json.loads(again.stdout)["by_action"] == {"created": 2}


def test_bad_token_aborts_with_one_line_and_is_resumable(sandbox: Any, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "a.csv", ["email"], [["x@x.mx"], ["y@x.mx"]])
    result = run(sandbox, "import", str(src), "--json", token="not-the-token")
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "not-the-token" not in result.output
    run_id = json.loads(result.stdout)["run_id"]
    assert f"bulkio resume {run_id}" in result.stderr
    assert {r["_error_code"] for r in read_csv(tmp_path / "a.failures.csv")} == {"not-processed"}
    fixed = run(sandbox, "resume", run_id, "--journal", str(tmp_path / ".bulkio" / "journal.db"),
                "--json")
    assert fixed.exit_code == 0, fixed.output
    doc = json.loads(fixed.stdout)
    assert doc["resumed"] is True and doc["run_id"] == run_id
    assert doc["by_action"] == {"created": 2}


def test_summary_says_succeeded_0_and_retry_is_labelled_retry(sandbox: Any, tmp_path: Path,
                                                              ) -> None:
    src = write_csv(tmp_path / "z.csv", ["email", "tags"], [["z1@x.mx", "a"], ["z2@x.mx", "a"]])
    first = run(sandbox, "import", str(src), "--mode", "update")  # nobody exists to update
    assert first.exit_code == 3, first.output
    assert "rows 2: succeeded 0; failed 2" in first.output and "none" not in first.output
    run_id = first.output.split("run ", 1)[1].split(",")[0].split()[0]
    again = run(sandbox, "retry", run_id, "--journal", str(tmp_path / ".bulkio" / "journal.db"))
    assert f"run {run_id} (retry)" in again.output and "(resumed)" not in again.output


def test_resuming_a_finished_run_sends_and_rewrites_nothing(sandbox: Any, tmp_path: Path,
                                                           ) -> None:
    src = write_csv(tmp_path / "f.csv", ["email"], [["f1@x.mx"], ["no-email"]])
    first = run(sandbox, "import", str(src), "--json")
    assert first.exit_code == 3
    run_id = json.loads(first.stdout)["run_id"]
    summary = (tmp_path / "f.summary.json").read_text(encoding="utf-8")
    sandbox.admin.clear_requests()
    again = run(sandbox, "resume", run_id, "--journal", str(tmp_path / ".bulkio" / "journal.db"))
    assert again.exit_code == 3  # the run's own result: one row failed
    assert f"run {run_id} is already finished; nothing to resume" in again.output
    journal = tmp_path / ".bulkio" / "journal.db"
    assert f"`bulkio retry {run_id} --base-url {sandbox.url} --journal {journal}`" \
        in again.output and "requests" not in again.output
    assert [r for r in sandbox.admin.requests() if r["location_id"] == sandbox.location_id] == []
    assert (tmp_path / "f.summary.json").read_text(encoding="utf-8") == summary
    as_json = run(sandbox, "resume", run_id, "--journal",
                  str(tmp_path / ".bulkio" / "journal.db"), "--json")
    doc = json.loads(as_json.stdout)
    assert doc["already_finished"] is True and doc["requests"]["total"] == 0
    assert doc["by_action"] == {"created": 1} and doc["failed"] == 1


def test_import_resume_flag_finishes_the_last_run(sandbox: Any, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "a.csv", ["email"], [["x@x.mx"]])
    assert run(sandbox, "import", str(src), token="not-the-token").exit_code == 1
    fixed = run(sandbox, "import", str(src), "--resume", "--json")
    assert fixed.exit_code == 0 and json.loads(fixed.stdout)["resumed"] is True


def test_dry_run_without_credentials_plans_offline(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "d.csv", ["email", "tags"], [["d@x.mx", "a"], ["", "b"]])
    result = CliRunner().invoke(main, ["import", str(src), "--dry-run", "--json"],
                                env={"BULKIO_TOKEN": "", "BULKIO_LOCATION_ID": "",
                                     "BULKIO_CONFIG": str(tmp_path / "none.toml")})
    assert result.exit_code == 3, result.output
    plan = json.loads(result.stdout)["dry_run"]
    assert plan["requests"] == {"POST /contacts/bulk/tags/update/{type}": 1,
                                "POST /contacts/upsert": 1}
    assert plan["requests_sent"] == {}
    assert "no API target" in result.stderr


def test_xlsx_input_gives_xlsx_reports(sandbox: Any, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Correo", "Nombre"])
    ws.append(["x1@x.mx", "Uno"])
    ws.append(["", "Nadie"])
    wb.save(tmp_path / "libro.xlsx")
    result = run(sandbox, "import", str(tmp_path / "libro.xlsx"))
    assert result.exit_code == 3
    book = load_workbook(tmp_path / "libro.success.xlsx", read_only=True)
    assert "Summary" in book.sheetnames
    sheet = book[book.sheetnames[0]]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("_row", "contact_id", "action") and rows[1][2] == "created"


def test_help_has_example_and_exit_codes() -> None:
    for command in ("import", "resume", "retry"):
        out = CliRunner().invoke(main, [command, "-h"]).output
        assert "Example:" in out and "Exit codes:" in out


class MockTarget:
    """A target whose client talks to an httpx.MockTransport (API answers we cannot make
    the sandbox give: per-contact errors inside a 201 bulk response, a failing workflow)."""

    location_id = "LOC"

    def __init__(self, handler: Any) -> None:
        self.handler = handler

    def client(self, **overrides: Any) -> Any:
        import httpx

        from bulkio.api.client import Client

        return Client(base_url="http://api.test", token="pit-test-token", location_id="LOC",
                      transport=httpx.MockTransport(self.handler), max_retries=0)


def test_bulk_and_followup_outcomes_are_mapped_back_to_rows(tmp_path: Path) -> None:
    import httpx

    from bulkio.clean.reading import ReadOptions
    from bulkio.imports.importer import run_import
    from bulkio.imports.options import ImportOptions

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/contacts/upsert":
            email = json.loads(request.content)["email"]
            return httpx.Response(200, json={"new": True, "contact": {"id": "id-" + email[0]}})
        if path == "/contacts/bulk/tags/update/add":
            ids = json.loads(request.content)["contacts"]
            return httpx.Response(201, json={"succeeded": True, "errorCount": 1, "responses": [
                {"contactId": i, "type": "error" if i == "id-b" else "success",
                 "message": "contact is deleted" if i == "id-b" else "ok"} for i in ids]})
        if path.startswith("/contacts/id-c/workflow/"):
            return httpx.Response(400, json={"statusCode": 400, "message": "workflow not found"})
        if path.endswith("/workflow/wf1"):
            return httpx.Response(200, json={"succeded": True})
        return httpx.Response(404, json={"message": f"unexpected {path}"})

    (tmp_path / "m.toml").write_text('[columns]\n"wf" = "workflow_id"\n', encoding="utf-8")
    src = write_csv(tmp_path / "b.csv", ["email", "tags", "wf"],
                    [["a@x.mx", "t1", "wf1"], ["b@x.mx", "t1", "wf1"], ["c@x.mx", "", "wf2"]])
    result = run_import(src, read=ReadOptions(mapping=tmp_path / "m.toml"),
                        options=ImportOptions(), target=MockTarget(handler))
    assert result.report.by_action == {"created": 1}
    assert result.report.by_error == {"tag-failed": 1, "followup-failed": 1}
    failures = {r["_row"]: r for r in read_csv(tmp_path / "b.failures.csv")}
    assert failures["3"]["_error_code"] == "tag-failed"
    assert "contact is deleted" in failures["3"]["_error_message"]
    assert failures["4"]["_error_code"] == "followup-failed"
    assert "workflow not found" in failures["4"]["_error_message"]
    # the contact exists: the journal keeps its id for retry and undo
    with sqlite3.connect(tmp_path / ".bulkio" / "journal.db") as db:
        ids = dict(db.execute("SELECT row, contact_id FROM rows WHERE status='failed'"))
    assert ids == {3: "id-b", 4: "id-c"}


def test_daily_quota_stops_the_run_resumably(sandbox: Any, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "q.csv", ["email"], [[f"q{i}@x.mx"] for i in range(6)])
    sandbox.admin.set_limits(daily_limit=3)
    result = run(sandbox, "import", str(src), "--json")
    assert result.exit_code == 1, result.output
    assert "daily" in result.stderr and "bulkio resume" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["by_error"].get("not-processed", 0) >= 3 and doc["failed"] + doc["succeeded"] == 6
    sandbox.admin.set_limits(daily_limit=0)  # a new day
    again = run(sandbox, "import", str(src), "--resume", "--json")
    assert again.exit_code == 0, again.output
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 6


def test_reports_land_beside_the_input_for_import_resume_and_retry(
    sandbox: Any, tmp_path: Path, monkeypatch: Any,
) -> None:
    import shutil

    samples = tmp_path / "samples"
    samples.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "samples" / "contactos_mx.csv", samples)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    names = ("contactos_mx.success.csv", "contactos_mx.failures.csv",
             "contactos_mx.summary.json")

    def reports_in_samples_only() -> None:
        for name in names:
            assert (samples / name).is_file(), name
            (samples / name).unlink()
        strays = [p for p in tmp_path.rglob("contactos_mx.*") if p.name in names]
        assert strays == []

    monkeypatch.chdir(tmp_path)
    src = "samples/contactos_mx.csv"
    # a bad token aborts the run before any row: it stays resumable
    first = run(sandbox, "import", src, "--default-region", "MX", "--json", token="wrong")
    assert first.exit_code == 1
    run_id = json.loads(first.stdout)["run_id"]
    reports_in_samples_only()
    again = run(sandbox, "import", src, "--default-region", "MX", "--resume", token="wrong")
    assert again.exit_code == 1 and f"run {run_id} (resumed)" in again.output
    reports_in_samples_only()
    monkeypatch.chdir(elsewhere)  # resume and retry from another folder
    journal = str(tmp_path / ".bulkio" / "journal.db")  # the state home (BULKIO_STATE_DIR)
    resumed = run(sandbox, "resume", run_id, "--journal", journal)
    assert resumed.exit_code == 3, resumed.output  # the sample has rows that fail on purpose
    reports_in_samples_only()
    retried = run(sandbox, "retry", run_id, "--journal", journal)
    assert retried.exit_code == 3 and f"run {run_id} (retry)" in retried.output
    reports_in_samples_only()


def _hints(output: str) -> list[str]:
    """Every `bulkio ...` command line printed between backticks."""
    import re

    return re.findall(r"`(bulkio [^`]+)`", output)


def test_every_printed_next_step_runs_verbatim(sandbox: Any, tmp_path: Path,
                                               monkeypatch: Any) -> None:
    """From a sub-folder, with an explicit --state-dir other than $BULKIO_STATE_DIR: each
    hint must carry what it needs (where the state and the API are) to run as printed."""
    import shlex

    ws = tmp_path / "ws"
    (ws / "datos").mkdir(parents=True)
    src = ws / "datos" / "f.csv"
    src.write_text("email,first name\na@ejemplo.mx,Ana\nnot-an-email,Bad\n", encoding="utf-8")
    monkeypatch.chdir(ws / "datos")
    state = str(ws / ".bulkio")
    env = {"BULKIO_TOKEN": sandbox.token}

    def cli(argv: list[str], token: str | None = None) -> Result:
        return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": token or sandbox.token},
                                  catch_exceptions=False)

    base = ["import", "f.csv", "--base-url", sandbox.url, "--location-id", sandbox.location_id,
            "--state-dir", state]
    aborted = cli(base, token="wrong")  # 401: the run stops, resumable
    assert aborted.exit_code == 1
    executed: list[tuple[str, int]] = []
    pending = _hints(aborted.output)
    refused = cli(base)  # the last run did not finish: refuse, naming both ways on
    assert refused.exit_code == 1 and "did not finish" in refused.output
    pending += _hints(refused.output)
    assert any(h.endswith(" --resume") for h in pending)
    assert any(h.endswith(" --new") for h in pending)
    assert any(h.startswith("bulkio resume ") for h in pending)
    run_id = next(shlex.split(h)[2] for h in pending if h.startswith("bulkio resume "))
    seen: set[str] = set()
    finished_once = False
    while pending or not finished_once:
        if not pending:  # the run is finished now: resuming it again hints `bulkio retry`
            finished_once = True
            again = cli(["resume", run_id, "--base-url", sandbox.url, "--state-dir", state])
            assert again.exit_code == 3 and "already finished" in again.output
            pending += [h for h in _hints(again.output) if h not in seen]
            continue
        hint = pending.pop(0)
        if hint in seen:
            continue
        seen.add(hint)
        argv = shlex.split(hint)
        assert argv[0] == "bulkio"
        done = CliRunner().invoke(main, argv[1:], env=env, catch_exceptions=False)
        executed.append((hint, done.exit_code))
        # runs as printed: no usage error, no missing journal; the row that fails on
        # purpose makes it 3
        assert done.exit_code in (0, 3), (hint, done.output)
        pending += [h for h in _hints(done.output) if h not in seen]
    kinds = {shlex.split(h)[1] for h, _ in executed}
    assert {"import", "resume", "retry"} <= kinds, executed
