"""Per-channel DND columns, inbound DND and the follow-up fields of notes, tasks and
workflows: from the spreadsheet to the request bodies (issue 12, point 2)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bulkio.clean.normalize.text import normalize_dnd_status
from bulkio.clean.reading import ReadOptions
from bulkio.plan.batcher import plan_row


@pytest.mark.parametrize(("raw", "status"), [
    ("sí", "active"), ("Si", "active"), ("x", "active"), ("no", "inactive"),
    ("inactivo", "inactive"), ("Permanente", "permanent"), ("active", "active"),
])  # fmt: skip
def test_channel_status(raw: str, status: str) -> None:
    assert normalize_dnd_status(raw).value == {"status": status}


def test_channel_status_refuses_other_text() -> None:
    result = normalize_dnd_status("a veces")
    assert result.code == "invalid-value" and "not a DND status" in (result.message or "")


def _prepared(tmp_path: Path, text: str) -> list:  # type: ignore[type-arg]
    src = tmp_path / "in.csv"
    src.write_text(text, encoding="utf-8")
    return list(ReadOptions().prepare(src))


def test_channel_columns_merge_into_dnd_settings(tmp_path: Path) -> None:
    rows = _prepared(tmp_path, "Correo,DND SMS,No molestar WhatsApp,No molestar,DND entrante\n"
                     "a@example.mx,sí,no,email,permanente\n"
                     "b@example.mx,,sí,,\n")  # fmt: skip
    first, second = rows
    assert first.contact["dndSettings"] == {"email": {"status": "active"},
                                            "sms": {"status": "active"},
                                            "whatsApp": {"status": "inactive"}}
    assert first.contact["inboundDndSettings"] == {"all": {"status": "permanent"}}
    assert second.contact["dndSettings"] == {"whatsApp": {"status": "active"}}
    assert "inboundDndSettings" not in second.contact


def test_follow_up_fields_reach_the_bodies(tmp_path: Path) -> None:
    [row] = _prepared(tmp_path, "Correo,Nota,Título nota,Fijada,Tarea,Tarea asignada a,"
                      "Workflow ID,Inicio flujo\n"
                      "a@example.mx,Llamar el lunes,Seguimiento,sí,Llamar,user_7,wf_1,"
                      "2026-12-24\n")  # fmt: skip
    plan = plan_row(row, mode="upsert", tags_mode="add", fields={}, location_id="loc",
                    today=date(2026, 12, 1))
    steps = {f.kind: f.payload for f in plan.followups}  # type: ignore[union-attr]
    assert steps["note"] == {"body": "Llamar el lunes", "title": "Seguimiento", "pinned": True}
    assert steps["task"]["assignedTo"] == "user_7"
    assert steps["workflow"] == {"id": "wf_1", "eventStartTime": "2026-12-24T00:00:00Z"}
