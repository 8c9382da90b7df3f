"""``bulkio notes|tasks|workflow|campaign|followers`` over HTTP: faults, resume, no duplicates."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from bulkio.api.client import Client
from bulkio.bulk.rows import OpSettings
from bulkio.bulk.run import BulkOptions, run_bulk
from bulkio.clean.reading import ReadOptions
from bulkio.cli import main
from bulkio.cli.options import Target


def run(sandbox: Any, *args: str) -> Result:
    argv = [*args, "--base-url", sandbox.url, "--location-id", sandbox.location_id]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token},
                              catch_exceptions=False)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def api_calls(sandbox: Any, fragment: str = "", method: str | None = None) -> list[dict[str, Any]]:
    return [r for r in sandbox.admin.requests()
            if r.get("location_id") == sandbox.location_id and fragment in r["path"]
            and (method is None or r["method"] == method)]


class NoRetryTarget:
    """A target whose client gives up at once (makes outages and lost answers fast)."""

    def __init__(self, sandbox: Any) -> None:
        self._target = Target(base_url=sandbox.url, token=sandbox.token,
                              location_id=sandbox.location_id)
        self.location_id = sandbox.location_id

    def client(self, **overrides: Any) -> Client:
        return self._target.client(max_retries=0, backoff_base=0.0, **overrides)


def seed(sandbox: Any, n: int) -> list[str]:
    people = [{"firstName": f"P{i}", "email": f"p{i}@ejemplo.mx"} for i in range(n)]
    return sandbox.admin.seed(sandbox.location_id, contacts=people)


NOTES_HEADER = ["correo", "titulo", "nota", "fijada", "usuario"]


def notes_file(tmp_path: Path, n: int) -> Path:
    rows = [[f"p{i}@ejemplo.mx", f"T{i}", f"Nota {i} del CRM anterior", "sí" if i == 0 else "",
             "usr_1"] for i in range(n)]
    return write_csv(tmp_path / "notas.csv", NOTES_HEADER, rows)


def test_notes_add_maps_columns_to_the_notes_dto(sandbox: Any, tmp_path: Path) -> None:
    ids = seed(sandbox, 2)
    src = write_csv(tmp_path / "notas.csv", NOTES_HEADER, [
        ["p0@ejemplo.mx", "Llamada", "Pidió cotización", "sí", "usr_1"],
        ["p1@ejemplo.mx", "", "Cliente desde 2019", "", ""],
        ["p1@ejemplo.mx", "Vacía", "", "", ""],
    ])  # fmt: skip
    result = run(sandbox, "notes", "add", str(src), "--json")
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["by_error"] == {"missing-value": 1}
    notes = {n["contactId"]: n for n in sandbox.admin.notes(sandbox.location_id)}
    assert notes[ids[0]]["body"] == "Pidió cotización" and notes[ids[0]]["title"] == "Llamada"
    assert notes[ids[0]]["pinned"] is True and notes[ids[0]]["userId"] == "usr_1"
    assert set(notes[ids[1]]) >= {"id", "body"} and "pinned" not in notes[ids[1]]


def test_a_lost_note_answer_is_reconciled_not_duplicated(sandbox: Any, tmp_path: Path) -> None:
    seed(sandbox, 3)
    src = notes_file(tmp_path, 3)
    sandbox.admin.set_faults(sequence=["drop_after_commit"], path_contains="/notes",
                             method="POST")
    result = run(sandbox, "notes", "add", str(src))
    assert result.exit_code == 0, result.output
    bodies = sorted(n["body"] for n in sandbox.admin.notes(sandbox.location_id))
    assert bodies == [f"Nota {i} del CRM anterior" for i in range(3)]
    assert len(api_calls(sandbox, "/notes", "GET")) == 1  # the check after the lost answer


def test_resume_after_an_ambiguous_note_checks_before_sending(sandbox: Any, tmp_path: Path
                                                              ) -> None:
    seed(sandbox, 3)
    src = notes_file(tmp_path, 3)
    sandbox.admin.set_faults(sequence=["drop_after_commit"], path_contains="/notes",
                             method="POST")
    first = run_bulk(src, settings=OpSettings(op="notes-add"), read=ReadOptions(),
                     options=BulkOptions(workers=1), target=NoRetryTarget(sandbox))
    assert first.exit_code == 3
    assert first.report is not None and first.report.by_error == {"api-error": 1}
    assert len(sandbox.admin.notes(sandbox.location_id)) == 3  # the lost one was applied
    sandbox.admin.clear_faults()
    sandbox.admin.clear_requests()
    resumed = run(sandbox, "notes", "add", str(src), "--resume", "--json")
    assert resumed.exit_code == 0, resumed.output
    summary = json.loads(resumed.stdout)
    assert summary["resumed"] is True and summary["run_id"] == first.run_id
    assert len(sandbox.admin.notes(sandbox.location_id)) == 3
    assert api_calls(sandbox, "/notes", "POST") == []
    assert len(api_calls(sandbox, "/notes", "GET")) == 1


def test_a_re_run_skips_notes_already_added_unless_forced(sandbox: Any, tmp_path: Path) -> None:
    seed(sandbox, 2)
    src = notes_file(tmp_path, 2)
    assert run(sandbox, "notes", "add", str(src)).exit_code == 0
    sandbox.admin.clear_requests()
    again = run(sandbox, "notes", "add", str(src), "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["by_action"] == {"unchanged": 2}
    assert api_calls(sandbox) == []
    forced = run(sandbox, "notes", "add", str(src), "--force", "--json")
    assert json.loads(forced.stdout)["by_action"] == {"note-added": 2}
    assert len(sandbox.admin.notes(sandbox.location_id)) == 4


def test_tasks_add_normalizes_due_dates_and_never_duplicates(sandbox: Any, tmp_path: Path
                                                             ) -> None:
    ids = seed(sandbox, 3)
    src = write_csv(tmp_path / "tareas.csv",
                    ["contact_id", "tarea", "descripcion", "vence", "completada", "asignado_a"], [
        [ids[0], "Cotizar", "Plan Pro", "15/12/2026 10:30", "no", "usr_2"],
        [ids[1], "Renovar", "", "31/01/2027", "sí", ""],
        [ids[2], "Llamar", "", "", "", ""],
        [ids[2], "Otra", "", "32/13/2026", "", ""],
    ])  # fmt: skip
    sandbox.admin.set_faults(sequence=["drop_after_commit"], path_contains="/tasks",
                             method="POST")
    result = run(sandbox, "tasks", "add", str(src), "--date-order", "DMY", "--json")
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["by_error"] == {"missing-value": 1, "impossible-date": 1}
    tasks = {t["contactId"]: t for t in sandbox.admin.tasks(sandbox.location_id)}
    assert len(sandbox.admin.tasks(sandbox.location_id)) == 2
    assert tasks[ids[0]]["dueDate"] == "2026-12-15T10:30:00Z"
    assert tasks[ids[0]]["body"] == "Plan Pro" and tasks[ids[0]]["assignedTo"] == "usr_2"
    assert tasks[ids[0]]["completed"] is False
    assert tasks[ids[1]]["dueDate"] == "2027-01-31T00:00:00Z" and tasks[ids[1]]["completed"]


def test_workflow_campaign_and_followers(sandbox: Any, tmp_path: Path) -> None:
    ids = seed(sandbox, 3)
    src = write_csv(tmp_path / "lista.csv", ["contact_id", "seguidores", "inicio"], [
        [ids[0], "u1, u2", "2026-12-01 09:00"], [ids[1], "u2", ""], [ids[2], "", ""],
    ])  # fmt: skip
    wf = run(sandbox, "workflow", "add", str(src), "--workflow-id", "wf1",
             "--start-time", "2026-11-30T08:00:00Z")
    assert wf.exit_code == 0, wf.output
    camp = run(sandbox, "campaign", "add", str(src), "--campaign-id", "c1")
    assert camp.exit_code == 0, camp.output
    members = sandbox.admin.memberships(sandbox.location_id)
    workflow = {m["contactId"]: m for m in members if m["kind"] == "workflow"}
    assert set(workflow) == set(ids)
    assert workflow[ids[0]]["eventStartTime"] == "2026-12-01T09:00:00Z"
    assert workflow[ids[1]]["eventStartTime"] == "2026-11-30T08:00:00Z"
    assert {m["contactId"] for m in members if m["kind"] == "campaign"} == set(ids)
    from_column = run(sandbox, "followers", "add", str(src), "--json")
    assert from_column.exit_code == 3  # the third row has no followers
    assert json.loads(from_column.stdout)["by_error"] == {"missing-value": 1}
    fol = run(sandbox, "followers", "add", str(src), "--followers", "u9", "--json")
    assert fol.exit_code == 0, fol.output
    now = {c["id"]: c for c in sandbox.admin.contacts(sandbox.location_id)}
    assert now[ids[0]]["followers"] == ["u1", "u2", "u9"] and now[ids[2]]["followers"] == ["u9"]
    out = run(sandbox, "followers", "remove", str(src), "--followers", "u9")
    assert out.exit_code == 0
    assert run(sandbox, "workflow", "remove", str(src), "--workflow-id", "wf1").exit_code == 0
    assert run(sandbox, "campaign", "remove", str(src), "--campaign-id", "c1").exit_code == 0
    assert sandbox.admin.memberships(sandbox.location_id) == []
    now = {c["id"]: c for c in sandbox.admin.contacts(sandbox.location_id)}
    # with --followers the column is not read: only u9 goes
    assert [now[c]["followers"] for c in ids] == [["u1", "u2"], ["u2"], []]


def test_an_outage_aborts_and_resume_finishes(sandbox: Any, tmp_path: Path) -> None:
    ids = seed(sandbox, 40)
    src = write_csv(tmp_path / "seg.csv", ["contact_id"], [[c] for c in ids])
    sandbox.admin.set_faults(probabilities={503: 1.0}, path_contains="/followers")
    first = run_bulk(src, settings=OpSettings(op="followers-add", followers=("u1",)),
                     options=BulkOptions(workers=1), target=NoRetryTarget(sandbox))
    assert first.exit_code == 1 and first.aborted is not None
    assert first.report is not None
    assert first.report.by_error["not-processed"] == 40 - 25
    sandbox.admin.clear_faults()
    resumed = run(sandbox, "followers", "add", str(src), "--followers", "u1", "--resume",
                  "--json")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout)["succeeded"] == 40
    assert all(c["followers"] == ["u1"] for c in sandbox.admin.contacts(sandbox.location_id))


def test_per_contact_commands_fail_rows_of_unknown_or_deleted_contacts(
    sandbox: Any, tmp_path: Path
) -> None:
    ids = seed(sandbox, 2)
    gone = write_csv(tmp_path / "gone.csv", ["contact_id"], [[ids[1]]])
    assert run(sandbox, "delete", str(gone), "--yes").exit_code == 0
    src = write_csv(tmp_path / "n.csv", ["contact_id", "nota"], [
        [ids[0], "ok"], [ids[1], "borrado"], ["zzzzzzzzzzzzzzzzzzzz", "desconocido"]])
    for args in (["notes", "add", str(src)], ["workflow", "add", str(src), "--workflow-id", "w"]):
        result = run(sandbox, *args, "--json")
        assert result.exit_code == 3, result.output
        summary = json.loads(result.stdout)
        assert summary["succeeded"] == 1
        assert summary["by_error"] == {"contact-not-found": 2}
    assert [n["contactId"] for n in sandbox.admin.notes(sandbox.location_id)] == [ids[0]]


def test_kill_9_mid_run_then_resume_adds_every_note_once(sandbox: Any, tmp_path: Path) -> None:
    import collections
    import os
    import signal
    import subprocess
    import sys
    import time

    ids = seed(sandbox, 150)
    src = write_csv(tmp_path / "notas.csv", ["contact_id", "nota"],
                    [[c, f"nota {i}"] for i, c in enumerate(ids)])
    sandbox.admin.set_faults(latency_ms=50, path_contains="/notes")  # ~150 notes/s at most
    # 100 requests, then none for ten minutes: however loaded the machine, the run cannot
    # add all 150 notes before the kill (no race between the poll below and the run's end)
    sandbox.admin.set_limits(rate_limit=100, rate_interval_ms=600_000)
    env = dict(os.environ, BULKIO_TOKEN=sandbox.token, BULKIO_BASE_URL=sandbox.url,
               BULKIO_LOCATION_ID=sandbox.location_id)
    proc = subprocess.Popen([sys.executable, "-m", "bulkio", "notes", "add", str(src), "-q"],
                            env=env)
    try:
        deadline = time.monotonic() + 120
        while len(sandbox.admin.notes(sandbox.location_id)) < 40:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert len(sandbox.admin.notes(sandbox.location_id)) < 150
    sandbox.admin.clear_faults()
    sandbox.admin.set_limits(off=True)
    resumed = run(sandbox, "notes", "add", str(src), "--resume", "--json")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout)["resumed"] is True
    per_contact = collections.Counter(n["contactId"] for n in
                                      sandbox.admin.notes(sandbox.location_id))
    assert set(per_contact) == set(ids) and set(per_contact.values()) == {1}
