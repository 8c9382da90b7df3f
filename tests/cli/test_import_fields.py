"""Per-channel DND, inbound DND, note title and pinned, task assignee and a workflow's
start time: imported from spreadsheet columns into the sandbox (issue 12, point 2)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bulkio.cli import main
from tests.conftest import SandboxHandle


def test_channel_dnd_and_follow_up_fields_are_stored(sandbox: SandboxHandle,
                                                      tmp_path: Path) -> None:
    src = tmp_path / "campos.csv"
    src.write_text("Correo,DND SMS,No molestar WhatsApp,DND entrante,Nota,Título nota,Fijada,"
                   "Tarea,Tarea asignada a,Fecha límite\n"
                   "ana@example.mx,sí,no,permanente,Llamar el lunes,Seguimiento,sí,Llamar,"
                   "user_7,2026-12-31\n", encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(
        main, ["import", str(src), "--base-url", sandbox.url, "--location-id",
               sandbox.location_id, "-q"], env={"BULKIO_TOKEN": sandbox.token})  # fmt: skip
    assert result.exit_code == 0, result.output
    [contact] = sandbox.admin.contacts(sandbox.location_id)
    assert contact["dndSettings"]["sms"]["status"] == "active"
    assert contact["dndSettings"]["whatsApp"]["status"] == "inactive"
    assert contact["inboundDndSettings"] == {"all": {"status": "permanent"}}
    [note] = sandbox.admin.notes(sandbox.location_id)
    assert (note["body"], note.get("title"), note.get("pinned")) == (
        "Llamar el lunes", "Seguimiento", True)
    [task] = sandbox.admin.tasks(sandbox.location_id)
    assert task["assignedTo"] == "user_7"
