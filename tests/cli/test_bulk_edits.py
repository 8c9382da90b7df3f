"""``notes update``, ``tasks update|complete`` and ``campaign remove --all`` over the sandbox."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner, Result

from bulkio.cli import main


def _run(sandbox: Any, *args: str) -> Result:
    argv = [*args, "--base-url", sandbox.url, "--location-id", sandbox.location_id, "--json"]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token},
                              catch_exceptions=False)


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _post(sandbox: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = httpx.post(f"{sandbox.url}{path}", json=body, headers=sandbox.headers())
    resp.raise_for_status()
    return dict(resp.json())


def _contact(sandbox: Any) -> str:
    [cid] = sandbox.admin.seed(sandbox.location_id,
                               contacts=[{"email": "ana@ejemplo.mx", "firstName": "Ana"}])
    return cid


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_notes_update_by_title_and_by_id(sandbox: Any, tmp_path: Path) -> None:
    cid = _contact(sandbox)
    first = _post(sandbox, f"/contacts/{cid}/notes", {"body": "vieja", "title": "Llamada"})
    second = _post(sandbox, f"/contacts/{cid}/notes", {"body": "otra", "title": "Visita"})
    path = _csv(tmp_path / "notas.csv",
                "email,titulo,nota,fijada,note_id\n"
                "ana@ejemplo.mx,llamada,nueva,sí,\n"
                f"ana@ejemplo.mx,Visita 2,cambiada,,{second['note']['id']}\n"
                "ana@ejemplo.mx,No existe,x,,\n")
    result = _run(sandbox, "notes", "update", str(path))
    assert result.exit_code == 3, result.output
    doc = json.loads(result.stdout)
    assert doc["by_action"] == {"note-updated": 2}
    assert doc["by_error"] == {"item-not-found": 1}
    notes = {n["id"]: n for n in sandbox.admin.notes(sandbox.location_id)}
    assert notes[first["note"]["id"]]["body"] == "nueva"
    assert notes[first["note"]["id"]]["pinned"] is True
    assert notes[first["note"]["id"]]["title"] == "Llamada"
    assert notes[second["note"]["id"]]["title"] == "Visita 2"
    assert notes[second["note"]["id"]]["body"] == "cambiada"
    endpoints = doc["requests"]["by_endpoint"]
    assert endpoints["PUT /contacts/{contactId}/notes/{id}"] == 2
    assert endpoints["GET /contacts/{contactId}/notes/{id}"] == 1


def test_notes_update_ambiguous_title(sandbox: Any, tmp_path: Path) -> None:
    cid = _contact(sandbox)
    for body in ("a", "b"):
        _post(sandbox, f"/contacts/{cid}/notes", {"body": body, "title": "Llamada"})
    path = _csv(tmp_path / "n.csv", "email,title,body\nana@ejemplo.mx,Llamada,c\n")
    result = _run(sandbox, "notes", "update", str(path))
    assert result.exit_code == 3
    [row] = _read(tmp_path / "n.notes-update.failures.csv")
    assert row["_error_code"] == "ambiguous-item"
    assert sorted(n["body"] for n in sandbox.admin.notes(sandbox.location_id)) == ["a", "b"]


def test_tasks_update_and_complete(sandbox: Any, tmp_path: Path) -> None:
    cid = _contact(sandbox)
    task = _post(sandbox, f"/contacts/{cid}/tasks", {
        "title": "Llamar", "dueDate": "2026-12-01T00:00:00Z", "completed": False})["task"]
    path = _csv(tmp_path / "t.csv", "email,tarea,vence,asignado a\n"
                "ana@ejemplo.mx,Llamar,31/12/2026 15:30,user_7\n")
    result = _run(sandbox, "tasks", "update", str(path), "--date-order", "DMY")
    assert result.exit_code == 0, result.output
    [stored] = sandbox.admin.tasks(sandbox.location_id)
    assert stored["dueDate"].startswith("2026-12-31T15:30:00")
    assert stored["assignedTo"] == "user_7" and stored["completed"] is False
    path = _csv(tmp_path / "c.csv", f"email,task_id\nana@ejemplo.mx,{task['id']}\n")
    result = _run(sandbox, "tasks", "complete", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["by_action"] == {"task-completed": 1}
    [stored] = sandbox.admin.tasks(sandbox.location_id)
    assert stored["completed"] is True


def test_campaign_remove_all(sandbox: Any, tmp_path: Path) -> None:
    cid = _contact(sandbox)
    for camp in ("c1", "c2"):
        _post(sandbox, f"/contacts/{cid}/campaigns/{camp}", {})
    assert len(sandbox.admin.memberships(sandbox.location_id)) == 2
    path = _csv(tmp_path / "x.csv", "email\nana@ejemplo.mx\n")
    result = _run(sandbox, "campaign", "remove", str(path), "--all")
    assert result.exit_code == 0, result.output
    assert [m for m in sandbox.admin.memberships(sandbox.location_id)
            if m.get("kind") == "campaign"] == []
    usage = _run(sandbox, "campaign", "remove", str(path))
    assert usage.exit_code == 2 and "--campaign-id ID or --all" in usage.output


def test_tags_per_contact_uses_the_contact_endpoints(sandbox: Any, tmp_path: Path) -> None:
    _contact(sandbox)
    path = _csv(tmp_path / "t.csv", "email,tags\nana@ejemplo.mx,vip; 2026\n")
    result = _run(sandbox, "tags", "add", str(path), "--per-contact")
    assert result.exit_code == 0, result.output
    endpoints = json.loads(result.stdout)["requests"]["by_endpoint"]
    assert endpoints["POST /contacts/{contactId}/tags"] == 1
    assert "POST /contacts/bulk/tags/update/{type}" not in endpoints
    [ana] = sandbox.admin.contacts(sandbox.location_id)
    assert sorted(ana["tags"]) == ["2026", "vip"]
    path = _csv(tmp_path / "r.csv", "email,tags\nana@ejemplo.mx,vip\n")
    result = _run(sandbox, "tags", "remove", str(path), "--per-contact")
    assert result.exit_code == 0, result.output
    [ana] = sandbox.admin.contacts(sandbox.location_id)
    assert ana["tags"] == ["2026"]
