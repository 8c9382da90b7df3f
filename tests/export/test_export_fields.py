"""Export of every field a contact carries, related appointments and notes with all their
fields, and the API's objects unflattened (``--jsonl-raw``), over the sandbox."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Any

from bulkio.api.client import Client
from bulkio.export.run import ExportResult, ExportSpec, run_export
from bulkio.files.export_writers import OutputFormat


def _export(sandbox: Any, target: Path, spec: ExportSpec, *,
            fmt: OutputFormat = "csv") -> ExportResult:
    async def go() -> ExportResult:
        async with Client(base_url=sandbox.url, token=sandbox.token,
                          location_id=sandbox.location_id) as client:
            return await run_export(client, target=target, fmt=fmt, spec=spec)

    return asyncio.run(go())


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_include_appointments_and_note_fields(sandbox: Any, tmp_path: Path) -> None:
    [cid] = sandbox.admin.seed(sandbox.location_id, contacts=[{"email": "a@ejemplo.mx"}])
    sandbox.admin.add_appointment(sandbox.location_id, cid, title="Demo", calendarId="cal_1",
                                  startTime="2026-12-03T16:00:00Z",
                                  endTime="2026-12-03T16:30:00Z", status="booked")

    async def note() -> None:
        async with Client(base_url=sandbox.url, token=sandbox.token,
                          location_id=sandbox.location_id) as client:
            await client.add_note(cid, {"body": "hola", "title": "Saludo", "pinned": True,
                                        "color": "#ff0"})

    asyncio.run(note())
    result = _export(sandbox, tmp_path / "c.csv",
                     ExportSpec(include=("notes", "appointments")))
    assert result.related == {"notes": 1, "appointments": 1}
    [appt] = _read(tmp_path / "c.appointments.csv")
    assert (appt["contactId"], appt["title"], appt["calendarId"], appt["status"]) == (
        cid, "Demo", "cal_1", "booked")
    assert appt["startTime"].startswith("2026-12-03T16:00:00")
    [n] = _read(tmp_path / "c.notes.csv")
    assert (n["body"], n["title"], n["pinned"], n["color"]) == ("hola", "Saludo", "true", "#ff0")
