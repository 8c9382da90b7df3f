"""``bulkio check``'s library side: prepare every row and write what an import would send.

Three files go to the output folder (default ``<input folder>/<stem>-check/``):

``<stem>.ready.csv``
    one line per ready row: ``_row``, the API field names the mapping fills (tags joined
    with ``, ``; custom fields as ``cf:<reference>``), then ``_warnings``.
``<stem>.failures.<csv|xlsx>``
    the failed rows in the reporter's failure format (``_row``, ``_error_code``,
    ``_error_message``, ``_http_status`` (empty here), then the user's columns), in the
    input's format and delimiter, so it can be fixed and checked again.
``<stem>.changes.csv``
    every cell normalization changed: row, column, field, before, after (after empty when
    the value was dropped).

Every source row lands in exactly one of the ready and failure files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkio.clean.mapping import Mapping
from bulkio.clean.prepare import Preparation, PrepareSummary
from bulkio.clean.records import PreparedRow
from bulkio.errors import InputError
from bulkio.files.report_sheets import Cell, ReportFormat, open_sheet_writer
from bulkio.i18n import _
from bulkio.reports.reporter import CHANGES_COLUMNS, FAILURE_COLUMNS, REPORT_COLUMNS

__all__ = ["CheckResult", "check_paths", "ready_columns", "run_check"]


@dataclass(frozen=True)
class CheckResult:
    """The summary of a check and the files it wrote."""

    summary: PrepareSummary
    ready_path: Path
    failure_path: Path
    changes_path: Path

    @property
    def ok(self) -> bool:
        """True when every row is ready (warnings allowed)."""
        return self.summary.rows_failed == 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary with the output paths."""
        out = self.summary.as_dict()
        out["ready_file"] = str(self.ready_path)
        out["failure_file"] = str(self.failure_path)
        out["changes_file"] = str(self.changes_path)
        return out


def check_paths(path: Path, out_dir: Path | None, fmt: str) -> tuple[Path, Path, Path, Path]:
    """(out_dir, ready, failures, changes) for ``path``; default folder ``<stem>-check``."""
    folder = out_dir if out_dir is not None else path.parent / f"{path.stem}-check"
    stem = path.stem
    return (
        folder,
        folder / f"{stem}.ready.csv",
        folder / f"{stem}.failures.{fmt}",
        folder / f"{stem}.changes.csv",
    )


_FIELD_ORDER = (
    "name", "firstName", "lastName", "email", "phone", "address1", "city", "state", "postalCode",
    "country", "website", "timezone", "dateOfBirth", "companyName", "source", "gender", "dnd",
    "dndSettings", "inboundDndSettings", "assignedTo",
)  # fmt: skip
_EXTRA_ORDER = ("contact_id", "businessId", "note", "note_title", "note_pinned", "task_title",
                "task_body", "task_due", "task_assignee", "workflow_id", "workflow_start",
                "campaign_id", "followers")  # fmt: skip


def ready_columns(mapping: Mapping) -> list[str]:
    """Columns of the ready file for ``mapping``: _row, fields, tags, cf:..., extras, _warnings."""
    targets = {s.target for s in mapping.columns.values() if s.target} | set(mapping.constants)
    if "name" in targets:
        targets |= {"firstName", "lastName"}
    if "dnd" in targets or any(t.startswith("dnd.") for t in targets):
        targets.add("dndSettings")
    if "inboundDnd" in targets:
        targets.add("inboundDndSettings")
    cols = ["_row", *(f for f in _FIELD_ORDER if f in targets)]
    if "tags" in targets:
        cols.append("tags")
    seen: set[str] = set()
    for spec in mapping.columns.values():
        if spec.target is None and spec.custom_field not in seen:
            seen.add(spec.custom_field or "")
            cols.append(f"cf:{spec.custom_field}")
    cols += [f for f in _EXTRA_ORDER if f in targets]
    cols.append("_warnings")
    return cols


def _cell(value: Any) -> Cell:
    if value is None or (isinstance(value, str | int | float) and not isinstance(value, bool)):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_TAGS, _CONTACT, _EXTRAS, _CUSTOM = range(4)


def _ready_plan(columns: Sequence[str]) -> list[tuple[int, str]]:
    """(where, key) for each field column of the ready file (no per-row lookups of names)."""
    plan: list[tuple[int, str]] = []
    for col in columns[1:-1]:
        if col == "tags":
            plan.append((_TAGS, col))
        elif col.startswith("cf:"):
            plan.append((_CUSTOM, col[3:]))
        elif col in _EXTRA_ORDER:
            plan.append((_EXTRAS, col))
        else:
            plan.append((_CONTACT, col))
    return plan


def _ready_cells(p: PreparedRow, plan: list[tuple[int, str]]) -> list[Cell]:
    contact, extras, custom = p.contact, p.extras, p.custom_fields
    cells: list[Cell] = [p.source.row]
    append = cells.append
    for where, key in plan:
        if where == _CONTACT:
            value = contact.get(key)
        elif where == _TAGS:
            value = ", ".join(map(str, p.tags)) if p.tags else None
        elif where == _CUSTOM:
            value = custom.get(key)
        else:
            value = extras.get(key)
        append(value if value is None or type(value) is str else _cell(value))
    append(_warnings(p) if p.issues else "")
    return cells


def _warnings(prepared: PreparedRow) -> str:
    return "; ".join(f"{i.code}: {i.message}" for i in prepared.issues if i.severity == "warning")


def _first_error(prepared: PreparedRow) -> tuple[str, str]:
    errors = [i for i in prepared.issues if i.severity == "error"]
    message = "; ".join(i.message for i in errors)
    return errors[0].code, message


def run_check(preparation: Preparation, *, out_dir: Path | None = None) -> CheckResult:
    """Prepare every row and write the ready, failure and changes files; return the result."""
    info = preparation.table_info
    fmt: ReportFormat = "xlsx" if info.format == "xlsx" else "csv"
    delimiter = info.delimiter or ","
    folder, ready_path, failure_path, changes_path = check_paths(info.path, out_dir, fmt)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(_("cannot create the output folder: {strerror}").format(
            strerror=exc.strerror), path=folder,
                         hint=_("pass a writable folder with --out-dir")) from None  # fmt: skip
    columns = ready_columns(preparation.mapping)
    plan = _ready_plan(columns)
    user_cols = [h for h in info.headers if h not in REPORT_COLUMNS]
    ready = open_sheet_writer(ready_path, columns, fmt="csv", sheet_name="Ready")
    fail = open_sheet_writer(failure_path, [*FAILURE_COLUMNS, *user_cols], fmt=fmt,
                             delimiter=delimiter, sheet_name="Failures")  # fmt: skip
    changes = open_sheet_writer(changes_path, CHANGES_COLUMNS, fmt="csv", sheet_name="Changes")
    writers = (ready, fail, changes)
    try:
        write_change, write_ready = changes.write, ready.write
        for prepared in preparation:
            for ch in prepared.changes:
                write_change((ch.row, ch.column, ch.field, ch.before, ch.after))
            if not prepared.issues or prepared.ok:
                write_ready(_ready_cells(prepared, plan))
            else:
                code, message = _first_error(prepared)
                values = prepared.source.values
                fail.write([prepared.row, code, message, None, *(values.get(h) for h in user_cols)])
        for writer in writers:
            writer.close()
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    return CheckResult(preparation.summary, ready_path, failure_path, changes_path)
