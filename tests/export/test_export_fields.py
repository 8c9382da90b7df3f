"""Export of every field a contact carries, related appointments and notes with all their
fields, and the API's objects unflattened (``--jsonl-raw``), over the sandbox."""

from __future__ import annotations

import asyncio
import csv
import json
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


CONTACT: dict[str, Any] = {
    "email": "eva@ejemplo.mx", "firstName": "Eva", "gender": "female",
    "dndSettings": {"sms": {"status": "active"}, "email": {"status": "inactive"}},
    "additionalEmails": ["eva.trabajo@ejemplo.mx", "eva2@ejemplo.mx"],
    "followers": ["user_1", "user_2"], "assignedTo": "user_9", "businessId": "biz_1",
}  # fmt: skip


def test_every_contact_field_can_be_a_column(sandbox: Any, tmp_path: Path) -> None:
    [cid] = sandbox.admin.seed(sandbox.location_id, contacts=[CONTACT])
    cols = ("id,gender,dndSettings.sms,dndSettings.email,dndSettings.call,additionalEmails,"
            "followers,assignedTo,businessId,attributionSource.utmSource")
    _export(sandbox, tmp_path / "c.csv", ExportSpec(columns=cols.split(",")))
    [row] = _read(tmp_path / "c.csv")
    assert row == {
        "id": cid, "gender": "female", "dndSettings.sms": "active",
        "dndSettings.email": "inactive", "dndSettings.call": "",
        "additionalEmails": "eva.trabajo@ejemplo.mx, eva2@ejemplo.mx",
        "followers": "user_1, user_2", "assignedTo": "user_9", "businessId": "biz_1",
        "attributionSource.utmSource": "",
    }  # fmt: skip
    result = _export(sandbox, tmp_path / "all.csv", ExportSpec(columns=["all"]))
    for name in ("gender", "businessName", "additionalPhones", "inboundDndSettings.all",
                 "dndSettings.whatsApp", "attributionSource.gclid",
                 "lastAttributionSource.url"):
        assert name in result.columns


def test_jsonl_raw_writes_the_api_objects_unflattened(sandbox: Any, tmp_path: Path) -> None:
    [cid] = sandbox.admin.seed(sandbox.location_id, contacts=[CONTACT])
    result = _export(sandbox, tmp_path / "o.jsonl", ExportSpec(objects=True, include=("notes",)),
                     fmt="jsonl")
    assert result.files == [tmp_path / "o.jsonl", tmp_path / "o.notes.jsonl"]
    [line] = (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()
    obj = json.loads(line)
    assert obj["id"] == cid
    assert obj["dndSettings"] == {"sms": {"status": "active"}, "email": {"status": "inactive"}}
    assert obj["additionalEmails"] == ["eva.trabajo@ejemplo.mx", "eva2@ejemplo.mx"]
    assert "searchAfter" not in obj
    assert (tmp_path / "o.notes.jsonl").read_text(encoding="utf-8") == ""


def test_jsonl_raw_needs_a_jsonl_target(sandbox: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bulkio.cli import main

    result = CliRunner().invoke(main, [
        "export", "-o", str(tmp_path / "x.csv"), "--jsonl-raw", "--base-url", sandbox.url,
        "--location-id", sandbox.location_id], env={"BULKIO_TOKEN": sandbox.token})
    assert result.exit_code == 2
    assert "name the output .jsonl or use -o -" in result.output
    assert not (tmp_path / "x.csv").exists()
