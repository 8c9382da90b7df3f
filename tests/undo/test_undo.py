"""``bulkio undo``: the sandbox returns to its state before the run (over real HTTP)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from bulkio.cli import main
from bulkio.undo.execute import restore_body


def run(sandbox: Any, *args: str) -> Result:
    argv = [*args, "--base-url", sandbox.url, "--location-id", sandbox.location_id]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token},
                              catch_exceptions=False)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def state(sandbox: Any) -> dict[str, Any]:
    """Everything undo must restore: contacts (minus timestamps), notes, tasks, memberships."""
    loc = sandbox.location_id
    contacts = {
        c["id"]: {k: v for k, v in c.items() if k != "dateUpdated"}
        for c in sandbox.admin.contacts(loc)
    }
    notes = sorted((n["contactId"], n["id"], n["body"]) for n in sandbox.admin.notes(loc))
    tasks = sorted((t["contactId"], t["id"], t["title"]) for t in sandbox.admin.tasks(loc))
    members = sorted((m["contactId"], m["kind"], m["id"]) for m in sandbox.admin.memberships(loc))
    return {"contacts": contacts, "notes": notes, "tasks": tasks, "members": members}


def undo(sandbox: Any, journal: Path, run_id: str, *args: str) -> Result:
    return run(sandbox, "undo", run_id, "--journal", str(journal), "--yes", *args)


def test_undo_of_an_import_with_snapshot_restores_everything(sandbox: Any, tmp_path: Path
                                                             ) -> None:
    admin, loc = sandbox.admin, sandbox.location_id
    plan_field = admin.create_custom_field(loc, name="Plan", data_type="TEXT")
    ana, beto, carla = admin.seed(loc, contacts=[
        {"firstName": "Ana", "lastName": "Pérez", "email": "ana@ejemplo.mx", "city": "Puebla",
         "tags": ["cliente", "vip"], "businessId": "biz-viejo", "followers": ["u1"],
         "customFields": [{"id": plan_field["id"], "value": "Básico"}]},
        {"firstName": "Beto", "email": "beto@ejemplo.mx", "phone": "+525511112222"},
        {"firstName": "Carla", "email": "carla@ejemplo.mx", "tags": ["fuera"]},
    ])  # fmt: skip
    headers = sandbox.headers()
    import httpx

    with httpx.Client(base_url=sandbox.url, headers=headers) as http:
        assert http.post(f"/contacts/{ana}/notes", json={"body": "nota previa"}).status_code == 201
        assert http.post(f"/contacts/{beto}/tasks", json={
            "title": "previa", "dueDate": "2026-01-01T00:00:00Z", "completed": False,
        }).status_code == 201  # fmt: skip
    before = state(sandbox)
    src = write_csv(tmp_path / "migracion.csv", [
        "Nombre", "Correo", "Teléfono", "Ciudad", "Etiquetas", "Business ID", "Plan", "Nota",
        "Tarea", "Fecha límite", "Seguidores",
    ], [
        ["Ana María", "ana@ejemplo.mx", "", "CDMX", "vip, 2026", "biz-nuevo", "Pro",
         "migrada", "Llamar", "2026-12-01", "u1, u2"],
        ["Roberto", "BETO@ejemplo.mx", "+52 55 9999 0000", "Monterrey", "2026", "", "", "", "",
         "", ""],
        ["Nuevo", "nuevo@ejemplo.mx", "", "Mérida", "2026", "biz-nuevo", "Pro", "alta",
         "Bienvenida", "2026-12-02", "u3"],
        ["Otro", "otro@ejemplo.mx", "", "", "", "", "", "", "", "", ""],
    ])  # fmt: skip
    imported = run(sandbox, "import", str(src), "--snapshot", "--default-region", "MX", "--json")
    assert imported.exit_code == 0, imported.output
    import_id = json.loads(imported.stdout)["run_id"]
    during = state(sandbox)
    assert during != before
    assert len(during["contacts"]) == 5 and during["contacts"][ana]["city"] == "CDMX"
    assert during["contacts"][carla] == before["contacts"][carla]
    journal = tmp_path / ".bulkio" / "journal.db"

    sandbox.admin.clear_requests()
    dry = undo(sandbox, journal, import_id, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["plan"]["actions"] == {
        "delete-contact": 2, "delete-note": 1, "delete-task": 1, "remove-followers": 1,
        "remove-tags": 2, "restore-fields": 2, "set-business": 1,
    }
    # a dry run only reads: one GET per snapshot contact, to find conflicts (none here)
    assert [r["method"] for r in sandbox.admin.requests()] == ["GET", "GET"]
    assert json.loads(dry.stdout)["plan"]["conflicts"] == []

    done = undo(sandbox, journal, import_id, "--json")
    assert done.exit_code == 0, done.output
    now = state(sandbox)
    for cid in before["contacts"]:
        for k in set(before["contacts"][cid]) | set(now["contacts"].get(cid, {})):
            assert before["contacts"][cid].get(k) == now["contacts"][cid].get(k), (cid, k)
    assert now == before
    report = read_csv(tmp_path / f"{import_id}.undo.success.csv")
    assert [r["action"] for r in report] == ["reverted"] * 4
    again = undo(sandbox, journal, import_id)
    assert again.exit_code == 1 and "already undone" in again.output


def test_undo_of_an_import_without_snapshot_says_what_it_cannot_revert(
    sandbox: Any, tmp_path: Path
) -> None:
    [ana] = sandbox.admin.seed(sandbox.location_id, contacts=[
        {"firstName": "Ana", "email": "ana@ejemplo.mx", "tags": ["vip"], "followers": ["u1"]}])
    src = write_csv(tmp_path / "m.csv", ["Nombre", "Correo", "Etiquetas", "Seguidores"], [
        ["Ana María", "ana@ejemplo.mx", "VIP, nuevo", "u1, u2"],
        ["Nuevo", "nuevo@ejemplo.mx", "vip", ""]])
    imported = run(sandbox, "import", str(src), "--json")
    import_id = json.loads(imported.stdout)["run_id"]
    assert sandbox.admin.contacts(sandbox.location_id)[0]["tags"] == ["vip", "nuevo"]
    done = undo(sandbox, tmp_path / ".bulkio" / "journal.db", import_id, "--json")
    assert done.exit_code == 3, done.output
    summary = json.loads(done.stdout)
    assert summary["by_error"] == {"cannot-revert": 1}
    contacts = sandbox.admin.contacts(sandbox.location_id)
    assert [c["id"] for c in contacts] == [ana] and contacts[0]["firstName"] == "Ana María"
    # the import journaled only what Ana lacked: "vip" and u1 were hers before the run
    assert contacts[0]["tags"] == ["vip"]
    assert contacts[0]["followers"] == ["u1"]
    fails = read_csv(tmp_path / f"{import_id}.undo.failures.csv")
    assert fails[0]["original_contact_id"] == ana and "--snapshot" in fails[0]["_error_message"]
    assert "remove-tags nuevo" in fails[0]["undo"] and "remove-followers u2" in fails[0]["undo"]


def test_undo_of_bulk_commands(sandbox: Any, tmp_path: Path) -> None:
    admin, loc = sandbox.admin, sandbox.location_id
    ids = admin.seed(loc, contacts=[
        {"email": "a@ejemplo.mx", "tags": ["vip"], "businessId": "biz-1", "followers": ["u1"]},
        {"email": "b@ejemplo.mx", "tags": ["viejo"]},
        {"email": "c@ejemplo.mx"},
    ])  # fmt: skip
    before = state(sandbox)
    src = write_csv(tmp_path / "lista.csv", ["email", "tags", "nota", "tarea", "vence",
                                             "seguidores"], [
        ["a@ejemplo.mx", "vip, nuevo", "hola", "Llamar", "2026-12-01", "u1, u2"],
        ["b@ejemplo.mx", "nuevo", "hola b", "Cotizar", "2026-12-02", "u2"],
        ["c@ejemplo.mx", "nuevo", "hola c", "Visitar", "2026-12-03", "u3"],
    ])  # fmt: skip
    commands = [
        ["tags", "add", str(src)],
        ["tags", "remove", str(src), "--tags", "viejo"],
        ["business", "assign", str(src), "--business-id", "biz-2"],
        ["notes", "add", str(src)],
        ["tasks", "add", str(src)],
        ["followers", "add", str(src)],
        ["workflow", "add", str(src), "--workflow-id", "wf1"],
        ["campaign", "add", str(src), "--campaign-id", "c1"],
    ]
    run_ids = []
    for args in commands:
        result = run(sandbox, *args, "--json")
        assert result.exit_code == 0, (args, result.output)
        run_ids.append(json.loads(result.stdout)["run_id"])
    after = state(sandbox)
    assert after["contacts"][ids[0]]["tags"] == ["vip", "nuevo"]
    assert after["contacts"][ids[1]]["tags"] == ["nuevo"]
    journal = tmp_path / ".bulkio" / "journal.db"
    sandbox.admin.clear_requests()
    for run_id in reversed(run_ids):
        result = undo(sandbox, journal, run_id, "--json")
        assert result.exit_code == 0, result.output
    assert state(sandbox) == before  # "vip" stays: the contact had it before
    paths = [r["path"] for r in sandbox.admin.requests() if r["location_id"] == loc]
    assert paths.count("/contacts/bulk/tags/update/remove") == 1
    assert paths.count("/contacts/bulk/tags/update/add") == 1
    assert paths.count("/contacts/bulk/business") == 2  # back to biz-1, and to none


def test_undo_of_a_delete_cannot_bring_contacts_back(sandbox: Any, tmp_path: Path,
                                                     monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    ids = sandbox.admin.seed(sandbox.location_id, contacts=[{"email": "x@ejemplo.mx"}])
    src = write_csv(tmp_path / "borrar.csv", ["contact_id"], [[ids[0]]])
    deleted = run(sandbox, "delete", str(src), "--yes", "--json")
    run_id = json.loads(deleted.stdout)["run_id"]
    result = run(sandbox, "undo", run_id, "--yes")  # default journal: the state home's
    assert result.exit_code == 3
    assert "cannot be brought back" in result.output
    undo_id = json.loads(run(sandbox, "undo", run_id, "--force", "--yes", "--json").stdout)[
        "run_id"]
    refused = run(sandbox, "undo", undo_id, "--yes")
    assert refused.exit_code == 1 and "undoing an undo" in refused.output


def test_restore_body_only_sends_what_changed() -> None:
    before = {"firstName": "Ana", "email": "Ana@x.mx", "tags": ["a"], "city": None,
              "customFields": [{"id": "f1", "value": "x"}], "companyName": "ACME"}
    current = {"firstName": "Ana María", "email": "ana@x.mx", "tags": ["a", "b"],
               "city": "CDMX", "customFields": [{"id": "f1", "value": "y"},
                                                {"id": "f2", "value": "z"}],
               "companyName": "Otra"}
    body, stuck = restore_body(before, current)
    assert body == {"firstName": "Ana", "email": "Ana@x.mx", "city": None, "tags": ["a"],
                    "customFields": [
        {"id": "f1", "fieldValue": "x"}, {"id": "f2", "fieldValue": None}]}
    assert stuck == ["companyName"]


def test_plan_from_journal_steps(tmp_path: Path) -> None:
    from bulkio.runs.journal import Journal
    from bulkio.undo.plan import plan_undo

    with Journal.open(tmp_path / "j.db") as journal:
        run = journal.start_run(command="tags add", location_id="loc")
        journal.record_intent(run.id, 2, "create")  # killed mid-create
        journal.record_step(run.id, 3, "tags", contact_id="c3", detail={"added": ["a"]})
        journal.record_step(run.id, 4, "tags", contact_id="c4", detail={"added": []})
        journal.record_step(run.id, 5, "tags_removed", contact_id="c5",
                            detail={"removed": ["x"]})
        journal.record_step(run.id, 6, "business", contact_id="c6",
                            detail={"business_id": "b", "previous": None})
        journal.record_step(run.id, 7, "business", contact_id="c7", detail={"business_id": "b"})
        journal.record_step(run.id, 8, "note", state="failed", contact_id="c8")
        journal.record_intent(run.id, 9, "note", contact_id="c9")
        journal.record_step(run.id, 10, "workflow_removed", contact_id="c10",
                            detail={"workflow_id": "w"})
        journal.finish_run(run.id)
        plan = plan_undo(journal, run.id)
    assert [(a.row, a.kind, a.detail) for a in plan.actions] == [
        (3, "remove-tags", {"tags": ["a"]}),
        (5, "add-tags", {"tags": ["x"]}),
        (6, "set-business", {"business_id": None}),
    ]
    assert [(r, c) for r, c, _ in plan.cannot] == [(2, None), (7, "c7"), (9, "c9"),
                                                   (10, "c10")]


def test_plan_of_an_import_trusts_only_exact_tag_and_follower_steps(tmp_path: Path) -> None:
    from bulkio.runs.journal import Journal
    from bulkio.undo.plan import plan_undo

    with Journal.open(tmp_path / "j.db") as journal:
        run = journal.start_run(command="import", location_id="loc")
        for row, exact in ((2, True), (3, False)):
            cid = f"c{row}"
            journal.record_step(run.id, row, "upsert", contact_id=cid, detail={"new": False})
            extra = {"exact": True} if exact else {}
            journal.record_step(run.id, row, "tags", contact_id=cid,
                                detail={"added": ["nuevo"], **extra})
            journal.record_step(run.id, row, "followers", contact_id=cid,
                                detail={"added": ["u2"], **extra})
            journal.record_row(run.id, row, status="ok", action="updated", contact_id=cid)
        journal.finish_run(run.id)
        plan = plan_undo(journal, run.id)
    assert [(a.row, a.kind, a.detail) for a in plan.actions] == [
        (2, "remove-tags", {"tags": ["nuevo"]}),
        (2, "remove-followers", {"followers": ["u2"]}),
    ]
    reasons = " ".join(why for _, _, why in plan.cannot)
    assert "tags added to this existing contact are left in place" in reasons
    assert "followers added to this existing contact are left in place" in reasons


def test_undo_without_location_id_uses_the_runs_location(sandbox: Any, tmp_path: Path,
                                                          monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)  # no ./bulkio.toml
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.config/bulkio/config.toml
    src = write_csv(tmp_path / "alta.csv", ["email"], [["u1@ejemplo.mx"], ["u2@ejemplo.mx"]])
    imported = run(sandbox, "import", str(src), "--json")
    run_id = json.loads(imported.stdout)["run_id"]
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 2
    # the token from the environment, no --location-id and no BULKIO_LOCATION_ID
    env = {"BULKIO_TOKEN": sandbox.token, "BULKIO_BASE_URL": sandbox.url,
           "BULKIO_LOCATION_ID": None, "BULKIO_CONFIG": None}
    result = CliRunner().invoke(main, ["undo", run_id, "--journal",
                                       str(tmp_path / ".bulkio" / "journal.db"), "--yes"],
                                env=env)
    assert result.exit_code == 0, result.output
    assert sandbox.admin.contacts(sandbox.location_id) == []


def test_resume_and_retry_without_location_id_use_the_runs_location(
        sandbox: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    src = write_csv(tmp_path / "alta.csv", ["email", "Plan"],
                    [["r1@ejemplo.mx", "Oro"], ["r2@ejemplo.mx", "Oro"]])
    mapping = tmp_path / "alta.map.toml"
    mapping.write_text('[columns]\n"Plan" = { custom_field = "Plan" }\n', encoding="utf-8")
    # the field is missing: the run stops before any write, and can be retried later
    first = run(sandbox, "import", str(src), "--map", str(mapping), "--json")
    assert first.exit_code == 1
    journal = tmp_path / ".bulkio" / "journal.db"
    runs = CliRunner().invoke(main, ["runs", "--journal", str(journal), "--json"])
    run_id = json.loads(runs.stdout)["runs"][0]["id"]
    sandbox.admin.create_custom_field(sandbox.location_id, name="Plan", data_type="TEXT")
    env = {"BULKIO_TOKEN": sandbox.token, "BULKIO_BASE_URL": sandbox.url,
           "BULKIO_LOCATION_ID": None, "BULKIO_CONFIG": None}
    resumed = CliRunner().invoke(main, ["resume", run_id, "--journal", str(journal)], env=env)
    assert resumed.exit_code == 0, resumed.output
    emails = sorted(c["email"] for c in sandbox.admin.contacts(sandbox.location_id))
    assert emails == ["r1@ejemplo.mx", "r2@ejemplo.mx"]
    retried = CliRunner().invoke(main, ["retry", run_id, "--journal", str(journal)], env=env)
    assert retried.exit_code == 0, retried.output  # nothing failed: nothing to resend
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 2


def test_undo_without_a_terminal_refuses_without_yes_showing_the_counts(
    sandbox: Any, tmp_path: Path,
) -> None:
    src = tmp_path / "u.csv"
    src.write_text("email,first name\nu1@ejemplo.mx,Uno\nu2@ejemplo.mx,Dos\n", encoding="utf-8")
    done = run(sandbox, "import", str(src), "--json")
    run_id = json.loads(done.stdout)["run_id"]
    refused = run(sandbox, "undo", run_id)  # CliRunner's stdin is not a terminal
    assert refused.exit_code == 1
    assert f"no terminal to confirm on; add --yes to undo run {run_id}" in refused.output
    assert "2 delete" in refused.output
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 2  # nothing was sent


def test_undo_leaves_what_others_did_after_or_during_the_run(sandbox: Any,
                                                             tmp_path: Path) -> None:
    """Another writer creates a file row's contact during the run, and edits a snapshot
    contact (a field, a tag) after it: undo deletes only what the run created, keeps the
    later edits as reported conflicts (unless --force), and the tags others added."""
    import sqlite3
    import threading
    import time

    import httpx

    [carla] = sandbox.admin.seed(sandbox.location_id, contacts=[
        {"firstName": "Carla", "email": "carla@ejemplo.mx", "tags": ["x"]}])
    src = write_csv(tmp_path / "w.csv", ["Nombre", "Correo", "Etiquetas"], [
        ["Carlota", "carla@ejemplo.mx", "nuevo"],
        ["Nadia", "nadia@ejemplo.mx", ""],
        ["Otro", "otro@ejemplo.mx", ""]])
    http = httpx.Client(base_url=sandbox.url, headers=sandbox.headers())
    journal = tmp_path / ".bulkio" / "journal.db"

    def other_writer() -> None:
        # as soon as the run has started (its row is in the journal), while its upserts
        # are held up, someone creates otro@ejemplo.mx by other means
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if journal.exists() and sqlite3.connect(journal).execute(
                        "SELECT COUNT(*) FROM runs").fetchone()[0]:
                    break
            except sqlite3.Error:
                pass  # the journal is being created
            time.sleep(0.01)
        posted.append(http.post("/contacts/", json={
            "locationId": sandbox.location_id, "email": "otro@ejemplo.mx",
            "firstName": "Ajeno"}).status_code)

    posted: list[int] = []
    sandbox.admin.set_faults(latency_ms=1500, path_contains="/contacts/upsert")
    writer = threading.Thread(target=other_writer)
    writer.start()
    imported = run(sandbox, "import", str(src), "--snapshot", "--json")
    writer.join()
    sandbox.admin.clear_faults()
    assert posted == [201] or posted == [200], posted
    assert imported.exit_code == 0, imported.output
    import_id = json.loads(imported.stdout)["run_id"]
    assert json.loads(imported.stdout)["by_action"] == {"created": 1, "updated": 2}
    # after the run, someone renames Carla and tags her
    assert http.put(f"/contacts/{carla}", json={"firstName": "Carolina",
                                                "tags": ["x", "nuevo", "otra"]}).is_success
    dry = undo(sandbox, journal, import_id, "--dry-run", "--json")
    assert json.loads(dry.stdout)["plan"]["conflicts"] == [{
        "row": 2, "contact_id": carla, "field": "firstName", "run_wrote": "Carlota",
        "now": "Carolina"}]
    done = undo(sandbox, journal, import_id)
    assert done.exit_code == 3, done.output
    contacts = {c["email"]: c for c in sandbox.admin.contacts(sandbox.location_id)}
    assert sorted(contacts) == ["carla@ejemplo.mx", "otro@ejemplo.mx"]  # Nadia was ours
    assert contacts["otro@ejemplo.mx"]["firstName"] == "Ajeno"
    assert contacts["carla@ejemplo.mx"]["firstName"] == "Carolina"  # kept: a conflict
    assert sorted(contacts["carla@ejemplo.mx"]["tags"]) == ["otra", "x"]
    failures = read_csv(tmp_path / f"{import_id}.undo.failures.csv")
    assert [(r["_error_code"], "'Carlota'" in r["_error_message"]
             and "'Carolina'" in r["_error_message"]) for r in failures
            if r["original_contact_id"] == carla] == [("conflict", True)]
    forced = undo(sandbox, journal, import_id, "--force")
    assert forced.exit_code in (0, 3), forced.output
    carla_now = next(c for c in sandbox.admin.contacts(sandbox.location_id)
                     if c["id"] == carla)
    assert carla_now["firstName"] == "Carla" and sorted(carla_now["tags"]) == ["otra", "x"]
    http.close()
