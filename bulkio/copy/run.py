"""``bulkio copy``: export a location, import it into another, journaled and undoable.

The work is done by the commands that already keep every promise, in four steps:

1. the source's contacts are exported (``POST /contacts/search``) to
   ``<state home>/copies/<source>-to-<target>/contacts.csv`` with their custom fields,
   and with ``notes``/``tasks`` as sibling files;
2. the custom fields are matched to the target's (same ``fieldKey``, else same name,
   case and accents ignored) and written as a mapping file beside it; unmatched fields
   are listed and left out;
3. the CSV is imported into the target (``bulkio import``: a journaled run, resumable,
   undoable, with its reports in the same folder; unchanged rows of a second copy are
   skipped);
4. notes and tasks are added to the copied contacts, found by email or phone
   (``bulkio notes add`` / ``tasks add``: journaled, never added twice).

Running the same copy again resumes or refreshes it: the folder is the same, the import
skips what the target already holds, notes and tasks already added are skipped.
"""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkio.bulk.rows import OpSettings
from bulkio.bulk.run import BulkOptions, BulkResult, run_bulk
from bulkio.clean.reading import ReadOptions
from bulkio.export.columns import custom_headers
from bulkio.export.filters import CustomFieldIndex, FilterExpr
from bulkio.export.run import ExportSpec, run_export
from bulkio.files.safe_write import write_text_atomic
from bulkio.imports.importer import run_import
from bulkio.imports.options import ImportOptions, ImportResult
from bulkio.runs.kit import TargetLike

__all__ = ["CopyResult", "match_fields", "run_copy"]

log = logging.getLogger("bulkio.copy")

#: standard contact columns carried over (their headers map to the same API fields)
CONTACT_COLUMNS = ("id", "firstName", "lastName", "email", "phone", "companyName", "address1",
                   "city", "state", "postalCode", "country", "dateOfBirth", "website",
                   "timezone", "source", "tags")  # fmt: skip


@dataclass
class CopyResult:
    """What a copy did: the folder, the field matching and each run it made."""

    folder: Path
    contacts: int = 0
    fields_matched: dict[str, str] = field(default_factory=dict)
    fields_missing: list[str] = field(default_factory=list)
    imported: ImportResult | None = None
    notes: BulkResult | None = None
    tasks: BulkResult | None = None

    @property
    def exit_code(self) -> int:
        """The worst of the runs': 1 aborted, 3 some rows failed (or fields left out), 0."""
        codes = [r.exit_code for r in (self.imported, self.notes, self.tasks) if r is not None]
        worst = 1 if 1 in codes else max(codes, default=0)
        return 3 if worst == 0 and self.fields_missing else worst

    def to_json(self) -> dict[str, Any]:
        runs = {name: r.to_json() for name, r in
                (("import", self.imported), ("notes", self.notes), ("tasks", self.tasks))
                if r is not None}  # fmt: skip
        return {"command": "copy", "folder": str(self.folder), "contacts": self.contacts,
                "fields_matched": self.fields_matched, "fields_missing": self.fields_missing,
                "runs": runs, "run_ids": {k: v.get("run_id") for k, v in runs.items()},
                "exit_code": self.exit_code}  # fmt: skip


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def match_fields(source: Sequence[Mapping[str, Any]], target: Sequence[Mapping[str, Any]]
                 ) -> tuple[dict[str, Mapping[str, Any]], list[str]]:
    """Source field id -> the target field with the same ``fieldKey``, else the same name
    (case and accents ignored, only when one target field has it); and the names of the
    source fields the target lacks."""
    by_key = {str(f.get("fieldKey") or "").casefold(): f for f in target if f.get("fieldKey")}
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for f in target:
        by_name.setdefault(_fold(str(f.get("name") or "")), []).append(f)
    matched: dict[str, Mapping[str, Any]] = {}
    missing: list[str] = []
    for f in source:
        found = by_key.get(str(f.get("fieldKey") or "").casefold())
        if found is None:
            same = by_name.get(_fold(str(f.get("name") or "")), [])
            found = same[0] if len(same) == 1 else None
        if found is None:
            missing.append(str(f.get("name") or f.get("fieldKey") or f.get("id")))
        else:
            matched[str(f["id"])] = found
    return matched, missing


def copy_folder(home: Path, source: str, target: str) -> Path:
    """Where a copy from ``source`` to ``target`` keeps its files (the same every time)."""
    safe = ["".join(c if c.isalnum() or c in "-_" else "_" for c in s) for s in (source, target)]
    return home / "copies" / f"{safe[0]}-to-{safe[1]}"


def _mapping_toml(headers: Mapping[str, str], ignore: Sequence[str]) -> str:
    lines = [f"ignore = {json.dumps(list(ignore), ensure_ascii=False)}", "", "[columns]"]
    for header, key in headers.items():
        lines.append(f"{json.dumps(header, ensure_ascii=False)} = "
                     f"{{ custom_field = {json.dumps(key, ensure_ascii=False)} }}")
    return "\n".join(lines) + "\n"


async def _export(source: TargetLike, out: Path, filters: Sequence[FilterExpr],
                  include: Sequence[str]) -> tuple[int, list[dict[str, Any]]]:
    async with source.client() as client:
        fields = await client.custom_fields()
        headers = [h for h, _ in custom_headers(CustomFieldIndex.from_api(fields))]
        spec = ExportSpec(filters=filters, columns=[*CONTACT_COLUMNS, *headers],
                          include=include)  # fmt: skip
        result = await run_export(client, target=out, fmt="csv", spec=spec)
        return result.rows, fields


async def _fields(target: TargetLike) -> list[dict[str, Any]]:
    async with target.client() as client:
        return await client.custom_fields()


def _related_sheet(folder: Path, contacts: Path, kind: str) -> Path | None:
    """The export's ``contacts.<kind>.csv`` as a bulk-command sheet: each item with the
    email and phone of its contact (ids differ between locations)."""
    items_path = contacts.with_name(f"{contacts.stem}.{kind}.csv")
    if not items_path.exists():
        return None
    with contacts.open(encoding="utf-8-sig", newline="") as fh:
        who = {r["id"]: (r.get("email") or "", r.get("phone") or "") for r in csv.DictReader(fh)}
    with items_path.open(encoding="utf-8-sig", newline="") as fh:
        items = list(csv.DictReader(fh))
    if not items:
        return None
    if kind == "notes":
        header = ["email", "phone", "titulo", "nota", "fijada"]
        rows = [[*who.get(i["contactId"], ("", "")), i.get("title") or "", i.get("body") or "",
                 i.get("pinned") or ""] for i in items]  # fmt: skip
    else:
        header = ["email", "phone", "tarea", "descripcion", "vence", "completada"]
        rows = [[*who.get(i["contactId"], ("", "")), i.get("title") or "", i.get("body") or "",
                 i.get("dueDate") or "", i.get("completed") or ""] for i in items]  # fmt: skip
    sheet = folder / f"{kind}.csv"
    text = _csv_text([header, *rows])
    write_text_atomic(sheet, text)
    return sheet


def _csv_text(rows: Sequence[Sequence[str]]) -> str:
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def run_copy(
    *,
    source: TargetLike,
    target: TargetLike,
    source_name: str,
    target_name: str,
    home: Path,
    journal_path: Path,
    filters: Sequence[FilterExpr] = (),
    include: Sequence[str] = ("notes", "tasks"),
    dry_run: bool = False,
) -> CopyResult:
    """Copy the contacts of ``source`` (all, or those matching ``filters``) into ``target``
    (see the module docstring). ``dry_run`` exports and plans the import without writing
    to the target."""
    folder = copy_folder(home, source_name, target_name)
    folder.mkdir(parents=True, exist_ok=True)
    contacts = folder / "contacts.csv"
    rows, source_fields = asyncio.run(_export(source, contacts, filters, include))
    result = CopyResult(folder=folder, contacts=rows)
    matched, result.fields_missing = match_fields(source_fields, asyncio.run(_fields(target)))
    headers = dict(custom_headers(CustomFieldIndex.from_api(source_fields)))
    to_target = {h: str(matched[str(f["id"])].get("fieldKey") or matched[str(f["id"])]["id"])
                 for h, f in headers.items() if str(f["id"]) in matched}  # fmt: skip
    result.fields_matched = dict(to_target)
    ignore = ["id", *(h for h in headers if h not in to_target)]
    mapping = folder / "contacts.map.toml"
    write_text_atomic(mapping, _mapping_toml(to_target, ignore))
    if result.fields_missing:
        log.warning("the target has no custom field like %s: those values are not copied "
                    "(create them in the target, then copy again)",
                    ", ".join(result.fields_missing))
    result.imported = run_import(
        contacts, read=ReadOptions(mapping=mapping), target=target, journal_path=journal_path,
        options=ImportOptions(dry_run=dry_run, out_dir=folder), resume=False, new=True,
        argv=["copy", "--from", source_name, "--to", target_name])
    if dry_run or result.imported.aborted is not None:
        return result
    for kind, op in (("notes", "notes-add"), ("tasks", "tasks-add")):
        sheet = _related_sheet(folder, contacts, kind) if kind in include else None
        if sheet is None:
            continue
        outcome = run_bulk(sheet, settings=OpSettings(op=op),  # type: ignore[arg-type]
                           read=ReadOptions(date_order="YMD"), target=target,
                           options=BulkOptions(out_dir=folder), journal_path=journal_path,
                           argv=["copy", kind])  # fmt: skip
        setattr(result, kind, outcome)
        if outcome.aborted is not None:
            break
    return result
