"""Export columns: which contact fields become which cells, in a stable order.

A contact from the search API is a JSON object; a row is a list of strings, one per
:class:`Column`. Formatting rules: tags and multi-value custom fields are joined with
``", "``; ``dateAdded``/``dateUpdated``/``lastActivity`` are ISO 8601 (UTC, ``Z``) even
when the API answers epoch milliseconds; ``dateOfBirth`` and DATE custom fields are
``YYYY-MM-DD`` whatever shape the API returns (``1990-09-25``, ``1990-09-25T00:00:00Z``,
epoch ms); booleans are ``true``/``false``; missing values are empty cells.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from bulkio.export.filters import CustomFieldIndex, FilterError
from bulkio.i18n import _

ColumnKind = Literal["text", "list", "datetime", "date", "custom", "path"]

#: The default columns, in order; custom fields follow in the location's display order.
DEFAULT_COLUMNS: tuple[str, ...] = (
    "id",
    "firstName",
    "lastName",
    "email",
    "phone",
    "companyName",
    "address1",
    "city",
    "state",
    "postalCode",
    "country",
    "dateOfBirth",
    "tags",
    "source",
    "dateAdded",
    "dateUpdated",
)
#: Further standard fields ``--columns`` may name.
EXTRA_COLUMNS: tuple[str, ...] = (
    "name",
    "website",
    "timezone",
    "dnd",
    "type",
    "assignedTo",
    "businessId",
    "followers",
    "lastActivity",
    "locationId",
    "gender",
    "businessName",
    "additionalEmails",
    "additionalPhones",
    "ssn",
    "keyword",
    "visitorId",
)
#: Channels of ``dndSettings`` (v3 keys) and of ``inboundDndSettings``.
DND_CHANNELS: tuple[str, ...] = ("call", "email", "sms", "whatsApp", "gmb", "fb")
#: Fields of an attribution (spec: AttributionSource), first (``attributionSource``) and last.
ATTRIBUTION_FIELDS: tuple[str, ...] = (
    "url", "campaign", "utmSource", "utmMedium", "utmContent", "referrer", "campaignId",
    "fbclid", "gclid", "msclikid", "dclid", "fbc", "fbp", "fbEventId", "userAgent", "ip",
    "medium", "mediumId",
)  # fmt: skip
#: Nested fields ``--columns`` may name as ``parent.child`` (a DND channel is its status).
PATH_COLUMNS: tuple[str, ...] = (
    *(f"dndSettings.{c}" for c in DND_CHANNELS),
    "inboundDndSettings.all",
    *(f"attributionSource.{f}" for f in ATTRIBUTION_FIELDS),
    *(f"lastAttributionSource.{f}" for f in ATTRIBUTION_FIELDS),
)
#: ``--columns all``: every field of the contact schema, then every custom field.
ALL_PRESET = "all"
_KINDS: dict[str, ColumnKind] = {
    "tags": "list",
    "followers": "list",
    "additionalEmails": "list",
    "additionalPhones": "list",
    "dateAdded": "datetime",
    "dateUpdated": "datetime",
    "lastActivity": "datetime",
    "dateOfBirth": "date",
}
#: Columns kept as text in XLSX so Excel does not eat leading zeros or the ``+``.
TEXT_COLUMNS = frozenset({"phone", "postalCode"})
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_DATE_FORMATS = ("%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%Y%m%d")
#: Custom field types whose value is a list.
_MULTI_TYPES = frozenset({"MULTIPLE_OPTIONS", "CHECKBOX", "FILE_UPLOAD"})


@dataclass(frozen=True)
class Column:
    """One output column: ``header`` as shown, ``key`` the contact key or custom field id."""

    header: str
    key: str
    kind: ColumnKind = "text"
    custom_type: str = ""

    @property
    def is_text(self) -> bool:
        return self.key in TEXT_COLUMNS


def custom_headers(custom: CustomFieldIndex) -> list[tuple[str, Mapping[str, Any]]]:
    """Header names for custom fields: the human name, made unique with the field key."""
    taken = {c.casefold() for c in (*DEFAULT_COLUMNS, *EXTRA_COLUMNS)}
    counts: dict[str, int] = {}
    for f in custom.fields:
        name = str(f.get("name") or f["id"]).casefold()
        counts[name] = counts.get(name, 0) + 1
    out: list[tuple[str, Mapping[str, Any]]] = []
    for f in custom.fields:
        name = str(f.get("name") or f["id"])
        if counts[name.casefold()] > 1 or name.casefold() in taken:
            name = f"{name} ({f.get('fieldKey') or f['id']})"
        out.append((name, f))
    return out


def resolve_columns(selected: Sequence[str] | None, custom: CustomFieldIndex) -> list[Column]:
    """The columns to write: ``selected`` (``--columns``) or the default set plus custom fields.

    ``selected`` names standard fields or custom fields (by name, ``contact.<key>`` or id),
    in the order wanted; unknown names raise :class:`FilterError` (a usage error).
    """
    by_header = {h: f for h, f in custom_headers(custom)}
    header_of = {str(f["id"]): h for h, f in by_header.items()}
    standard = {c.casefold(): c for c in (*DEFAULT_COLUMNS, *EXTRA_COLUMNS, *PATH_COLUMNS)}
    if selected is not None and [s.strip().casefold() for s in selected] == [ALL_PRESET]:
        every = [*DEFAULT_COLUMNS, *EXTRA_COLUMNS, *PATH_COLUMNS]
        return [_standard(c) for c in every] + [_custom(h, f) for h, f in by_header.items()]
    if selected is None:
        cols = [_standard(c) for c in DEFAULT_COLUMNS]
        return cols + [_custom(h, f) for h, f in by_header.items()]
    cols = []
    seen: set[str] = set()
    for raw in selected:
        name = raw.strip()
        if not name:
            continue
        if name.casefold() in standard:
            col = _standard(standard[name.casefold()])
        elif name in by_header:
            col = _custom(name, by_header[name])
        else:
            found = custom.find(name)
            if found is None:
                known = ", ".join([*DEFAULT_COLUMNS, *EXTRA_COLUMNS, *by_header])
                raise FilterError(_("unknown column {name}").format(name=repr(name)),
                                  hint=_("use all, one of: {known}, or dndSettings.<channel>, "
                                         "inboundDndSettings.all, attributionSource.<field>, "
                                         "lastAttributionSource.<field>").format(known=known))
            hdr = header_of[str(found["id"])]
            col = _custom(hdr, found)
        if col.header in seen:
            raise FilterError(
                _("column {header} is listed twice in --columns").format(header=repr(col.header)),
                hint=_("list each column once, e.g. --columns id,email,phone"),
            )
        seen.add(col.header)
        cols.append(col)
    if not cols:
        raise FilterError(_("--columns names no column"), hint=_("e.g. --columns id,email,phone"))
    return cols


def _standard(name: str) -> Column:
    if "." in name:
        return Column(header=name, key=name, kind="path")
    return Column(header=name, key=name, kind=_KINDS.get(name, "text"))


def path_value(contact: Mapping[str, Any], key: str) -> str:
    """The cell of a nested column (``dndSettings.sms`` -> that channel's status)."""
    value: Any = contact
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, Mapping) and "status" in value:
        value = value["status"]
    return _text(value)


def _item_text(value: Any) -> str:
    """An item of additionalEmails / additionalPhones: a string or ``{email|phone, ...}``."""
    if isinstance(value, Mapping):
        for key in ("email", "phone", "value"):
            if value.get(key):
                return str(value[key])
    return _text(value)


def _custom(header: str, field: Mapping[str, Any]) -> Column:
    return Column(
        header=header,
        key=str(field["id"]),
        kind="custom",
        custom_type=str(field.get("dataType") or "").upper(),
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value if v is not None and v != "")
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def format_datetime(value: Any) -> str:
    """ISO 8601 in UTC for API timestamps (ISO strings pass through, epoch ms converted)."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        stamp = datetime.fromtimestamp(value / 1000, tz=UTC)
        return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return str(value)


def format_date(value: Any) -> str:
    """``YYYY-MM-DD`` from an ISO date/datetime, epoch milliseconds or a slashed date."""
    if type(value) is str and len(value) == 10 and _DATE_RE.match(value):
        return value
    if value is None or value == "":
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC).date().isoformat()
    if isinstance(value, Mapping):
        try:
            return f"{int(value['year']):04d}-{int(value['month']):02d}-{int(value['day']):02d}"
        except (KeyError, TypeError, ValueError):
            return _text(value)
    text = str(value).strip()
    match = _DATE_RE.match(text)
    if match:
        return "-".join(match.groups())
    if text.isdigit() and len(text) >= 9:
        return format_date(int(text))
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text


def custom_values(contact: Mapping[str, Any]) -> dict[str, Any]:
    """Custom field values of a contact by field id (``customFields: [{id, value}]``)."""
    raw = contact.get("customFields")
    if type(raw) is list:
        try:
            return {item["id"]: item["value"] for item in raw}
        except (KeyError, TypeError):
            pass
    out: dict[str, Any] = {}
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping) and "id" in item:
                out[str(item["id"])] = item.get("value", item.get("fieldValue"))
    elif isinstance(raw, Mapping):
        out.update({str(k): v for k, v in raw.items()})
    return out


RowFormatter = Callable[[Mapping[str, Any]], list[str]]


def _join(value: Any) -> str:
    if type(value) is str:
        return value
    if type(value) is list:
        try:
            return ", ".join(value)
        except TypeError:
            return ", ".join(_item_text(v) for v in value if v is not None and v != "")
    return _text(value)


def _keep_date(value: Any) -> str:
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return value
    return format_date(value)


def _converters(col: Column) -> tuple[Callable[[Any], str] | None, Callable[[Any], str]]:
    """(conversion applied to every value or None, fix for a value that is not a str)."""
    if col.kind == "datetime":
        return None, format_datetime
    if col.kind == "date" or (col.kind == "custom" and col.custom_type == "DATE"):
        return _keep_date, format_date
    if col.kind == "list" or col.custom_type in _MULTI_TYPES:
        return _join, _join
    if col.kind == "custom":
        return None, _join
    return None, _text


def row_formatter(columns: Sequence[Column]) -> RowFormatter:
    """A function turning one contact into its row of cells.

    Built for speed (it runs once per exported contact): standard values are fetched in
    one C-level ``map``, string values pass as they are (only dates are re-shaped), and a
    single type check sends the rest (lists, numbers, epoch timestamps) to their column's
    converter.
    """
    # cells are built standard columns first, custom fields after them (the usual layout;
    # any other order is a permutation of that row)
    order = [i for i, c in enumerate(columns) if c.kind != "custom"]
    order += [i for i, c in enumerate(columns) if c.kind == "custom"]
    built = [columns[i] for i in order]
    std_keys = [c.key for c in built if c.kind != "custom"]
    custom_keys = [c.key for c in built if c.kind == "custom"]
    std_defaults = [""] * len(std_keys)
    custom_defaults = [""] * len(custom_keys)
    pairs = [_converters(c) for c in built]
    # the per-column conversions, inlined below for the two usual kinds (no call per cell)
    list_idx = [i for i, (conv, _) in enumerate(pairs) if conv is _join]
    path_idx = [(i, c.key) for i, c in enumerate(built) if c.kind == "path"]
    date_idx = [i for i, (conv, _) in enumerate(pairs) if conv is _keep_date]
    other = [
        (i, conv) for i, (conv, _) in enumerate(pairs) if conv not in {None, _join, _keep_date}
    ]
    fixes = [fix for _, fix in pairs]
    id_value = operator.itemgetter("id", "value")
    join = ", ".join
    all_str = "".join

    def fmt(contact: Mapping[str, Any]) -> list[str]:
        row: list[Any] = list(map(contact.get, std_keys, std_defaults))
        if custom_keys:
            raw = contact.get("customFields")
            if type(raw) is list:
                try:
                    cf = dict(map(id_value, raw))
                except (KeyError, TypeError):
                    cf = custom_values(contact)
            else:
                cf = custom_values(contact)
            row.extend(map(cf.get, custom_keys, custom_defaults))
        for i, key in path_idx:
            row[i] = path_value(contact, key)
        for i in list_idx:
            v = row[i]
            if type(v) is list:
                try:
                    row[i] = join(v)
                except TypeError:
                    row[i] = _join(v)
            elif type(v) is not str:
                row[i] = _text(v)
        for i in date_idx:
            v = row[i]
            # only YYYY-MM-DD passes as is; a slashed date of the same length is re-shaped
            if type(v) is not str or len(v) != 10 or v[4] != "-" or v[7] != "-":
                row[i] = format_date(v)
        if other:
            for i, conv in other:
                row[i] = conv(row[i])
        try:
            all_str(row)  # raises TypeError when a cell is not a str (a number, a list...)
        except TypeError:
            row = [v if type(v) is str else fix(v) for v, fix in zip(row, fixes, strict=True)]
        return row

    if order == list(range(len(columns))):
        return fmt
    place = sorted(range(len(order)), key=order.__getitem__)

    def fmt_mixed(contact: Mapping[str, Any]) -> list[str]:
        row = fmt(contact)
        return [row[k] for k in place]

    return fmt_mixed


#: Columns of the related-data sheets/files written by ``--include``.
RELATED_COLUMNS: dict[str, tuple[str, ...]] = {
    "notes": ("contactId", "id", "body", "userId", "dateAdded", "title", "pinned", "color"),
    "tasks": ("contactId", "id", "title", "body", "dueDate", "completed", "assignedTo"),
    "appointments": ("contactId", "id", "calendarId", "title", "status", "appointmentStatus",
                     "startTime", "endTime", "assignedUserId", "address", "notes", "dateAdded",
                     "dateUpdated"),
}
_RELATED_TIMES = frozenset({"dateAdded", "dateUpdated", "dueDate", "startTime", "endTime"})


def related_row(kind: str, contact_id: str, item: Mapping[str, Any]) -> list[str]:
    """One note or task as a row of :data:`RELATED_COLUMNS` cells."""
    row: list[str] = []
    for key in RELATED_COLUMNS[kind]:
        if key == "contactId":
            row.append(str(item.get("contactId") or contact_id))
        elif key in _RELATED_TIMES:
            row.append(format_datetime(item.get(key)))
        else:
            row.append(_text(item.get(key)))
    return row
