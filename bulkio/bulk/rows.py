"""Reading the rows of a bulk command: which contact, and what to do to it.

Pure functions (no I/O): :func:`find_columns` picks the sheet's columns for an operation
once (contact reference plus the operation's own columns, matched by header synonyms,
Spanish included), and :func:`parse_row` turns one :class:`~bulkio.files.table.SourceRow` into a
:class:`RowJob` or a ``(code, message)`` failure from :data:`bulkio.errors.CODES`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from bulkio.bulk.resolve import ContactRef, RefColumns, column_for, read_ref
from bulkio.clean.normalize.dates import normalize_date
from bulkio.clean.normalize.text import parse_bool, split_tags
from bulkio.errors import InputError
from bulkio.i18n import _

Op = Literal[
    "tags-add", "tags-remove", "business-assign", "business-remove", "notes-add", "tasks-add",
    "workflow-add", "workflow-remove", "campaign-add", "campaign-remove", "followers-add",
    "followers-remove", "delete", "notes-update", "tasks-update", "tasks-complete",
    "campaign-remove-all",
]  # fmt: skip

#: the journal's ``command`` of each operation (what ``bulkio runs`` shows)
COMMANDS: dict[str, str] = {
    "tags-add": "tags add", "tags-remove": "tags remove",
    "business-assign": "business assign", "business-remove": "business remove",
    "notes-add": "notes add", "tasks-add": "tasks add",
    "workflow-add": "workflow add", "workflow-remove": "workflow remove",
    "campaign-add": "campaign add", "campaign-remove": "campaign remove",
    "followers-add": "followers add", "followers-remove": "followers remove",
    "delete": "delete",
    "notes-update": "notes update", "tasks-update": "tasks update",
    "tasks-complete": "tasks complete", "campaign-remove-all": "campaign remove --all",
}  # fmt: skip
OPS_BY_COMMAND = {v: k for k, v in COMMANDS.items()}

#: header synonyms of the operation columns (compared folded: no case, accents, spaces)
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "tags": ("tags", "tag", "etiquetas", "etiqueta"),
    "business": ("businessid", "business", "empresaid", "idempresa", "negocioid"),
    "business_name": ("businessname", "empresa", "company", "companyname", "negocio",
                      "nombreempresa", "nombredeempresa", "compania"),
    "note_body": ("body", "note", "notes", "nota", "notas", "texto", "comentario",
                  "comentarios", "cuerpo"),
    "note_title": ("title", "titulo", "asunto"),
    "pinned": ("pinned", "fijada", "fijar", "fijado", "anclada"),
    "user": ("userid", "user", "usuario", "autor", "author"),
    "color": ("color",),
    "task_title": ("title", "titulo", "tarea", "task", "asunto"),
    "task_body": ("body", "description", "descripcion", "detalle", "detalles", "notas"),
    "due": ("duedate", "due", "vence", "vencimiento", "fechalimite", "fechavencimiento",
            "fecha", "date"),
    "completed": ("completed", "completada", "completado", "hecha", "done"),
    "assigned": ("assignedto", "asignadoa", "asignado", "responsable", "owner"),
    "start": ("eventstarttime", "starttime", "start", "inicio", "fechainicio"),
    "followers": ("followers", "follower", "seguidores", "seguidor", "followerids"),
    "note_id": ("noteid", "idnota", "notaid"),
    "task_id": ("taskid", "idtarea", "tareaid"),
}  # fmt: skip

_LIST_SPLIT = re.compile(r"\s*[;,|\n]\s*")
_DATE_TIME = re.compile(r"^(.*?)[\sT]+(\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?)$",
                        re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?$", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class OpSettings:
    """The command-line side of an operation (values applied to every row)."""

    op: Op
    tags: tuple[str, ...] = ()
    tag_column: str | None = None
    all_tags: bool = False
    business_id: str | None = None
    business_column: str | None = None
    workflow_id: str | None = None
    campaign_id: str | None = None
    start_time: str | None = None
    followers: tuple[str, ...] = ()
    #: tags through the per-contact endpoints (``/contacts/{id}/tags``), not the bulk one
    per_contact: bool = False
    #: ``business assign``: create the businesses a name column names and none has
    create_businesses: bool = False
    #: the agency id, to find users by email or full name (followers)
    company_id: str | None = None


@dataclass(frozen=True, slots=True)
class Columns:
    """The sheet columns an operation reads (role -> header)."""

    ref: RefColumns
    roles: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowJob:
    """One row ready to run: its contact reference and the operation's payload."""

    row: int
    ref: ContactRef
    payload: dict[str, Any]

    def fingerprint(self, op: str) -> str:
        """Identity of what this row asks (contact + payload), independent of row number."""
        doc = {"op": op, "ref": [self.ref.contact_id, self.ref.email, self.ref.phone],
               "p": self.payload}
        data = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.blake2b(data.encode("utf-8"), digest_size=16).hexdigest()


Failure = tuple[str, str]


def _roles_for(settings: OpSettings) -> list[tuple[str, bool]]:
    """(role, required) columns of an operation."""
    op = settings.op
    if op.startswith("tags-"):
        if settings.tags and not settings.tag_column:
            return []  # --tags alone: the same tags for every row, no column read
        return [("tags", not settings.tags and not settings.all_tags)]
    if op == "business-assign":
        return [("business", False), ("business_name", False)]
    if op == "notes-add":
        return [("note_body", True), ("note_title", False), ("pinned", False), ("user", False),
                ("color", False)]
    if op == "tasks-add":
        return [("task_title", True), ("task_body", False), ("due", True),
                ("completed", False), ("assigned", False)]
    if op == "workflow-add":
        return [("start", False)]
    if op.startswith("followers-"):
        return [] if settings.followers else [("followers", True)]
    if op == "notes-update":
        return [("note_id", False), ("note_title", False), ("note_body", False),
                ("pinned", False), ("user", False), ("color", False)]
    if op == "tasks-update":
        return [("task_id", False), ("task_title", False), ("task_body", False),
                ("due", False), ("completed", False), ("assigned", False)]
    if op == "tasks-complete":
        return [("task_id", False), ("task_title", False), ("completed", False)]
    return []


def find_columns(headers: Sequence[str], settings: OpSettings) -> Columns:
    """Pick the sheet's columns for ``settings.op``; InputError names what is missing."""
    ref = RefColumns.find(headers)
    if not ref.any:
        raise InputError(
            "no contact_id, email or phone column found; headers: " + ", ".join(headers),
            hint=_("add a contact_id column (the success report of `bulkio import` has one), or "
                   "an email or phone column"),
        )
    explicit = {"tags": settings.tag_column, "business": settings.business_column}
    roles: dict[str, str] = {}
    for role, required in _roles_for(settings):
        column = column_for(headers, COLUMN_SYNONYMS[role], explicit=explicit.get(role))
        if column is None and explicit.get(role) is not None:
            raise InputError(f"column {explicit[role]!r} not found; headers: "
                             + ", ".join(headers), hint=_("check the column name (case and "
                                                          "accents are ignored)"))
        if column is None and required:
            names = ", ".join(COLUMN_SYNONYMS[role][:4])
            raise InputError(_("the {op} command needs a column named like {names}").format(
                op=settings.op, names=names),
                             hint=_option_hint(role))
        if column is not None and column not in roles.values():
            roles[role] = column
    if (settings.op == "business-assign" and settings.business_id is None
            and not {"business", "business_name"} & set(roles)):
        raise InputError(_("the business-assign command needs a column named like businessid, "
                           "business, empresaid (ids) or empresa, company (names)"),
                         hint=_option_hint("business"))
    return Columns(ref=ref, roles=roles)


def _option_hint(role: str) -> str:
    return {
        "tags": "add a tags column or pass --tags a,b",
        "business": "add a business_id (or empresa / company name) column or pass "
        "--business-id",
        "followers": "add a followers column (user ids) or pass --followers",
    }.get(role, "rename the column, or see `bulkio <command> --help`")


def _cell(values: Mapping[str, str | None], columns: Columns, role: str) -> str:
    column = columns.roles.get(role)
    return (values.get(column) or "").strip() if column else ""


def _split(raw: str) -> list[str]:
    return [p for p in _LIST_SPLIT.split(raw.strip()) if p]


def iso_instant(raw: str, *, order: str | None) -> str | Failure:
    """A date or date-time cell as ISO 8601 UTC (``2026-12-01T15:30:00Z``).

    ISO text with an offset keeps its instant; a bare date (any format
    :func:`~bulkio.clean.normalize.dates.normalize_date` reads, ``order`` for 01/02/2026) means
    midnight UTC; ``date HH:MM`` (optionally am/pm) is read as UTC.
    """
    text = raw.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is not None:
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    split = _DATE_TIME.match(text)
    date_part, time_part = (split.group(1), split.group(2)) if split else (text, "")
    moment = time(0, 0)
    if time_part:
        m = _TIME.match(time_part)
        if m is None:
            return ("invalid-date", f"{raw!r}: the time part is not HH:MM")
        hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if m.group(4):
            pm = m.group(4).lower().startswith("p")
            hour = hour % 12 + (12 if pm else 0)
        if hour > 23 or minute > 59 or second > 59:
            return ("invalid-date", f"{raw!r}: {time_part.strip()} is not a time of day")
        moment = time(hour, minute, second)
    res = normalize_date(date_part, order=order, allow_future=True)  # type: ignore[arg-type]
    if not res.ok:
        return (res.code or "invalid-date", res.message)
    day = date.fromisoformat(str(res.value))
    return datetime.combine(day, moment, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bool(raw: str, default: bool) -> bool | Failure:
    if not raw:
        return default
    res = parse_bool(raw)
    return bool(res.value) if res.ok else (res.code or "invalid-boolean", res.message)


def parse_row(
    row: int,
    values: Mapping[str, str | None],
    columns: Columns,
    settings: OpSettings,
    *,
    region: str | None = None,
    date_order: str | None = None,
) -> RowJob | Failure:
    """One row as a :class:`RowJob`, or ``(code, message)`` when it cannot be run."""
    ref = read_ref(values, columns.ref, region=region)
    if isinstance(ref, tuple):
        return ref
    payload = _payload(values, columns, settings, date_order)
    if isinstance(payload, tuple):
        return payload
    return RowJob(row=row, ref=ref, payload=payload)


def _payload(
    values: Mapping[str, str | None], columns: Columns, settings: OpSettings,
    date_order: str | None,
) -> dict[str, Any] | Failure:
    op = settings.op

    def cell(role: str) -> str:
        return _cell(values, columns, role)

    if op.startswith("tags-"):
        tags = list(dict.fromkeys([*settings.tags, *split_tags(cell("tags"))]))
        if not tags and not settings.all_tags:
            return ("missing-value", "the row has no tags")
        return {"tags": tags}
    if op == "business-assign":
        business = cell("business") or settings.business_id
        if business:
            return {"business_id": business}
        if cell("business_name"):
            return {"business_name": cell("business_name")}
        return ("missing-value", "the row has no business id or name")
    if op == "notes-add":
        return _note(cell)
    if op == "tasks-add":
        return _task(cell, date_order)
    if op == "workflow-add":
        start = cell("start") or settings.start_time
        if not start:
            return {}
        instant = iso_instant(start, order=date_order)
        return {"event_start_time": instant} if isinstance(instant, str) else instant
    if op.startswith("followers-"):
        followers = list(dict.fromkeys([*settings.followers, *_split(cell("followers"))]))
        if not followers:
            return ("missing-value", "the row has no follower user ids")
        return {"followers": followers}
    if op in ("notes-update", "tasks-update", "tasks-complete"):
        return edit_payload(op, cell, date_order)
    return {}


def edit_payload(op: str, cell: Callable[[str], str],
                 date_order: str | None) -> dict[str, Any] | Failure:
    """A notes/tasks edit: which item (``id``, else ``match_title``) and the fields to set.

    With an id column the title column is a new title; without one it names the item (the
    contact's only note or task with that title) and is not changed.
    """
    kind = "note" if op == "notes-update" else "task"
    item_id = cell(f"{kind}_id")
    title = cell("note_title" if kind == "note" else "task_title")
    if not item_id and not title:
        return ("missing-value", f"the row has neither a {kind} id nor a {kind} title")
    changes: dict[str, Any] = {}
    if item_id and title:
        changes["title"] = title
    if op == "tasks-complete":
        done = _bool(cell("completed"), True)
        if isinstance(done, tuple):
            return done
        changes = {"completed": done}
    elif kind == "note":
        for role, key in (("note_body", "body"), ("user", "userId"), ("color", "color")):
            if cell(role):
                changes[key] = cell(role)
        if cell("pinned"):
            pinned = _bool(cell("pinned"), False)
            if isinstance(pinned, tuple):
                return pinned
            changes["pinned"] = pinned
    else:
        for role, key in (("task_body", "body"), ("assigned", "assignedTo")):
            if cell(role):
                changes[key] = cell(role)
        if cell("due"):
            due = iso_instant(cell("due"), order=date_order)
            if isinstance(due, tuple):
                return due
            changes["dueDate"] = due
        if cell("completed"):
            done = _bool(cell("completed"), False)
            if isinstance(done, tuple):
                return done
            changes["completed"] = done
    if not changes:
        return ("missing-value", f"the row changes nothing in the {kind}")
    target = {"id": item_id} if item_id else {"match_title": title}
    return {kind: target, "changes": changes}


def _note(cell: Callable[[str], str]) -> dict[str, Any] | Failure:
    body = cell("note_body")
    if not body:
        return ("missing-value", "the row has no note text")
    note: dict[str, Any] = {"body": body}
    for role, key in (("note_title", "title"), ("user", "userId"), ("color", "color")):
        if cell(role):
            note[key] = cell(role)
    pinned = _bool(cell("pinned"), False)
    if isinstance(pinned, tuple):
        return pinned
    if cell("pinned"):
        note["pinned"] = pinned
    return {"note": note}


def _task(cell: Callable[[str], str], date_order: str | None) -> dict[str, Any] | Failure:
    title = cell("task_title")
    if not title:
        return ("missing-value", "the row has no task title")
    raw_due = cell("due")
    if not raw_due:
        return ("missing-value", "the row has no due date (the API requires one)")
    due = iso_instant(raw_due, order=date_order)
    if isinstance(due, tuple):
        return due
    completed = _bool(cell("completed"), False)
    if isinstance(completed, tuple):
        return completed
    task: dict[str, Any] = {"title": title, "dueDate": due, "completed": completed}
    if cell("task_body"):
        task["body"] = cell("task_body")
    if cell("assigned"):
        task["assignedTo"] = cell("assigned")
    return {"task": task}
