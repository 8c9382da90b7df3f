"""``bulkio copy``: one sub-account's contacts, custom fields, tags, notes and tasks into
another, journaled, repeatable and undoable (issue 15, point 3), over the sandbox."""

from __future__ import annotations

from pathlib import Path

import httpx
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.cli.options import Target
from bulkio.copy.run import match_fields, run_copy
from tests.conftest import SandboxHandle


def test_fields_match_by_key_then_by_name() -> None:
    source = [{"id": "s1", "name": "Plan", "fieldKey": "contact.plan"},
              {"id": "s2", "name": "Nivel", "fieldKey": "contact.nivel"},
              {"id": "s3", "name": "Saldo", "fieldKey": "contact.saldo"}]
    target = [{"id": "t1", "name": "Plan de pago", "fieldKey": "contact.plan"},
              {"id": "t2", "name": "nivel", "fieldKey": "contact.level"}]
    matched, missing = match_fields(source, target)
    assert {k: v["id"] for k, v in matched.items()} == {"s1": "t1", "s2": "t2"}
    assert missing == ["Saldo"]


def _add_note_and_task(sandbox: SandboxHandle, contact_id: str) -> None:
    with httpx.Client(base_url=sandbox.url, headers=sandbox.headers()) as http:
        http.post(f"/contacts/{contact_id}/notes", json={"body": "Llamar el lunes"}
                  ).raise_for_status()
        http.post(f"/contacts/{contact_id}/tasks", json={
            "title": "Cotizar", "dueDate": "2026-12-31T15:00:00Z", "completed": False,
        }).raise_for_status()


def test_copy_carries_fields_tags_notes_tasks_once_and_undoes(sandbox: SandboxHandle,
                                                               tmp_path: Path) -> None:
    src_plan = sandbox.admin.create_custom_field(sandbox.location_id, name="Plan",
                                                 data_type="TEXT", field_key="contact.plan")
    ids = sandbox.admin.seed(sandbox.location_id, contacts=[
        {"email": "ana@example.mx", "firstName": "Ana", "tags": ["vip"],
         "customFields": [{"id": src_plan["id"], "value": "Pro"}]},
        {"email": "luis@example.mx", "phone": "+525512345678", "firstName": "Luis"},
    ])
    _add_note_and_task(sandbox, ids[0])
    dest, dest_token = sandbox.admin.create_location()
    dst_plan = sandbox.admin.create_custom_field(dest, name="Plan de pago", data_type="TEXT",
                                                 field_key="contact.plan")
    source = Target(base_url=sandbox.url, token=sandbox.token, location_id=sandbox.location_id)
    target = Target(base_url=sandbox.url, token=dest_token, location_id=dest)
    home = tmp_path / ".bulkio"
    journal = home / "journal.db"

    result = run_copy(source=source, target=target, source_name="origen",
                      target_name="destino", home=home, journal_path=journal)
    assert result.exit_code == 0, result.to_json()
    assert result.fields_missing == [] and result.fields_matched == {"Plan": "contact.plan"}
    copied = {c["email"]: c for c in sandbox.admin.contacts(dest)}
    assert set(copied) == {"ana@example.mx", "luis@example.mx"}
    assert copied["ana@example.mx"]["tags"] == ["vip"]
    assert copied["luis@example.mx"]["phone"] == "+525512345678"
    [plan] = copied["ana@example.mx"]["customFields"]
    assert plan == {"id": dst_plan["id"], "value": "Pro"}
    [note] = sandbox.admin.notes(dest)
    [task] = sandbox.admin.tasks(dest)
    assert note["body"] == "Llamar el lunes" and task["title"] == "Cotizar"
    assert note["contactId"] == task["contactId"] == copied["ana@example.mx"]["id"]

    again = run_copy(source=source, target=target, source_name="origen",
                     target_name="destino", home=home, journal_path=journal)
    assert again.imported is not None and again.imported.report.by_action == {"unchanged": 2}
    assert len(sandbox.admin.notes(dest)) == 1 and len(sandbox.admin.tasks(dest)) == 1

    assert result.imported is not None and result.imported.run_id
    undone = CliRunner().invoke(main, [
        "undo", result.imported.run_id, "--journal", str(journal), "--base-url", sandbox.url,
        "--location-id", dest, "--yes"], env={"BULKIO_TOKEN": dest_token})
    assert undone.exit_code == 0, undone.output
    assert sandbox.admin.contacts(dest) == []
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 2  # the source is untouched


def test_cli_rehearses_on_sandbox_locations(tmp_path: Path) -> None:
    runner = CliRunner()
    src = tmp_path / "c.csv"
    src.write_text("email,tags\nana@example.mx,vip\n", encoding="utf-8")
    assert runner.invoke(main, ["import", str(src), "--sandbox", "-q"]).exit_code == 0
    assert runner.invoke(main, ["sandbox", "locations", "add", "Destino"]).exit_code == 0
    result = runner.invoke(main, ["copy", "--from", "sandbox", "--to", "sandbox:Destino"])
    assert result.exit_code == 0, result.output
    assert "import: created 1; failed 0" in result.stderr
    bad = runner.invoke(main, ["copy", "--from", "sandbox", "--to", "sandbox:Nadie"])
    assert bad.exit_code == 1 and "no single sandbox location is 'Nadie'" in bad.output
    same = runner.invoke(main, ["copy", "--from", "cancun", "--to", "cancun"])
    assert same.exit_code == 2
