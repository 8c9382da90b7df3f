"""Pure planning for ``bulkio import``: prepared rows in, request bodies and bulk chunks out.

Nothing here does I/O. The import (:mod:`bulkio.imports.importer`) feeds rows one at a time:

* :func:`resolve_custom_fields` matches the mapping's custom-field references (name,
  ``contact.<fieldKey>`` or id) against ``GET /locations/{id}/customFields`` once per run
  and raises :class:`UnknownCustomFieldError` before any write when one is missing;
* :func:`plan_row` turns a :class:`~bulkio.clean.records.PreparedRow` into a :class:`RowPlan`:
  the upsert/create/update body (custom-field values shaped per field type), the tags and
  business id to apply afterwards, and the per-row follow-ups (note, task, workflow,
  campaign, followers);
* :class:`ChunkBatcher` groups contact ids that get the same tags (or business) and hands
  back full chunks as soon as they fill, so bulk calls go out while rows still stream;
* :func:`estimate` turns request counts into a duration at the location's rate limit and
  a share of the daily quota (``--dry-run``).

Tags are not sent in the upsert by default because ``tags`` on upsert/update *replaces*
all of a contact's tags (spec: UpsertContactDtoV3.tags); ``POST /contacts/bulk/tags/update/add``
adds without touching the others.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from bulkio.clean.records import PreparedRow
from bulkio.errors import InputError, RowIssue
from bulkio.i18n import _

Mode = Literal["upsert", "create", "update"]
TagsMode = Literal["add", "replace"]

#: contacts per ``POST /contacts/bulk/tags/update/add`` call; the API does not document a
#: maximum, so the import halves a chunk that answers 413/422 and retries both halves.
DEFAULT_TAG_CHUNK = 100
#: ``POST /contacts/bulk/business`` takes at most 50 ids (spec: ContactsBusinessUpdate.ids)
BUSINESS_CHUNK = 50
#: rows per ``--snapshot`` search: an OR of their emails and phones, 100 filters at most
SNAPSHOT_BATCH = 50
#: contact ids held in open (not yet full) groups before the largest group is emitted early
DEFAULT_MAX_PENDING = 5_000

#: body keys the update DTO (``PUT /contacts/{id}``) does not accept (422 otherwise)
_NOT_IN_UPDATE = ("gender", "companyName", "locationId")

_LIST_TYPES = {"MULTIPLE_OPTIONS", "CHECKBOX", "TEXTBOX_LIST"}
_NUMBER_TYPES = {"NUMERICAL", "MONETORY", "MONETARY", "FLOAT"}
_OPTION_TYPES = {"SINGLE_OPTIONS", "RADIO"}
_LIST_SPLIT = re.compile(r"\s*[;,|\n]\s*")
_NUMBER_JUNK = re.compile(r"[\s$€£¥₱%]|MXN|USD|EUR|COP|ARS|CLP|PEN", re.IGNORECASE)


# -- custom fields ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomFieldDef:
    """One custom field of the location, as ``GET /locations/{id}/customFields`` lists it."""

    id: str
    name: str
    field_key: str
    data_type: str
    options: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> CustomFieldDef:
        """Build from one item of the API's ``customFields`` list."""
        return cls(
            id=str(raw.get("id") or ""),
            name=str(raw.get("name") or ""),
            field_key=str(raw.get("fieldKey") or ""),
            data_type=str(raw.get("dataType") or "TEXT").upper(),
            options=tuple(str(o) for o in raw.get("picklistOptions") or ()),
        )


class UnknownCustomFieldError(InputError):
    """The mapping names a custom field that the location does not have."""

    hint = "create the field in the location, or fix the column's target in the mapping"


def _norm_name(text: str) -> str:
    return " ".join(text.casefold().split())


def resolve_custom_fields(
    refs: Iterable[str], fields: Sequence[Mapping[str, Any]]
) -> dict[str, CustomFieldDef]:
    """Map each reference (id, ``contact.<key>``, bare key or name) to its field definition.

    Raises :class:`UnknownCustomFieldError` naming the first unknown reference and listing
    the location's fields, so an import aborts before any write.
    """
    defs = [CustomFieldDef.from_api(f) for f in fields]
    by_id = {d.id: d for d in defs if d.id}
    by_key: dict[str, CustomFieldDef] = {}
    by_name: dict[str, CustomFieldDef] = {}
    for d in defs:
        if d.field_key:
            by_key[d.field_key.casefold()] = d
            by_key[d.field_key.casefold().removeprefix("contact.")] = d
        if d.name:
            by_name.setdefault(_norm_name(d.name), d)
    out: dict[str, CustomFieldDef] = {}
    for ref in refs:
        text = ref.strip()
        found = (
            by_id.get(text)
            or by_key.get(text.casefold())
            or by_key.get(text.casefold().removeprefix("contact."))
            or by_name.get(_norm_name(text))
        )
        if found is None:
            available = ", ".join(
                sorted(f"{d.name} ({d.field_key or d.id})" for d in defs)
            ) or "none"
            raise UnknownCustomFieldError(
                _("unknown custom field {ref}; the location has: {available}").format(
                    ref=repr(ref), available=available)
            )
        out[ref] = found
    return out


def _parse_number(text: str) -> int | float | None:
    cleaned = _NUMBER_JUNK.sub("", text)
    if not cleaned:
        return None
    if "," in cleaned and "." in cleaned:
        # the right-most separator is the decimal one: 1,234.50 or 1.234,50
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        first, *groups = cleaned.split(",")
        # 1,234 / 12,345,678 are thousands; 12,5 and 0,500 are decimal commas
        if all(len(g) == 3 for g in groups) and first.lstrip("-") not in ("", "0"):
            cleaned = cleaned.replace(",", "")
        else:
            cleaned = cleaned.replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and "." not in cleaned else number


def _parse_iso_date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def _match_option(value: str, options: Sequence[str]) -> str | None:
    if not options:
        return value
    wanted = _norm_name(value)
    for option in options:
        if _norm_name(option) == wanted:
            return option
    return None


def _not_an_option(value: Any, fdef: CustomFieldDef) -> str:
    return f"{value!r} is not an option of {fdef.name!r}: {', '.join(fdef.options)}"


def shape_custom_value(value: Any, fdef: CustomFieldDef) -> tuple[Any, str | None]:
    """Shape a normalized value for the field's type: ``(value, None)`` or ``(None, error)``.

    MULTIPLE_OPTIONS/CHECKBOX/TEXTBOX_LIST become lists (cells split on ``, ; |``),
    NUMERICAL/MONETORY/FLOAT numbers (``$1,234.50`` and ``1.234,50`` both read as 1234.5),
    DATE an ISO ``YYYY-MM-DD`` string; option values must be one of the field's options
    (matched case-insensitively, sent with the location's spelling).
    """
    dtype = fdef.data_type
    if dtype in _LIST_TYPES:
        items = (
            [str(v).strip() for v in value]
            if isinstance(value, list | tuple)
            else _LIST_SPLIT.split(str(value).strip())
        )
        items = [i for i in items if i]
        shaped: list[str] = []
        for item in items:
            match = _match_option(item, fdef.options)
            if match is None:
                return None, _not_an_option(item, fdef)
            if match not in shaped:
                shaped.append(match)
        return shaped, None
    if dtype in _NUMBER_TYPES:
        if isinstance(value, bool):
            return None, f"{fdef.name!r} expects a number, got {value!r}"
        if isinstance(value, int | float):
            return value, None
        number = _parse_number(str(value))
        if number is None:
            return None, f"{fdef.name!r} expects a number, got {value!r}"
        return number, None
    if dtype == "DATE":
        iso = _parse_iso_date(value)
        if iso is None:
            return None, f"{fdef.name!r} expects a date (YYYY-MM-DD), got {value!r}"
        return iso, None
    if dtype in _OPTION_TYPES:
        match = _match_option(str(value).strip(), fdef.options)
        if match is None:
            return None, _not_an_option(value, fdef)
        return match, None
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value), None
    return str(value), None


# -- per-row plan -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Followup:
    """One per-row step after the contact exists: ``kind`` names the endpoint."""

    kind: Literal["note", "task", "workflow", "campaign", "followers"]
    #: body for note/task/followers, ``{"id": ...}`` for workflow/campaign
    payload: dict[str, Any]


@dataclass(slots=True)
class RowPlan:
    """What the import sends for one row (the payload is dropped once the row is sent)."""

    row: int
    body: dict[str, Any]
    #: tags to add with the bulk endpoint after the upsert (empty with ``--tags replace``)
    tags: tuple[str, ...] = ()
    business_id: str | None = None
    followups: list[Followup] = field(default_factory=list)
    #: for ``--mode update``: the contact id column, else the email/phone searched
    contact_id: str | None = None
    warnings: list[RowIssue] = field(default_factory=list)

    @property
    def lookup_email(self) -> str | None:
        value = self.body.get("email")
        return str(value) if value else None

    @property
    def lookup_phone(self) -> str | None:
        value = self.body.get("phone")
        return str(value) if value else None


def _task_due(value: Any, today: date) -> str:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    text = str(value).strip() if value else ""
    if len(text) == 10 and _parse_iso_date(text):
        return f"{text}T00:00:00Z"
    return text or f"{today.isoformat()}T00:00:00Z"


def _followups(extras: Mapping[str, Any], today: date) -> list[Followup]:
    out: list[Followup] = []
    note = extras.get("note")
    if note:
        body: dict[str, Any] = {"body": str(note)}
        if extras.get("note_title"):
            body["title"] = str(extras["note_title"])
        if isinstance(extras.get("note_pinned"), bool):
            body["pinned"] = extras["note_pinned"]
        out.append(Followup("note", body))
    title = extras.get("task_title")
    if title:
        task: dict[str, Any] = {
            "title": str(title),
            "dueDate": _task_due(extras.get("task_due"), today),
            "completed": False,
        }
        if extras.get("task_body"):
            task["body"] = str(extras["task_body"])
        if extras.get("task_assignee"):
            task["assignedTo"] = str(extras["task_assignee"])
        out.append(Followup("task", task))
    if extras.get("workflow_id"):
        workflow: dict[str, Any] = {"id": str(extras["workflow_id"])}
        if extras.get("workflow_start"):
            workflow["eventStartTime"] = _task_due(extras["workflow_start"], today)
        out.append(Followup("workflow", workflow))
    if extras.get("campaign_id"):
        out.append(Followup("campaign", {"id": str(extras["campaign_id"])}))
    followers = extras.get("followers")
    if followers:
        ids = followers if isinstance(followers, list | tuple) else _LIST_SPLIT.split(
            str(followers)
        )
        ids = [str(i).strip() for i in ids if str(i).strip()]
        if ids:
            out.append(Followup("followers", {"followers": ids}))
    return out


def plan_row(
    prepared: PreparedRow,
    *,
    mode: Mode,
    tags_mode: TagsMode,
    fields: Mapping[str, CustomFieldDef],
    location_id: str,
    today: date,
) -> RowPlan | RowIssue:
    """Turn one prepared row into what the import sends, or the issue that drops the row.

    ``fields`` comes from :func:`resolve_custom_fields` (every reference of the mapping).
    A custom-field value that does not fit its type drops the row (``invalid-value``).
    """
    row = prepared.row
    body: dict[str, Any] = {k: v for k, v in prepared.contact.items() if v is not None}
    warnings: list[RowIssue] = [i for i in prepared.issues if i.severity == "warning"]
    custom: list[dict[str, Any]] = []
    for ref, value in prepared.custom_fields.items():
        if value is None or value == "" or value == []:
            continue
        fdef = fields.get(ref)
        if fdef is None:
            return RowIssue(row, "unknown-custom-field",
                _("custom field {ref} is not resolved").format(
                ref=repr(ref)))
        shaped, error = shape_custom_value(value, fdef)
        if error is not None:
            return RowIssue(row, "invalid-value", error, field=ref)
        custom.append({"id": fdef.id, "fieldValue": shaped})
    if custom:
        body["customFields"] = custom
    tags = tuple(dict.fromkeys(t for t in prepared.tags if t))
    bulk_tags: tuple[str, ...] = tags
    if tags_mode == "replace":
        body["tags"] = list(tags)
        bulk_tags = ()
    contact_id = prepared.extras.get("contact_id") or None
    if mode == "update":
        for key in _NOT_IN_UPDATE:
            if key in body and key != "locationId":
                warnings.append(
                    RowIssue(
                        row, "invalid-value",
                        _("{key} is not sent: the API's update does not accept it (use --mode "
                          "upsert)").format(key=key),
                        field=key, severity="warning",
                    )
                )
            body.pop(key, None)
        if not contact_id and not body.get("email") and not body.get("phone"):
            return RowIssue(
                row, "missing-identifier",
                _("update mode needs a contact id, an email or a phone to find the contact"),
            )
    else:
        body["locationId"] = location_id
    business = prepared.extras.get("businessId")
    return RowPlan(
        row=row,
        body=body,
        tags=bulk_tags,
        business_id=str(business).strip() if business else None,
        followups=_followups(prepared.extras, today),
        contact_id=str(contact_id) if contact_id else None,
        warnings=warnings,
    )


# -- bulk chunks ----------------------------------------------------------------------------

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class ChunkItem:
    """One contact in a bulk chunk and the input row it came from."""

    row: int
    contact_id: str


@dataclass(frozen=True, slots=True)
class Chunk(Generic[K]):
    """Contacts that get the same bulk call: ``key`` is a tag tuple or a business id."""

    key: K
    items: tuple[ChunkItem, ...]

    @property
    def contact_ids(self) -> list[str]:
        """Distinct contact ids in order (two rows may upsert the same contact)."""
        return list(dict.fromkeys(i.contact_id for i in self.items))

    def halves(self) -> tuple[Chunk[K], Chunk[K]]:
        """Split in two (after a 413/422 for a large chunk); needs at least 2 items."""
        mid = len(self.items) // 2
        return Chunk(self.key, self.items[:mid]), Chunk(self.key, self.items[mid:])


class ChunkBatcher(Generic[K]):
    """Incremental grouping: :meth:`add` returns the chunks that just filled up.

    Memory is bounded: when more than ``max_pending`` contacts wait in open groups (many
    distinct tag sets), the largest group is emitted early, not full.
    """

    def __init__(self, *, chunk_size: int, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self.chunk_size = chunk_size
        self.max_pending = max(max_pending, chunk_size)
        self._groups: dict[K, list[ChunkItem]] = {}
        self._pending = 0

    @property
    def pending(self) -> int:
        """Contacts waiting in groups that are not full yet."""
        return self._pending

    def add(self, key: K, row: int, contact_id: str) -> list[Chunk[K]]:
        """Queue one contact; returns the chunks ready to send (usually none)."""
        group = self._groups.setdefault(key, [])
        group.append(ChunkItem(row, contact_id))
        self._pending += 1
        ready: list[Chunk[K]] = []
        if len(group) >= self.chunk_size:
            ready.append(self._take(key))
        if self._pending > self.max_pending:
            largest = max(self._groups, key=lambda k: len(self._groups[k]))
            ready.append(self._take(largest))
        return ready

    def flush(self) -> list[Chunk[K]]:
        """Every open group as a (possibly short) chunk; the batcher is empty afterwards."""
        return [self._take(k) for k in list(self._groups)]

    def _take(self, key: K) -> Chunk[K]:
        items = self._groups.pop(key)
        self._pending -= len(items)
        return Chunk(key, tuple(items))


class TagBatcher(ChunkBatcher[tuple[str, ...]]):
    """Groups contacts by their exact tag set (order-insensitive)."""

    def __init__(
        self, *, chunk_size: int = DEFAULT_TAG_CHUNK, max_pending: int = DEFAULT_MAX_PENDING
    ) -> None:
        super().__init__(chunk_size=chunk_size, max_pending=max_pending)

    def add_tags(
        self, row: int, contact_id: str, tags: Iterable[str]
    ) -> list[Chunk[tuple[str, ...]]]:
        """Queue a contact's tags; no tags means nothing to do."""
        key = tuple(sorted(set(tags)))
        return self.add(key, row, contact_id) if key else []


class BusinessBatcher(ChunkBatcher[str]):
    """Groups contacts by business id, at most 50 per chunk (the API's limit)."""

    def __init__(
        self, *, chunk_size: int = BUSINESS_CHUNK, max_pending: int = DEFAULT_MAX_PENDING
    ) -> None:
        super().__init__(chunk_size=min(chunk_size, BUSINESS_CHUNK), max_pending=max_pending)


# -- dry-run estimate -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Estimate:
    """Expected cost of a plan at the location's limits."""

    requests: dict[str, int]
    total: int
    seconds: float
    daily_share: float
    days: int


def estimate(
    requests: Mapping[str, int],
    *,
    rate_limit: int = 100,
    rate_interval_ms: int = 10_000,
    daily_limit: int = 200_000,
) -> Estimate:
    """Duration at ``rate_limit`` requests per interval and share of the daily quota.

    ``days`` is how many daily quotas the plan spans (a 1M-row import with tags needs
    several days at the default 200,000/day).
    """
    total = sum(requests.values())
    per_second = rate_limit / (rate_interval_ms / 1000) if rate_interval_ms > 0 else math.inf
    seconds = total / per_second if per_second else math.inf
    share = total / daily_limit if daily_limit > 0 else 0.0
    return Estimate(
        requests=dict(requests),
        total=total,
        seconds=seconds,
        daily_share=share,
        days=max(1, math.ceil(share)) if total else 0,
    )


def bulk_tag_detail(kind: str, tags: list[str], answer: Mapping[str, Any] | None
                    ) -> dict[str, Any]:
    """What undo needs: the tags a bulk tags call really added (or removed) on one contact,
    from that contact's entry in the answer (``assumed`` when the entry does not say)."""
    key = "tagsAdded" if kind == "add" else "tagsRemoved"
    if answer is not None and isinstance(answer.get(key), list):
        return {"added" if kind == "add" else "removed": list(answer[key])}
    if answer is not None and isinstance(answer.get("oldTags"), list):
        old = {str(t).casefold() for t in answer["oldTags"]}
        if kind == "add":
            return {"added": [t for t in tags if t.casefold() not in old]}
        return {"removed": [t for t in answer["oldTags"] if not tags or
                            str(t).casefold() in {x.casefold() for x in tags}]}
    # the answer says nothing: assume the call changed every tag (undo may overreach)
    return {"added" if kind == "add" else "removed": tags, "assumed": True}
