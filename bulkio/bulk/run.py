"""Bulk maintenance from a spreadsheet: tags, business, notes, tasks, workflows, campaigns,
followers and delete, with the guarantees of ``bulkio import``.

One run: read the file (:mod:`bulkio.bulk.rows` picks the columns and parses each row),
resolve each row's contact (:mod:`bulkio.bulk.resolve`: id, or cached email/phone lookups), then

* tags and business go through :class:`~bulkio.plan.batcher.TagBatcher` /
  :class:`~bulkio.plan.batcher.BusinessBatcher` chunks: ``POST /contacts/bulk/tags/update/{type}``
  grouped by tag set (``tag_chunk`` ids per call, default
  :data:`~bulkio.plan.batcher.DEFAULT_TAG_CHUNK`; the API publishes no maximum, so a 413/422 on a
  chunk halves it, retries both halves and lowers the chunk size for the rest of the run)
  and ``POST /contacts/bulk/business`` (50 ids per call). The per-contact entries of the
  bulk answers are mapped back to rows;
* everything else is one request per row, concurrently (the client paces them).

Every outcome goes to the journal (:mod:`bulkio.runs.journal`) with what undo needs: tags the
contact did not have (``tagsAdded`` of the bulk answer), the previous business id (one
``POST /contacts/search`` per 50 contacts, unless ``previous_business`` is off), note/task
ids, followers added. Notes and tasks are not idempotent on the API: an ``intent`` is
committed before each request, a resume checks the contact's notes/tasks before resending
an interrupted one, and a re-run of the same file skips rows an earlier run already added
(``unchanged``) unless ``force``. Reports are written like the import's
(:func:`bulkio.reports.reporter.write_reports`), named ``<stem>.<op>.success.csv`` etc.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkio.bulk.preview import Preview, preview_contacts
from bulkio.bulk.rows import COMMANDS, Failure, OpSettings, RowJob, find_columns, parse_row
from bulkio.bulk.runner import BulkRunner
from bulkio.clean.reading import ReadOptions
from bulkio.errors import BulkioError, InputError
from bulkio.files.table import SourceRow, Table
from bulkio.i18n import _
from bulkio.plan.batcher import DEFAULT_TAG_CHUNK, Estimate, estimate
from bulkio.reports.reporter import Report, report_stem, write_reports
from bulkio.runs.journal import Journal, RowState, RunInfo, default_journal_path, file_sha256
from bulkio.runs.kit import (
    Progress,
    ProgressFn,
    RequestStats,
    TargetLike,
    close_run,
    reopen_run,
    report_dir,
    request_stats,
    warn_if_changed,
)
from bulkio.runs.locks import hold_scope
from bulkio.runs.state import ResumeStates, StreamedStates

__all__ = [
    "BulkOptions",
    "BulkResult",
    "DryPlan",
    "Progress",
    "count_rows",
    "run_bulk",
]

log = logging.getLogger("bulkio.bulk")

#: operations that add or change items beside a contact (notes, tasks, enrolments) and
#: leave its fields, tags and business as they were: skip-unchanged stays valid for it
KEEPS_CONTACT_FIELDS = frozenset({"notes-add", "notes-update", "tasks-add", "tasks-update",
                                  "tasks-complete", "workflow-add", "workflow-remove",
                                  "campaign-add", "campaign-remove", "campaign-remove-all"})

#: rows a dry run lists (its counts and request estimate always cover the whole file)
MAX_LISTED = 100_000


@dataclass(frozen=True, kw_only=True)
class BulkOptions:
    """How the run goes. ``out_dir`` None = the input's folder."""

    tag_chunk: int = DEFAULT_TAG_CHUNK
    previous_business: bool = True
    force: bool = False
    dry_run: bool = False
    out_dir: Path | None = None
    workers: int = 16


@dataclass
class DryPlan:
    """What a run would do: from the file alone, or (``resolved``) with each row's contact
    looked up read-only (:mod:`bulkio.bulk.preview`)."""

    rows: int
    runnable: int
    failures: dict[str, int]
    requests: dict[str, int]
    estimate: Estimate
    listing: list[dict[str, Any]]
    #: whether the contacts were looked up (a target was configured)
    resolved: bool = False
    #: the read-only requests the dry run itself sent, by endpoint
    lookups: dict[str, int] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "runnable": self.runnable, "failures": self.failures,
            "contacts_resolved": self.resolved, "lookup_requests": self.lookups,
            "requests": dict(sorted(self.requests.items())),
            "total_requests": self.estimate.total,
            "expected_seconds": round(self.estimate.seconds, 1),
            "daily_quota_share": round(self.estimate.daily_share, 4),
            "rows_listed": self.listing,
        }  # fmt: skip


@dataclass
class BulkResult:
    """What a run did (or, for a dry run, would do)."""

    command: str
    report: Report | None = None
    run_id: str | None = None
    journal_path: Path | None = None
    aborted: BulkioError | None = None
    resumed: bool = False
    plan: DryPlan | None = None

    @property
    def exit_code(self) -> int:
        """0 all rows succeeded, 3 some failed, 1 aborted (a dry run: 3 if rows would fail)."""
        if self.aborted is not None:
            return 1
        if self.plan is not None:
            return 0 if not self.plan.failures else 3
        return 0 if self.report is None or self.report.ok else 3

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = (
            self.report.to_json() if self.report is not None
            else {"command": self.command, "run_id": None}
        )
        doc["journal"] = str(self.journal_path) if self.journal_path else None
        doc["resumed"] = self.resumed
        doc["aborted"] = str(self.aborted) if self.aborted else None
        if self.plan is not None:
            doc["dry_run"] = self.plan.to_json()
        return doc


# -- reading ------------------------------------------------------------------------------


def _jobs(
    path: Path, settings: OpSettings, read: ReadOptions
) -> tuple[Table, Iterator[RowJob | tuple[int, Failure]]]:
    table = read.open(path)
    columns = find_columns(table.headers, settings)

    def gen() -> Iterator[RowJob | tuple[int, Failure]]:
        for src in table.rows:
            errors = [i for i in src.issues if i.severity == "error"]
            if errors:
                yield (src.row, (errors[0].code, errors[0].message))
                continue
            parsed = parse_row(src.row, src.values, columns, settings,
                               region=read.default_region, date_order=read.date_order)
            yield parsed if isinstance(parsed, RowJob) else (src.row, parsed)

    return table, gen()


def count_rows(path: Path, settings: OpSettings, read: ReadOptions) -> tuple[int, int]:
    """(rows, rows that can run) of the file, without any request (delete's confirmation)."""
    total = runnable = 0
    for item in _jobs(path, settings, read)[1]:
        total += 1
        runnable += isinstance(item, RowJob)
    return total, runnable


def _dry_run(path: Path, settings: OpSettings, read: ReadOptions, options: BulkOptions,
             target: TargetLike | None = None, progress: ProgressFn | None = None) -> DryPlan:
    failures: Counter[str] = Counter()
    requests: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    emails: set[str] = set()
    phones: set[str] = set()
    listing: list[dict[str, Any]] = []
    runnable_jobs: list[RowJob] = []
    rows = runnable = 0
    op = settings.op
    for item in _jobs(path, settings, read)[1]:
        rows += 1
        if not isinstance(item, RowJob):
            failures[item[1][0]] += 1
            if len(listing) < MAX_LISTED:
                listing.append({"row": item[0], "error": item[1][0], "message": item[1][1]})
            continue
        runnable += 1
        if target is not None:
            runnable_jobs.append(item)
        if item.ref.email:
            emails.add(item.ref.email.casefold())
        elif item.ref.phone:
            phones.add(item.ref.phone)
        if len(listing) < MAX_LISTED:
            listing.append({"row": item.row, "contact": item.ref.describe(), **item.payload})
        if op.startswith("tags-") and not settings.per_contact:
            groups["|".join(sorted(t.casefold() for t in item.payload.get("tags", [])))] += 1
        elif op.startswith("business-"):
            groups[str(item.payload.get("business_id") or item.payload.get("business_name"))] += 1
            if item.payload.get("business_name"):
                requests["GET /businesses/"] = 1  # names resolved with one list per run
        else:
            requests[_SINGLE_ENDPOINT[op]] += 1
    if emails or phones:
        requests["GET /contacts/search/duplicate"] = len(emails) + len(phones)
    lookups: dict[str, int] = {}
    if target is not None:
        found, lookups = asyncio.run(_preview(target, runnable_jobs, progress))
        listing = [_previewed(entry, found.get(entry["row"]), settings) for entry in listing]
        for preview in found.values():
            if preview.code is not None:
                failures[preview.code] += 1
                runnable -= 1
    elif op == "tags-remove" and settings.all_tags:
        listing = [{**e, "tags": "all"} if "contact" in e else e for e in listing]
    if op.startswith("tags-") and not settings.per_contact:
        requests["POST /contacts/bulk/tags/update/{type}"] = sum(
            math.ceil(n / options.tag_chunk) for n in groups.values())
    elif op.startswith("business-"):
        calls = sum(math.ceil(n / 50) for n in groups.values())
        requests["POST /contacts/bulk/business"] = calls
        if options.previous_business:
            requests["POST /contacts/search"] = calls
    return DryPlan(rows=rows, runnable=runnable, failures=dict(failures),
                   requests=dict(requests), estimate=estimate(requests), listing=listing,
                   resolved=target is not None, lookups=lookups)


async def _preview(target: TargetLike, jobs: list[RowJob], progress: ProgressFn | None
                   ) -> tuple[dict[int, Preview], dict[str, int]]:
    async with target.client() as client:
        found = await preview_contacts(client, jobs, progress=progress)
        return found, dict(sorted(client.stats.requests.items()))


def _previewed(entry: dict[str, Any], preview: Preview | None, settings: OpSettings
               ) -> dict[str, Any]:
    """A dry-run listing entry with what the lookup found: the failure, or the contact id
    (and for ``tags remove``, the tags the contact really has that would go)."""
    if preview is None or "contact" not in entry:
        return entry
    if preview.code is not None:
        return {"row": entry["row"], "error": preview.code, "message": preview.message}
    out = {**entry, "contact_id": preview.contact_id}
    if settings.op == "tags-remove":
        if settings.all_tags:
            out["tags"] = list(preview.tags)
        else:
            held = {t.casefold() for t in preview.tags}
            out["tags"] = [t for t in entry.get("tags", []) if t.casefold() in held]
    return out


_SINGLE_ENDPOINT = {
    "notes-add": "POST /contacts/{contactId}/notes",
    "tasks-add": "POST /contacts/{contactId}/tasks",
    "workflow-add": "POST /contacts/{contactId}/workflow/{workflowId}",
    "workflow-remove": "DELETE /contacts/{contactId}/workflow/{workflowId}",
    "campaign-add": "POST /contacts/{contactId}/campaigns/{campaignId}",
    "campaign-remove": "DELETE /contacts/{contactId}/campaigns/{campaignId}",
    "followers-add": "POST /contacts/{contactId}/followers",
    "followers-remove": "DELETE /contacts/{contactId}/followers",
    "delete": "DELETE /contacts/{contactId}",
    # tags add|remove --per-contact
    "tags-add": "POST /contacts/{contactId}/tags",
    "tags-remove": "DELETE /contacts/{contactId}/tags",
    # an edit reads its note/task first (GET by id, or the contact's list by title)
    "notes-update": "PUT /contacts/{contactId}/notes/{id}",
    "tasks-update": "PUT /contacts/{contactId}/tasks/{taskId}",
    "tasks-complete": "PUT /contacts/{contactId}/tasks/{taskId}/completed",
    "campaign-remove-all": "DELETE /contacts/{contactId}/campaigns/remove-all",
}


# -- the run -------------------------------------------------------------------------------


def _earlier_steps(
    journal: Journal, path: Path, location_id: str, command: str, phase: str
) -> tuple[dict[str, str], set[str]]:
    """Fingerprints of rows earlier runs of this file added (fp -> contact id) or may have."""
    done: dict[str, str] = {}
    maybe: set[str] = set()
    for run in journal.list_runs(input_path=path, location_id=location_id, command=command):
        for state in journal.row_states(run.id).values():
            step = state.steps.get(phase)
            fp = step.detail.get("fp") if step is not None else None
            if step is None or not fp:
                continue
            if step.state == "done":
                done[str(fp)] = step.contact_id or state.contact_id or ""
            elif step.state == "intent":
                maybe.add(str(fp))
    return done, maybe - set(done)


def _open_run(
    journal: Journal, path: Path, location_id: str, settings: OpSettings, read: ReadOptions,
    options: BulkOptions, resume: bool, argv: Iterable[str],
) -> tuple[RunInfo, Mapping[int, RowState], bool]:
    command = COMMANDS[settings.op]
    if resume:
        last = journal.latest_run(input_path=path, location_id=location_id, command=command)
        failed = (last.counts.get("by_status") or {}).get("failed") if last else None
        if last is not None and (last.status != "finished" or failed):
            log.info("resuming run %s", last.id)
            warn_if_changed(last, path)
            return reopen_run(journal, last), ResumeStates(journal, last.id,
                                                           include_failed=True), True
        log.warning("no unfinished %s run of %s with rows left to do: starting a new run",
                    command, path.name)
    out_dir = report_dir(path, options.out_dir)
    doc = {
        "settings": dataclasses.asdict(settings), "read": read.to_json(),
        "tag_chunk": options.tag_chunk, "previous_business": options.previous_business,
        "force": options.force, "out_dir": str(out_dir.resolve()),
        "stem": report_stem(journal, path, location_id, command=command,
                            stem=f"{path.stem}.{settings.op}"),
    }  # fmt: skip
    run = journal.start_run(command=command, argv=list(argv), input_path=path,
                            input_sha256=file_sha256(path), location_id=location_id,
                            mode=settings.op, options=doc)
    return run, {}, False


def run_bulk(
    path: str | Path,
    *,
    settings: OpSettings,
    read: ReadOptions | None = None,
    options: BulkOptions | None = None,
    target: TargetLike | None = None,
    journal_path: Path | None = None,
    resume: bool = False,
    wait: bool = False,
    argv: Iterable[str] = (),
    progress: ProgressFn | None = None,
    writing: ProgressFn | None = None,
) -> BulkResult:
    """Run one bulk operation over the rows of ``path`` (see the module docstring).

    Raises :class:`~bulkio.errors.BulkioError` for problems found before any write (bad
    file, missing column); a fatal API error later (401/403, daily quota, outage) ends the
    run with ``aborted`` set. ``resume=True`` continues the last run of this file, command
    and location if it was interrupted or has failed rows: rows done are kept, the others
    run again (in the same run, so its reports cover the whole file). The run holds the
    lock of its (command, location, file) scope: a second one raises
    :class:`~bulkio.runs.locks.ScopeBusyError` at once, or queues behind it with ``wait``.
    """
    src = Path(path)
    read = read or ReadOptions()
    options = options or BulkOptions()
    command = COMMANDS[settings.op]
    if options.tag_chunk < 1:
        raise InputError(_("the tag chunk size must be at least 1"), hint="pass --chunk-size 100")
    table, jobs = _jobs(src, settings, read)
    if options.dry_run:
        plan = _dry_run(src, settings, read, options, target, progress)
        return BulkResult(command=command, plan=plan)
    if target is None:
        raise InputError(_("no API target configured"),
            hint=_("pass --sandbox or set BULKIO_TOKEN"))
    started = time.monotonic()
    jpath = journal_path or default_journal_path()
    with hold_scope(jpath, command=command, location_id=target.location_id, input_path=src,
                    wait=wait) as lock, Journal.open(jpath) as journal:
        run, states, resumed = _open_run(journal, src, target.location_id, settings, read,
                                         options, resume, argv)
        lock.name_run(run.id)
        phase = {"notes-add": "note", "tasks-add": "task"}.get(settings.op)
        done_fps: dict[str, str] = {}
        maybe_fps: set[str] = set()
        if phase is not None:
            done_fps, maybe_fps = _earlier_steps(journal, src, target.location_id, command,
                                                 phase)
            if options.force:
                done_fps = {}
        runner_stats: RequestStats
        aborted: BulkioError | None
        counted: list[int | None] = [None]

        async def go() -> tuple[BulkioError | None, RequestStats, set[str]]:
            async with target.client() as client:
                runner = BulkRunner(
                    client=client, journal=journal, run_id=run.id, settings=settings,
                    tag_chunk=options.tag_chunk, previous_business=options.previous_business,
                    workers=options.workers, prior=states, done_fps=done_fps,
                    maybe_fps=maybe_fps, progress=progress,
                )
                if progress is not None or writing is not None:  # bars: the rows' total
                    runner.total = counted[0] = sum(1 for _ in read.open(src).rows)
                    if progress is not None:
                        progress(Progress(0, 0, runner.total))
                stop: BulkioError | None = None
                try:
                    await runner.run(jobs)
                except asyncio.CancelledError:
                    # Ctrl-C: asyncio.run cancels this task; end the run cleanly (reports,
                    # resumable), like an import
                    stop = BulkioError("interrupted (Ctrl-C); every result so far is in the "
                                       "journal")
                previous = (run.counts or {}).get("requests")
                return stop or runner.abort, request_stats(client, previous), runner.touched

        aborted, runner_stats, touched = asyncio.run(go())
        if settings.op not in KEEPS_CONTACT_FIELDS:
            # the contact itself changed: re-importing its row must send it again
            journal.forget_contacts(target.location_id, touched)
        close_run(journal, run.id, aborted=aborted is not None, requests=runner_stats)
        report = _write_reports(src, read, table, journal, run, runner_stats,
                                time.monotonic() - started, writing, counted[0])
    return BulkResult(command=command, report=report, run_id=run.id, journal_path=jpath,
                      aborted=aborted, resumed=resumed)


def _write_reports(
    src: Path, read: ReadOptions, table: Table, journal: Journal, run: RunInfo,
    requests: RequestStats, duration: float, writing: ProgressFn | None = None,
    total: int | None = None,
) -> Report:
    out_dir = Path(run.options["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: Iterator[SourceRow] = read.open(src).rows
    if writing is not None:
        rows = _ticking(rows, writing, total)
    return write_reports(
        source_rows=rows, headers=table.headers,
        states=StreamedStates(journal, run.id), out_dir=out_dir,
        stem=run.options["stem"], fmt=table.format, delimiter=table.delimiter or ",",
        command=run.command, run_id=run.id, requests=requests, duration_s=duration,
    )



def _ticking(rows: Iterator[SourceRow], writing: ProgressFn, total: int | None
             ) -> Iterator[SourceRow]:
    """``rows``, reporting every 200 of them to ``writing`` (the reports' progress bar)."""
    n = 0
    for row in rows:
        n += 1
        if n % 200 == 0:
            writing(Progress(n, 0, total))
        yield row
    writing(Progress(n, 0, total))
