"""``bulkio export``: search pagination -> spreadsheet writers, atomic and incremental.

Contacts are read with ``POST /contacts/search`` at the largest page the API takes (500,
``pageLimit`` maximum per the API's search documentation), the first page by ``page: 1``
and every later one by the ``searchAfter`` cursor of the previous page's last contact, so
exports are complete past the 10,000-result ``page`` window. A cursor seen twice stops the
run with an error instead of looping. The next page is requested while the current one is
written. All requests go through :class:`bulkio.api.client.Client`, paced like imports.

Incremental exports (``since="last"`` with a state file) select ``dateUpdated`` after the
watermark of the last successful run minus :data:`DEFAULT_OVERLAP` (search results may lag
writes by a few seconds, so a small window is exported twice rather than lost).

The new watermark is read from the server's own clock *before* the first page: the
``dateUpdated`` of the most recently updated contact (one ``pageLimit: 1`` search sorted by
``dateUpdated`` descending). Every update made after that probe is stamped by the server at
or after it, so the next run (``dateUpdated > watermark - overlap``) selects it however long
this run took; updates the search index had not seen yet at the probe are within the overlap.
The state file is written only after the files are renamed into place; with a state file
(a scheduled export) an existing file is never overwritten (see :func:`unused_path`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from filelock import FileLock, Timeout

from bulkio.api import operations
from bulkio.api.client import Client
from bulkio.errors import ApiError, InputError
from bulkio.export.columns import (
    RELATED_COLUMNS,
    Column,
    format_datetime,
    related_row,
    resolve_columns,
    row_formatter,
)
from bulkio.export.filters import (
    CustomFieldIndex,
    FilterError,
    FilterExpr,
    SortSpec,
    build_filters,
    build_sort,
)
from bulkio.export.objects import ObjectsOutput
from bulkio.files.export_writers import Output, OutputFormat, Sheet, open_output
from bulkio.files.safe_write import write_error, write_text_atomic
from bulkio.files.workbook_append import AppendSheetOutput
from bulkio.i18n import _

__all__ = [
    "BUSINESS_PAGE_LIMIT",
    "DEFAULT_OVERLAP",
    "SEARCH_PAGE_LIMIT",
    "ExportResult",
    "ExportSpec",
    "expand_target",
    "load_watermark",
    "parse_since",
    "run_export",
    "save_watermark",
]

log = logging.getLogger("bulkio.export")

#: ``pageLimit`` maximum of ``POST /contacts/search`` (API search docs: "max 500").
SEARCH_PAGE_LIMIT = 500
#: ``limit`` maximum of ``GET /contacts/business/{businessId}`` (spec: "up to 100").
BUSINESS_PAGE_LIMIT = 100
#: Re-read window before the watermark, for search results that lag writes.
DEFAULT_OVERLAP = timedelta(minutes=5)
RELATED_KINDS = ("notes", "tasks", "appointments")

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class ExportSpec:
    """What to export: filters, columns, time window and related data."""

    filters: Sequence[FilterExpr] = ()
    raw_filters: Sequence[Mapping[str, Any]] = ()
    query: str | None = None
    sort: Sequence[SortSpec] = ()
    columns: Sequence[str] | None = None
    since: str | None = None  # "last" or an ISO date/datetime
    state: Path | None = None
    overlap: timedelta = DEFAULT_OVERLAP
    include: Sequence[str] = ()
    business_id: str | None = None
    page_limit: int = SEARCH_PAGE_LIMIT
    #: ``--jsonl-raw``: the API's objects unflattened (:mod:`bulkio.export.objects`)
    objects: bool = False
    #: ``--append-sheet``: the sheet title to add to an existing workbook (placeholders
    #: expanded), None for a new file (:mod:`bulkio.files.workbook_append`)
    append_sheet: str | None = None


@dataclass
class ExportResult:
    """What one export run did (the CLI prints it, ``--json`` dumps :meth:`as_dict`)."""

    rows: int = 0
    total: int | None = None
    requests: int = 0
    pages: int = 0
    duration_s: float = 0.0
    files: list[Path] = field(default_factory=list)
    related: dict[str, int] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    since: str | None = None
    watermark: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "total": self.total,
            "requests": self.requests,
            "pages": self.pages,
            "duration_s": round(self.duration_s, 3),
            "file": str(self.files[0]) if self.files else "-",
            "files": [str(p) for p in self.files],
            "related": dict(self.related),
            "columns": list(self.columns),
            "since": self.since,
            "watermark": self.watermark,
        }


# -- output names and the state file ----------------------------------------------------


def expand_target(template: str, *, now: datetime | None = None, run: int = 1) -> str:
    """Replace ``{date}`` (YYYY-MM-DD), ``{time}`` (HHMMSS), both UTC, and ``{run}`` (the
    run number kept in the state file, 1 for the first run) in an output name."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return (
        template.replace("{date}", moment.strftime("%Y-%m-%d"))
        .replace("{time}", moment.strftime("%H%M%S"))
        .replace("{run}", str(run))
    )


def next_run_number(state: Path | None) -> int:
    """The number of the coming run: the state file's ``runs`` + 1 (1 without a state)."""
    if state is None:
        return 1
    try:
        data = json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 1
    runs = data.get("runs") if isinstance(data, dict) else None
    return runs + 1 if isinstance(runs, int) and runs >= 0 else 1


def unused_path(path: Path) -> Path:
    """``path``, or ``<stem>-2<suffix>``, ``-3``... : the first name no file holds yet."""
    if not path.exists() and not path.is_symlink():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists() and not candidate.is_symlink():
            return candidate
        n += 1


def parse_since(text: str) -> datetime:
    """An explicit ``--since``: ISO date or datetime (naive means UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise FilterError(
            _("cannot read --since {text}").format(text=repr(text)),
            hint=_("use --since last (with --state FILE), or a date like 2026-01-01 or "
                   "2026-01-01T08:00:00Z"),
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def load_watermark(path: Path) -> datetime | None:
    """The watermark stored by the last successful run, or None if there is no state yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InputError(
            _("cannot read the export state file"),
            path=path,
            hint=_("delete it to start over with a full export"),
        ) from exc
    mark = data.get("watermark") if isinstance(data, dict) else None
    if mark is None:
        return None
    try:
        return parse_since(str(mark))
    except FilterError as exc:
        raise InputError(
            _("the export state file has a bad watermark {mark}").format(mark=repr(mark)),
            path=path,
            hint=_("delete it to start over with a full export"),
        ) from exc


def save_watermark(path: Path, watermark: datetime | None, *, result: ExportResult) -> None:
    """Write the state file atomically (:func:`bulkio.files.safe_write.write_text_atomic`)."""
    data = {
        "version": 1,
        "watermark": _iso(watermark) if watermark else None,
        "last_run": _iso(datetime.now(UTC)),
        "runs": next_run_number(path),
        "rows": result.rows,
        "files": [str(p) for p in result.files],
    }
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def _parse_stamp(value: Any) -> datetime | None:
    text = format_datetime(value)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- reading pages ----------------------------------------------------------------------


def _cursor(contacts: list[dict[str, Any]]) -> list[Any]:
    last = contacts[-1]
    cursor = last.get("searchAfter")
    if not isinstance(cursor, list) or not cursor:
        raise ApiError(
            _("the search answer has no searchAfter cursor on its last contact, so the export "
              "cannot continue past this page"),
            hint=_("re-run with a narrower --filter, or report the API answer with -vv"),
        )
    return cursor


def _total(data: Mapping[str, Any]) -> int | None:
    for key in ("total", "count"):
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


class _SearchPager:
    """Builds each page's body; stops at a short page, at ``total``, or on a repeated cursor."""

    def __init__(self, client: Client, base: dict[str, Any], limit: int) -> None:
        self._client = client
        self._base = base
        self._limit = limit
        self._cursor: list[Any] | None = None
        self._seen: set[str] = set()
        self.fetched = 0
        self.done = False

    async def fetch(self) -> dict[str, Any]:
        body = {**self._base, "pageLimit": self._limit}
        if self._cursor is None:
            body["page"] = 1
        else:
            body["searchAfter"] = self._cursor
        try:
            return await self._client.search(body)
        except ApiError as exc:
            # A 422 on the first page can only come from what the user wrote (filters, sort,
            # query): report it as a usage error, like a filter that does not parse.
            if exc.status == 422 and self._cursor is None:
                raise FilterError(
                    _("the API refused the search: {exc}").format(exc=exc),
                    hint=_("check the fields, operators and values of --filter-file, --filter and "
                           "--sort"),
                ) from exc
            raise

    def advance(self, contacts: list[dict[str, Any]], total: int | None) -> None:
        self.fetched += len(contacts)
        if len(contacts) < self._limit or (total is not None and self.fetched >= total):
            self.done = True
            return
        cursor = _cursor(contacts)
        key = json.dumps(cursor, sort_keys=True, default=str)
        if key in self._seen:
            raise ApiError(
                _("the search returned the same searchAfter cursor twice ({key}); stopping "
                  "instead of looping").format(key=key),
                hint=_("re-run; if it persists, export with --sort dateAdded"),
            )
        self._seen.add(key)
        self._cursor = cursor


class _BusinessPager:
    """``GET /contacts/business/{id}`` pages by ``skip``; stops at a short page or ``total``."""

    def __init__(self, client: Client, business_id: str, query: str | None) -> None:
        self._client = client
        self._business_id = business_id
        self._query = query
        self._limit = BUSINESS_PAGE_LIMIT
        self._first_ids: set[str] = set()
        self.fetched = 0
        self.done = False

    async def fetch(self) -> dict[str, Any]:
        return await self._client.contacts_by_business(
            self._business_id, limit=self._limit, skip=self.fetched, query=self._query
        )

    def advance(self, contacts: list[dict[str, Any]], total: int | None) -> None:
        self.fetched += len(contacts)
        if len(contacts) < self._limit or (total is not None and self.fetched >= total):
            self.done = True
            return
        first = str(contacts[0].get("id"))
        if first in self._first_ids:
            raise ApiError(
                _("the business contacts endpoint returned the same page twice; stopping instead "
                  "of looping")
            )
        self._first_ids.add(first)


# -- the run ----------------------------------------------------------------------------


async def _server_now(client: Client) -> datetime | None:
    """The newest ``dateUpdated`` in the location (server clock), None when it is empty."""
    data = await client.search(
        {"pageLimit": 1, "page": 1, "sort": [{"field": "dateUpdated", "direction": "desc"}]}
    )
    contacts = data.get("contacts") or []
    if not contacts or not isinstance(contacts[0], dict):
        return None
    return _parse_stamp(contacts[0].get("dateUpdated"))


def _window(spec: ExportSpec) -> tuple[datetime | None, datetime | None]:
    """(previous watermark, lower bound for dateUpdated) from ``since``/``state``."""
    if spec.since is None:
        previous = load_watermark(spec.state) if spec.state else None
        return previous, None
    if spec.since == "last":
        if spec.state is None:
            raise FilterError(_("--since last needs --state FILE"),
                              hint=_("e.g. --state export.state"))
        previous = load_watermark(spec.state)
        if previous is None:
            log.info("no watermark in %s yet: exporting everything", spec.state)
            return None, None
        return previous, previous - spec.overlap
    previous = load_watermark(spec.state) if spec.state else None
    return previous, parse_since(spec.since)


def _check_spec(spec: ExportSpec) -> None:
    unknown = [k for k in spec.include if k not in RELATED_KINDS]
    if unknown:
        raise FilterError(
            _("cannot include {names}").format(names=', '.join(unknown)),
            hint=_("--include takes notes, tasks, appointments (comma-separated)"),
        )
    if spec.business_id and (spec.filters or spec.raw_filters or spec.sort or spec.since):
        raise FilterError(
            _("--business-id cannot be combined with --filter, --filter-file, --sort or --since"),
            hint=_("the business endpoint only takes --query; filter the file afterwards"),
        )
    if spec.objects and spec.columns is not None:
        raise FilterError(_("--jsonl-raw writes whole objects; drop --columns"),
                          hint=_("pick fields afterwards, e.g. with jq"))
    if not 1 <= spec.page_limit <= SEARCH_PAGE_LIMIT:
        raise FilterError(_("page size must be 1..{SEARCH_PAGE_LIMIT}").format(
            SEARCH_PAGE_LIMIT=SEARCH_PAGE_LIMIT))


async def _related_all(
    client: Client, kinds: list[str], contacts: list[dict[str, Any]], *, objects: bool,
    tick: Callable[[], None] | None,
) -> dict[str, list[Any]]:
    """Each kind's rows for one page of contacts, in contact order; ``tick`` is called once
    per contact whose every kind is in (what the progress bar counts)."""

    async def one(contact: dict[str, Any]) -> list[list[Any]]:
        got = [await _related(client, kind, [contact], objects=objects) for kind in kinds]
        if tick is not None:
            tick()
        return got

    per_contact = await asyncio.gather(*(one(c) for c in contacts))
    return {kind: [row for got in per_contact for row in got[i]]
            for i, kind in enumerate(kinds)}


async def _related(
    client: Client, kind: str, contacts: list[dict[str, Any]], *, objects: bool = False
) -> list[Any]:
    async def one(contact_id: str) -> list[Any]:
        if kind == "notes":
            items = (await client.list_notes(contact_id)).get("notes", [])
        elif kind == "appointments":
            items = await operations.appointments(client, contact_id)
        else:
            items = (await client.list_tasks(contact_id)).get("tasks", [])
        if objects:
            return [{"contactId": contact_id, **i} for i in items if isinstance(i, dict)]
        return [related_row(kind, contact_id, i) for i in items if isinstance(i, dict)]

    ids = [str(c["id"]) for c in contacts if c.get("id")]
    groups = await asyncio.gather(*(one(i) for i in ids))
    return [row for group in groups for row in group]


async def run_export(
    client: Client,
    *,
    target: Path | None,
    fmt: OutputFormat,
    spec: ExportSpec,
    stream: IO[str] | None = None,
    bom: bool = False,
    delimiter: str = ",",
    raw: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """Export the contacts selected by ``spec`` to ``target`` (or ``stream`` when None).

    Files are replaced atomically only when every page has been written; on any error
    the temporary files are removed, the previous export and the state file stay as they
    were, and the error propagates. With a state file, a second run on the same state
    (an overlapping cron job) fails at once instead of racing the first.
    """
    _check_spec(spec)
    with _state_lock(spec.state):
        return await _run(
            client, target=target, fmt=fmt, spec=spec, stream=stream, bom=bom,
            delimiter=delimiter, raw=raw, progress=progress,
        )


@contextlib.contextmanager
def _state_lock(state: Path | None) -> Iterator[None]:
    """An exclusive, non-blocking OS lock on ``<state>.lock`` (filelock: POSIX and Windows),
    released by the operating system if the process dies."""
    if state is None:
        yield
        return
    lock_path = state.with_name(state.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path, timeout=0)
        lock.acquire()
    except Timeout as exc:
        raise InputError(
            _("another bulkio export is running with this state file"),
            path=state,
            hint=_("wait for it to finish (or schedule runs further apart)"),
        ) from exc
    except OSError as exc:
        raise InputError(_("cannot create the lock file: {strerror}").format(
            strerror=exc.strerror), path=lock_path) from exc
    try:
        yield
    finally:
        lock.release()


async def _run(
    client: Client,
    *,
    target: Path | None,
    fmt: OutputFormat,
    spec: ExportSpec,
    stream: IO[str] | None,
    bom: bool,
    delimiter: str,
    raw: bool,
    progress: Progress | None,
) -> ExportResult:
    started = time.monotonic()
    requests_before = client.stats.total_requests
    result = ExportResult()
    previous, lower = _window(spec)
    custom = CustomFieldIndex.from_api(await client.custom_fields())
    columns: list[Column] = resolve_columns(spec.columns, custom)
    result.columns = [c.header for c in columns]
    start_mark: datetime | None = None
    if spec.state is not None:
        # the watermark is taken now, from the server's stamps (see the module docstring)
        probe = await _server_now(client)
        start_mark = probe if probe is not None else previous
        if target is not None and spec.append_sheet is None:
            free = unused_path(target)
            if free != target:
                log.warning("%s exists (an earlier export): writing %s instead", target, free)
            target = free
    pager: _SearchPager | _BusinessPager
    if spec.business_id:
        pager = _BusinessPager(client, spec.business_id, spec.query)
    else:
        exprs = list(spec.filters)
        if lower is not None:
            result.since = _iso(lower)
            op = ">" if spec.since == "last" else ">="
            exprs.append(FilterExpr(text=f"dateUpdated{op}{result.since}", field="dateUpdated",
                                    op="range", value=result.since,
                                    bound="gt" if op == ">" else "gte"))
        base: dict[str, Any] = {}
        filters = build_filters(exprs, custom=custom, raw=spec.raw_filters)
        if filters:
            base["filters"] = filters
        sort = build_sort(spec.sort, custom=custom)
        if sort:
            base["sort"] = sort
        if spec.query:
            base["query"] = spec.query
        pager = _SearchPager(client, base, spec.page_limit)

    output: Output
    if spec.objects:
        output = ObjectsOutput(target, stream=stream)
    elif spec.append_sheet is not None and target is not None:
        output = AppendSheetOutput(target, spec.append_sheet)
    else:
        output = open_output(target, fmt=fmt, bom=bom, delimiter=delimiter, raw=raw,
                             stream=stream)
    pending: asyncio.Task[dict[str, Any]] | None = None
    try:
        main_sheet = output.add_sheet(
            "contacts",
            result.columns,
            text_columns=[i for i, c in enumerate(columns) if c.is_text],
        )
        related: dict[str, Sheet] = {
            kind: output.add_sheet(kind, RELATED_COLUMNS[kind]) for kind in spec.include
        }
        fmt_row: Callable[[dict[str, Any]], Any] = (
            dict if spec.objects else row_formatter(columns))
        pending = asyncio.ensure_future(pager.fetch())
        while pending is not None:
            data = await pending
            pending = None
            contacts = [c for c in data.get("contacts") or [] if isinstance(c, dict)]
            total = _total(data)
            if result.total is None:
                result.total = total
            result.pages += 1
            pager.advance(contacts, total)
            if not pager.done:
                pending = asyncio.ensure_future(pager.fetch())
            main_sheet.write_rows([fmt_row(c) for c in contacts])
            if related:
                if progress is not None and result.pages == 1:
                    progress(0, result.total)  # the total is known: show it at once
                tick = (lambda: progress(1, result.total)) if progress is not None else None
                found = await _related_all(client, list(related), contacts,
                                           objects=spec.objects, tick=tick)
                for kind, sheet in related.items():
                    sheet.write_rows(found[kind])
                    result.related[kind] = result.related.get(kind, 0) + len(found[kind])
            elif progress is not None:
                progress(len(contacts), result.total)
            result.rows += len(contacts)
        result.files = output.commit()
    except OSError as exc:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        output.abort()
        if target is None:  # stdout: a closed pipe is handled by the CLI's safety net
            raise
        raise write_error(target, exc) from exc
    except BaseException:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        output.abort()
        raise
    if spec.state is not None:
        save_watermark(spec.state, start_mark, result=result)
        result.watermark = _iso(start_mark) if start_mark else None
    result.requests = client.stats.total_requests - requests_before
    result.duration_s = time.monotonic() - started
    return result
