"""Command-line filter syntax for ``bulkio export``, translated to the search API grammar.

The syntax (one expression per ``--filter``; several are ANDed)::

    field=value        eq              tags=vip, country=MX, Plan=Gold (also ==)
    field!=value       not_eq          country!=MX
    field~value        contains        name~ana
    field!~value       not_contains    name!~ana
    field>=value       range (gte)     dateAdded>=2026-01-01   (also >, <=, <)
    field exists       exists          email exists
    field not exists   not_exists      phone not exists

Field names are the contact's (``firstName``, ``email``, ``dateUpdated``...) or a custom
field's human name or key (``Plan``, ``contact.plan``), resolved to ``customFields.<id>``
from ``GET /locations/{id}/customFields``. The search grammar (``{field, operator,
value}``, operators eq, not_eq, contains, not_contains, exists, not_exists, range) is
described in the stored spec notes (``shared/spec/README.md``): the OpenAPI file leaves
the search body schema empty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bulkio.errors import BulkioError
from bulkio.i18n import _

#: One line users see when a filter does not parse (the CLI prints it with exit 2).
FILTER_SYNTAX = (
    "filters look like 'field=value', 'field!=value', 'field~text' (contains), "
    "'field!~text', 'field>=value' (also >, <=, <), 'field exists' or 'field not exists'"
)
SORT_SYNTAX = "sort looks like 'field', 'field:asc' or 'field:desc' (at most 2)"

#: Operators of the search API (the stored spec notes list them).
API_OPERATORS = frozenset(
    {"eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range"}
)
_RANGE_OPS = {">=": "gte", ">": "gt", "<=": "lte", "<": "lt"}
_OPS = {"=": "eq", "==": "eq", "!=": "not_eq", "~": "contains", "!~": "not_contains", **_RANGE_OPS}
# Longest operators first so '!=' is not read as '!' + '='.
_OP_RE = re.compile(r"^(?P<field>[^=!~<>]+?)\s*(?P<op>!=|!~|>=|<=|==|=|~|>|<)\s*(?P<value>.*)$")
_EXISTS_RE = re.compile(r"^(?P<field>.+?)\s+(?P<neg>not\s+|!)?exists$", re.IGNORECASE)

#: Standard contact fields a filter may name -> the search API field it maps to. Names
#: ending in ``LowerCase`` are the API's case-folded copies (values are lowercased).
SEARCH_FIELDS: dict[str, str] = {
    "id": "id",
    "firstName": "firstNameLowerCase",
    "lastName": "lastNameLowerCase",
    "name": "fullNameLowerCase",
    "email": "email",
    "phone": "phone",
    "companyName": "companyName",
    "address1": "address1",
    "city": "city",
    "state": "state",
    "postalCode": "postalCode",
    "country": "country",
    "dateOfBirth": "dateOfBirth",
    "tags": "tags",
    "source": "source",
    "type": "type",
    "dnd": "dnd",
    "assignedTo": "assignedTo",
    "businessId": "businessId",
    "website": "website",
    "timezone": "timezone",
    "dateAdded": "dateAdded",
    "dateUpdated": "dateUpdated",
    "followers": "followers",
}
_BOOLEAN_FIELDS = {"dnd"}
# Timestamps the search compares as instants: a value must be an ISO date/time or epoch ms.
_DATE_FIELDS = {"dateAdded", "dateUpdated"}
_DATE_HINT = "give a date like 2026-01-01, 2026-01-01T08:00:00Z, or epoch milliseconds"
_LOWER_SUFFIX = "LowerCase"


class FilterError(BulkioError):
    """A --filter, --sort or --filter-file the export cannot use (a usage error, exit 2)."""

    hint = FILTER_SYNTAX


@dataclass(frozen=True)
class FilterExpr:
    """One parsed ``--filter``: ``op`` is an API operator; ``bound`` is set for ranges."""

    text: str
    field: str
    op: str
    value: str | None = None
    bound: str | None = None  # gte / gt / lte / lt when op == "range"


@dataclass(frozen=True)
class SortSpec:
    """One ``--sort field[:asc|desc]``."""

    field: str
    direction: str = "asc"


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def parse_filter(text: str) -> FilterExpr:
    """Parse one ``--filter`` expression; raises :class:`FilterError` on bad syntax."""
    stripped = text.strip()
    match = _OP_RE.match(stripped)
    if match:
        field = _unquote(match["field"])
        value = _unquote(match["value"])
        if not field:
            raise FilterError(_("filter {text} has no field name").format(text=repr(text)))
        if value == "":
            raise FilterError(
                _("filter {text} has no value").format(text=repr(text)),
                hint=_("use '{field} not exists' for empty fields; {FILTER_SYNTAX}").format(
                    field=field, FILTER_SYNTAX=FILTER_SYNTAX),
            )
        api_op = _OPS[match["op"]]
        if api_op in _RANGE_OPS.values():
            return FilterExpr(text=text, field=field, op="range", value=value, bound=api_op)
        return FilterExpr(text=text, field=field, op=api_op, value=value)
    match = _EXISTS_RE.match(stripped)
    if match:
        field = _unquote(match["field"])
        return FilterExpr(text=text, field=field, op="not_exists" if match["neg"] else "exists")
    raise FilterError(_("cannot read filter {text}").format(text=repr(text)))


def parse_sort(text: str) -> SortSpec:
    """Parse one ``--sort`` value."""
    field, _, direction = text.strip().partition(":")
    field, direction = field.strip(), (direction.strip().lower() or "asc")
    if not field or direction not in {"asc", "desc"}:
        raise FilterError(f"cannot read sort {text!r}", hint=SORT_SYNTAX)
    return SortSpec(field=field, direction=direction)


def load_filter_file(path: str | Path) -> list[dict[str, Any]]:
    """Read raw API filters (a JSON list, or an object with a ``filters`` list)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise FilterError(_("cannot read filter file {path}: {strerror}").format(
            path=path, strerror=exc.strerror)) from exc
    except json.JSONDecodeError as exc:
        raise FilterError(
            _("filter file {path} is not valid JSON (line {lineno}: {msg})").format(
                path=path, lineno=exc.lineno, msg=exc.msg),
            hint=_("the file holds a JSON list of {field, operator, value} or {group, filters}"),
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("filters"), list):
        data = data["filters"]
    if not isinstance(data, list) or not all(isinstance(f, dict) for f in data):
        raise FilterError(
            _("filter file {path} must hold a JSON list of filter objects").format(path=path),
            hint="e.g. [{\"field\": \"tags\", \"operator\": \"eq\", \"value\": \"vip\"}]",
        )
    for item in data:
        _check_raw(item, path)
    return list(data)


def _check_raw(item: Mapping[str, Any], path: str | Path) -> None:
    if "group" in item:
        if item["group"] not in {"AND", "OR"} or not isinstance(item.get("filters"), list):
            raise FilterError(_("filter file {path}: a group needs 'group': AND|OR and "
                                "'filters'").format(path=path))
        for sub in item["filters"]:
            if not isinstance(sub, dict):
                raise FilterError(_("filter file {path}: group members must be objects").format(
                    path=path))
            _check_raw(sub, path)
        return
    if not isinstance(item.get("field"), str) or not isinstance(item.get("operator"), str):
        raise FilterError(_("filter file {path}: every filter needs 'field' and 'operator'").format(
            path=path))
    if item["operator"] not in API_OPERATORS:
        raise FilterError(
            _("filter file {path}: unknown operator {item}").format(
                path=path, item=repr(item['operator'])),
            hint=_("use one of: {names}").format(names=', '.join(sorted(API_OPERATORS))),
        )


@dataclass(frozen=True)
class CustomFieldIndex:
    """Custom fields of a location, looked up by id, human name or ``contact.<key>``."""

    fields: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_api(cls, fields: Iterable[Mapping[str, Any]]) -> CustomFieldIndex:
        """Keep contact fields (``model`` absent or ``contact``) in display order."""
        kept = [f for f in fields if f.get("model", "contact") == "contact" and f.get("id")]
        kept.sort(key=lambda f: (_position(f), str(f.get("name", "")).casefold(), str(f["id"])))
        return cls(fields=tuple(kept))

    def find(self, ref: str) -> Mapping[str, Any] | None:
        """Find a field by id, exact/case-insensitive name, or field key."""
        folded = ref.strip().casefold()
        key = folded if folded.startswith("contact.") else f"contact.{folded}"
        for match in (
            lambda f: f.get("id") == ref,
            lambda f: str(f.get("name", "")).casefold() == folded,
            lambda f: str(f.get("fieldKey", "")).casefold() == key,
        ):
            found = [f for f in self.fields if match(f)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise FilterError(
                    _("{ref} names {n} custom fields").format(ref=repr(ref), n=len(found)),
                    hint=_("use the field key (contact.<key>) or id instead"),
                )
        return None

    def names(self) -> list[str]:
        return [str(f.get("name", f["id"])) for f in self.fields]


def _position(field: Mapping[str, Any]) -> float:
    pos = field.get("position")
    return float(pos) if isinstance(pos, int | float) else float("inf")


def _api_field(name: str, custom: CustomFieldIndex) -> tuple[str, Mapping[str, Any] | None]:
    if name in SEARCH_FIELDS:
        return SEARCH_FIELDS[name], None
    if name.startswith("customFields.") or name in SEARCH_FIELDS.values():
        return name, None
    folded = {k.casefold(): v for k, v in SEARCH_FIELDS.items()}
    if name.casefold() in folded:
        return folded[name.casefold()], None
    cf = custom.find(name)
    if cf is not None:
        return f"customFields.{cf['id']}", cf
    known = ", ".join(list(SEARCH_FIELDS) + custom.names())
    raise FilterError(
        _("unknown field {name} in a filter or sort").format(name=repr(name)),
        hint=_("use one of: {known}").format(known=known),
    )


def _check_date(value: str, api_field: str) -> None:
    """Refuse a value the API would answer 422 to, so a typo is a usage error (exit 2)."""
    text = value.strip()
    if text.isdigit():
        return
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise FilterError(_("{api_field} takes a date, not {value}").format(
            api_field=api_field, value=repr(value)), hint=_DATE_HINT) from None


def _typed(value: str, api_field: str, cf: Mapping[str, Any] | None) -> Any:
    if api_field in _DATE_FIELDS:
        _check_date(value, api_field)
        return value
    if api_field in _BOOLEAN_FIELDS:
        low = value.lower()
        if low in {"true", "yes", "1"}:
            return True
        if low in {"false", "no", "0"}:
            return False
        raise FilterError(
            _("{api_field} takes true or false, not {value}").format(
                api_field=api_field, value=repr(value)),
            hint=f"e.g. --filter '{api_field}=true'",
        )
    if cf is not None and str(cf.get("dataType", "")).upper() in {"NUMERICAL", "MONETORY"}:
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    if api_field.endswith(_LOWER_SUFFIX):
        return value.lower()
    return value


def build_filters(
    exprs: Sequence[FilterExpr],
    *,
    custom: CustomFieldIndex,
    raw: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Turn parsed expressions (ANDed) plus raw filters into the search ``filters`` list.

    Range bounds on one field merge into a single ``range`` filter, so
    ``dateAdded>=2026-01-01`` and ``dateAdded<2026-02-01`` select January.
    """
    out: list[dict[str, Any]] = []
    ranges: dict[str, dict[str, Any]] = {}
    for expr in exprs:
        api_field, cf = _api_field(expr.field, custom)
        if expr.op == "range":
            assert expr.bound is not None and expr.value is not None
            bounds = ranges.get(api_field)
            if bounds is None:
                bounds = ranges[api_field] = {}
                out.append({"field": api_field, "operator": "range", "value": bounds})
            if expr.bound in bounds:
                raise FilterError(
                    _("two {bound} bounds for {field} ({text})").format(
                        bound=expr.bound, field=expr.field, text=repr(expr.text)),
                    hint=_("give {field} at most one lower and one upper bound, e.g. --filter "
                           "'{field}>=2026-01-01' --filter '{field}<2026-02-01'").format(
                        field=expr.field),
                )
            bounds[expr.bound] = _typed(expr.value, api_field, cf)
        elif expr.op in {"exists", "not_exists"}:
            out.append({"field": api_field, "operator": expr.op})
        else:
            assert expr.value is not None
            value = _typed(expr.value, api_field, cf)
            out.append({"field": api_field, "operator": expr.op, "value": value})
    out.extend(dict(r) for r in raw)
    return out


def build_sort(sorts: Sequence[SortSpec], *, custom: CustomFieldIndex) -> list[dict[str, str]]:
    """Turn ``--sort`` values (at most two) into the search ``sort`` list."""
    if len(sorts) > 2:
        raise FilterError(_("at most 2 --sort options"), hint=SORT_SYNTAX)
    return [
        {"field": _api_field(s.field, custom)[0], "direction": s.direction} for s in sorts
    ]
