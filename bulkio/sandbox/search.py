"""POST /contacts/search: filters, sort and both pagination modes, compiled to SQL.

Documented (spec README): body ``{locationId, pageLimit, page | searchAfter, filters, sort,
query}``; ``page`` pagination stops at 10,000 results, ``searchAfter`` goes beyond.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from bulkio.sandbox.storage import Store
from bulkio.sandbox.validation import bad_request, unprocessable

MAX_PAGE_LIMIT = 500
PAGE_WINDOW = 10_000
SEARCH_FIELDS = {"locationId", "pageLimit", "page", "searchAfter", "filters", "sort", "query"}
OPERATORS = ("eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range")

_TEXT_FIELDS = (
    "id", "firstName", "lastName", "name", "email", "phone", "companyName", "address1",
    "city", "state", "country", "postalCode", "source", "type", "website", "timezone",
    "assignedTo", "businessId", "gender", "dateOfBirth", "firstNameLowerCase",
    "lastNameLowerCase", "fullNameLowerCase", "emailLowerCase",
)  # fmt: skip
_DATE_COLUMNS = {"dateAdded": "date_added", "dateUpdated": "date_updated"}
_SORTABLE = {
    "dateAdded", "dateUpdated", "firstName", "lastName", "firstNameLowerCase",
    "lastNameLowerCase", "fullNameLowerCase", "email", "companyName", "city", "state",
    "country", "postalCode", "source", "businessId", "dateOfBirth",
}  # fmt: skip
_LOWER_ALIASES = {
    "firstNameLowerCase": "firstName", "lastNameLowerCase": "lastName",
    "fullNameLowerCase": "name", "emailLowerCase": "email",
}  # fmt: skip


# fields with their own indexed column (cheaper than json_extract on every row)
_COLUMNS = {"email": "email_lower", "emailLowerCase": "email_lower", "phone": "phone",
            "businessId": "business_id", "id": "id"}  # fmt: skip


def _text_expr(field: str) -> str:
    if field in _COLUMNS:
        return _COLUMNS[field]
    source = _LOWER_ALIASES.get(field, field)
    return f"json_extract(data, '$.{source}')"


_INT_LIMIT = 2**63 - 1
_MS_LIMIT = 8_640_000_000_000_000  # the largest JavaScript Date, in epoch ms
MAX_VALUES = 1000


def scalar_value(value: Any) -> Any:
    """A filter value as class-validator lets it through: a string, a boolean or a finite
    number within 64 bits; anything else is 422 (never a crash further down)."""
    if isinstance(value, (str, bool)):
        return value
    if isinstance(value, int) and -_INT_LIMIT <= value <= _INT_LIMIT:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise unprocessable(["value must be a string, a number or a boolean"])


def _values(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_VALUES:
        raise unprocessable([f"value must contain no more than {MAX_VALUES} elements"])
    return [scalar_value(v) for v in items]


def _to_ms(value: Any) -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not (math.isfinite(value) and -_MS_LIMIT <= value <= _MS_LIMIT):
            raise unprocessable([f"invalid date value {str(value)[:40]!r}"])
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 16:
            return int(text)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.year > 1:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return int(parsed.timestamp() * 1000)
    raise unprocessable([f"invalid date value {str(value)[:40]!r}"])


class _Compiler:
    def __init__(self) -> None:
        self.params: list[Any] = []

    def group(self, filters: Any, joiner: str) -> str:
        if not isinstance(filters, list):
            raise unprocessable(["filters must be an array"])
        parts = [self.node(f) for f in filters]
        if not parts:
            return "1"
        return "(" + f" {joiner} ".join(parts) + ")"

    def node(self, node: Any) -> str:
        if not isinstance(node, dict):
            raise unprocessable(["each filter must be an object"])
        if "group" in node:
            group = node["group"].upper() if isinstance(node["group"], str) else ""
            if group not in ("AND", "OR") or set(node) - {"group", "filters"}:
                raise unprocessable(["group must be one of: AND, OR"])
            return self.group(node.get("filters", []), group)
        extra = set(node) - {"field", "operator", "value"}
        if extra:
            raise unprocessable([f"property {sorted(extra)[0]} should not exist"])
        field, op, value = node.get("field"), node.get("operator"), node.get("value")
        if not isinstance(op, str) or op not in OPERATORS:
            raise unprocessable([f"operator must be one of: {', '.join(OPERATORS)}"])
        if not isinstance(field, str):
            raise unprocessable(["field must be a string"])
        if field == "tags":
            return self.tags(op, value)
        if field.startswith("customFields."):
            return self.custom(field.split(".", 1)[1], op, value)
        if field in _DATE_COLUMNS:
            return self.scalar(_DATE_COLUMNS[field], op, value, date=True)
        if field in ("dnd",):
            return self.scalar("json_extract(data, '$.dnd')", op, value, boolean=True)
        if field == "followers":
            return self.array("json_extract(data, '$.followers')", op, value, lower=False)
        if field not in _TEXT_FIELDS:
            raise unprocessable([f"field {field} is not supported for filtering"])
        return self.scalar(_text_expr(field), op, value)

    def scalar(
        self, expr: str, op: str, value: Any, *, date: bool = False, boolean: bool = False
    ) -> str:
        if op == "exists":
            return f"({expr} IS NOT NULL AND {expr} != '')"
        if op == "not_exists":
            return f"({expr} IS NULL OR {expr} = '')"
        if op == "range":
            if not isinstance(value, dict) or not set(value) <= {"gt", "gte", "lt", "lte"}:
                raise unprocessable(["range value must be an object with gt, gte, lt or lte"])
            conds = []
            for key, sym in (("gt", ">"), ("gte", ">="), ("lt", "<"), ("lte", "<=")):
                if key in value:
                    conds.append(f"{expr} {sym} ?")
                    if not date:
                        self.params.append(scalar_value(value[key]))
                    else:  # date columns hold ms * 1000 + an in-millisecond counter
                        ms = _to_ms(value[key])
                        self.params.append(ms * 1000 + (999 if key in ("gt", "lte") else 0))
            return "(" + " AND ".join(conds or ["1"]) + ")"
        if date:
            spans = []
            for v in _values(value):
                ms = _to_ms(v)
                spans.append(f"({expr} BETWEEN ? AND ?)")
                self.params.extend([ms * 1000, ms * 1000 + 999])
            cond = " OR ".join(spans)
            return f"({cond})" if op == "eq" else f"(NOT ({cond}))"
        if boolean:
            self.params.append(1 if value in (True, "true") else 0)
            return f"({expr} = ?)" if op in ("eq", "contains") else f"({expr} IS NOT ?)"
        if op in ("contains", "not_contains"):
            self.params.append(str(scalar_value(value)).lower())
            cond = f"instr(lower(COALESCE({expr}, '')), ?) > 0"
            return f"({cond})" if op == "contains" else f"(NOT {cond})"
        texts = [str(v).lower() for v in _values(value)]
        marks = ",".join("?" * len(texts))
        self.params.extend(texts)
        cond = f"lower(COALESCE({expr}, '')) IN ({marks})"
        return f"({cond})" if op == "eq" else f"(NOT {cond})"

    def array(self, expr: str, op: str, value: Any, *, lower: bool = True) -> str:
        if op == "exists":
            return f"(json_array_length(COALESCE({expr}, '[]')) > 0)"
        if op == "not_exists":
            return f"(json_array_length(COALESCE({expr}, '[]')) = 0)"
        if op == "range":
            raise unprocessable(["range is not supported for this field"])
        values = [str(v) for v in _values(value)]
        if lower:
            values = [v.strip().lower() for v in values]
        if op in ("contains", "not_contains"):
            conds = []
            for v in values:
                self.params.append(v.lower())
                conds.append(
                    f"EXISTS (SELECT 1 FROM json_each(COALESCE({expr}, '[]')) "
                    "WHERE instr(lower(value), ?) > 0)"
                )
            cond = " OR ".join(conds)
            return f"({cond})" if op == "contains" else f"(NOT ({cond}))"
        marks = ",".join("?" * len(values))
        self.params.extend(values)
        cond = f"EXISTS (SELECT 1 FROM json_each(COALESCE({expr}, '[]')) WHERE value IN ({marks}))"
        return f"({cond})" if op == "eq" else f"(NOT {cond})"

    def tags(self, op: str, value: Any) -> str:
        return self.array("json_extract(data, '$.tags')", op, value)

    def custom(self, field_id: str, op: str, value: Any) -> str:
        # json_each over a scalar yields one row, over an array one row per element, so
        # single and multi-value fields are matched the same way.
        head = (
            "EXISTS (SELECT 1 FROM json_each(COALESCE(json_extract(data, '$.customFields'), "
            "'[]')) AS cf, json_each(cf.value, '$.value') AS v "
            "WHERE json_extract(cf.value, '$.id') = ?"
        )
        self.params.append(field_id)
        if op == "exists":
            return f"({head} AND v.value IS NOT NULL AND v.value != ''))"
        if op == "not_exists":
            return f"(NOT {head} AND v.value IS NOT NULL AND v.value != ''))"
        if op == "range":
            return f"({head} AND {self.scalar('v.value', 'range', value)}))"
        positive = "eq" if op in ("eq", "not_eq") else "contains"
        cond = self.scalar("CAST(v.value AS TEXT)", positive, value)
        return f"({head} AND {cond}))" if op == positive else f"(NOT {head} AND {cond}))"


def _sort_keys(sort: Any) -> list[tuple[str, str, bool]]:
    """[(sql expr, direction, is_date)] from the body's sort (max 2 keys)."""
    if sort in (None, []):
        return [("date_added", "ASC", True)]
    if not isinstance(sort, list) or len(sort) > 2:
        raise unprocessable(["sort must be an array of at most 2 items"])
    keys = []
    for item in sort:
        if not isinstance(item, dict) or not isinstance(item.get("field"), str) or (
            item["field"] not in _SORTABLE
        ):
            raise unprocessable([f"sort field must be one of: {', '.join(sorted(_SORTABLE))}"])
        raw = item.get("direction", "asc")
        direction = raw.lower() if isinstance(raw, str) else ""
        if direction not in ("asc", "desc"):
            raise unprocessable(["sort direction must be one of: asc, desc"])
        field = item["field"]
        if field in _DATE_COLUMNS:
            keys.append((_DATE_COLUMNS[field], direction.upper(), True))
        else:
            keys.append((f"COALESCE(lower({_text_expr(field)}), '')", direction.upper(), False))
    return keys


def search(store: Store, location_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Run a search body against one location; returns ``{contacts, total}``."""
    unknown = [k for k in body if k not in SEARCH_FIELDS]
    errors = [f"property {k} should not exist" for k in unknown]
    limit = body.get("pageLimit")
    if "locationId" not in body:
        errors.append("locationId should not be empty")
    if limit is None:
        errors.append("pageLimit should not be empty")
    elif not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        errors.append("pageLimit must be a positive number")
    elif limit > MAX_PAGE_LIMIT:
        errors.append(f"pageLimit must not be greater than {MAX_PAGE_LIMIT}")
    if errors:
        raise unprocessable(errors)
    assert isinstance(limit, int)
    compiler = _Compiler()
    where = compiler.group(body.get("filters") or [], "AND")
    query = body.get("query")
    if query is not None and not isinstance(query, str):
        raise unprocessable(["query must be a string"])
    if isinstance(query, str) and query.strip():
        needle = query.strip().lower()
        where += (
            " AND (instr(lower(COALESCE(json_extract(data, '$.name'), '')), ?) > 0 "
            "OR instr(COALESCE(email_lower, ''), ?) > 0 OR instr(COALESCE(phone, ''), ?) > 0 "
            "OR instr(lower(COALESCE(json_extract(data, '$.companyName'), '')), ?) > 0)"
        )
        compiler.params.extend([needle, needle, needle.replace(" ", ""), needle])
    keys = _sort_keys(body.get("sort"))
    base_params = [location_id, *compiler.params]
    table = store.search_table()  # with a search lag, the writes that are due only
    total = store.query(
        f"SELECT COUNT(*) FROM {table} WHERE location_id = ? AND {where}", base_params
    )[0][0]
    # the id breaks ties in the direction of the last key, so a one-direction sort can
    # page with a row-value comparison that SQLite serves from the (date_added, id) index
    order = ", ".join(f"{expr} {d}" for expr, d, _ in keys) + f", id {keys[-1][1]}"
    select_keys = ", ".join(expr for expr, _, _ in keys)
    params = list(base_params)
    after = body.get("searchAfter")
    offset = 0
    if after is not None:
        if (
            not isinstance(after, list) or len(after) != len(keys) + 1
            or not isinstance(after[-1], str)
        ):  # fmt: skip
            raise unprocessable(["searchAfter must be the searchAfter array of a returned contact"])
        for raw in after[:-1]:
            scalar_value(raw)
        where += " AND " + _keyset(keys, after, params)
    else:
        page = body.get("page", 1)
        if not isinstance(page, int) or isinstance(page, bool) or page < 1:
            raise unprocessable(["page must be a positive number"])
        offset = (page - 1) * limit
        if offset + limit > PAGE_WINDOW:
            raise bad_request(
                "Pagination with page is limited to the first 10000 results; "
                "use searchAfter to fetch more."
            )
    rows = store.query(
        f"SELECT data, {select_keys} FROM {table} WHERE location_id = ? AND {where} "
        f"ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    contacts = []
    for row in rows:
        doc = json.loads(row[0])
        sort_values = [
            value // 1000 if is_date else value
            for value, (_, _, is_date) in zip(row[1:], keys, strict=True)
        ]
        contacts.append((doc, [*sort_values, doc["id"]]))
    return {"contacts": contacts, "total": int(total)}


def _keyset(keys: list[tuple[str, str, bool]], after: list[Any], params: list[Any]) -> str:
    values: list[Any] = []
    for (_, _, is_date), raw in zip(keys, after[:-1], strict=True):
        if is_date:  # cursors carry epoch ms, like the API's; the column holds ms * 1000
            values.append(_to_ms(raw) * 1000)
        else:
            values.append(str(raw).lower())
    last_id = str(after[-1])
    columns = [(expr, d) for expr, d, _ in keys] + [("id", keys[-1][1])]
    vals = [*values, last_id]
    if len({d for _, d in columns}) == 1:
        params.extend(vals)
        exprs = ", ".join(expr for expr, _ in columns)
        marks = ", ".join("?" * len(columns))
        return f"(({exprs}) {'>' if columns[0][1] == 'ASC' else '<'} ({marks}))"
    ors = []
    for i, (expr, direction) in enumerate(columns):
        conds = []
        for j in range(i):
            conds.append(f"{columns[j][0]} = ?")
            params.append(vals[j])
        conds.append(f"{expr} {'>' if direction == 'ASC' else '<'} ?")
        params.append(vals[i])
        ors.append("(" + " AND ".join(conds) + ")")
    return "(" + " OR ".join(ors) + ")"
