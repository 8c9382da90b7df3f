"""``bulkio import``: stream a spreadsheet into the Contacts API, journaled and resumable.

One run = read + prepare the file (:mod:`bulkio.clean.prepare`), resolve the mapping's custom
fields once (``GET /locations/{id}/customFields``, the run aborts before any write if one is
unknown), then per row: skip it when its fingerprint already succeeded into this location
(``unchanged``, zero requests; ``force`` resends), else run it through
:class:`bulkio.imports.phases.RowRunner` with a bounded pool of async workers (the client's
``max_in_flight`` and pacer decide the real concurrency and rate). Outcomes go to the
journal (:mod:`bulkio.runs.journal`) as they arrive; at the end the reports are written by
re-reading the source and joining it with the journal
(:func:`bulkio.reports.reporter.write_reports`),
so a resumed or retried run gets complete reports.

Resume (``resume=True`` or :func:`resume_run`): rows the journal holds as settled are not
touched; unsettled rows restart from their first unfinished phase (upserts, tags and
business calls are idempotent; a create, note or task whose ``intent`` was recorded is looked
up before it is resent). :func:`retry_run` re-sends the failed rows of a run, optionally
taking their fixed values from the run's failure file.

``snapshot``: before updating a pre-existing contact its current state is saved in the
journal for ``bulkio undo``. Cost: one ``POST /contacts/search`` per 50 rows (an OR of the
rows' emails and phones), plus one ``GET /contacts/{id}`` per row that names a contact id in
update mode. Search results can lag writes by a few seconds, so a contact created moments
before the run by another tool may be missed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bulkio.api.client import Client
from bulkio.api.lookups import BusinessDirectory, UserDirectory, needs_lookup
from bulkio.clean.prepare import Preparation
from bulkio.clean.reading import ReadOptions
from bulkio.clean.records import PreparedRow
from bulkio.errors import ApiError, BulkioError, InputError, RowIssue
from bulkio.files.table import SourceRow
from bulkio.i18n import _
from bulkio.imports.options import ImportOptions, ImportResult, row_fingerprint, warning_pairs
from bulkio.imports.phases import RowRunner, RowWork, RunAbort, snapshot_batch
from bulkio.imports.source import (
    Source,
    adopt_location_fields,
    column_notes,
    custom_field_refs,
    for_mode,
)
from bulkio.imports.verify import confirm_unchanged
from bulkio.plan.batcher import (
    SNAPSHOT_BATCH,
    CustomFieldDef,
    RowPlan,
    plan_row,
    resolve_custom_fields,
)
from bulkio.reports.reporter import Report, report_stem, write_reports
from bulkio.runs.journal import (
    Journal,
    RowState,
    RunInfo,
    StepRecord,
    default_journal_path,
    file_sha256,
)
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

log = logging.getLogger("bulkio.importer")

#: rows per skip-unchanged lookup in the journal
LOOKUP_BATCH = 64


def _first_error(prepared: PreparedRow) -> RowIssue:
    return next(i for i in prepared.issues if i.severity == "error")


# -- the run -----------------------------------------------------------------------------


@dataclass
class _Run:
    journal: Journal
    run: RunInfo
    location_id: str
    opts: ImportOptions
    refs: list[str]
    today: Any
    progress: ProgressFn | None
    source: Source
    done: int = 0
    failed: int = 0
    abort: BulkioError | None = None
    fields: dict[str, CustomFieldDef] | None = None
    businesses: BusinessDirectory | None = None
    users: UserDirectory | None = None
    #: skip-unchanged rows sent again: their contact was deleted or changed since
    resent: int = 0
    #: fingerprints of rows sent again because their (still existing) contact was edited
    edited: set[str] = dataclasses.field(default_factory=set)
    #: rows of an unfinished earlier run (``--new``): their non-idempotent steps are honoured
    inherited: Mapping[int, RowState] = dataclasses.field(default_factory=dict)

    def tick(self, failed: bool) -> None:
        self.done += 1
        self.failed += int(failed)
        if self.progress is not None:
            self.progress(Progress(self.done, self.failed, self.source.total))

    def record_failure(self, row: int, issue: RowIssue, fp: str | None,
                       warnings: list[tuple[str, str]]) -> None:
        self.journal.record_row(self.run.id, row, status="failed", fingerprint=fp,
                                error_code=issue.code, error_message=issue.message,
                                warnings=warnings)
        self.tick(True)


def _settle(ctx: _Run) -> Callable[[RowWork], None]:
    def settle(work: RowWork) -> None:
        warnings = warning_pairs(work.plan.warnings) + work.warnings
        if work.failure is not None:
            code, message, http = work.failure
            ctx.journal.record_row(ctx.run.id, work.row, status="failed", action=work.action,
                                   contact_id=work.contact_id, fingerprint=work.fingerprint,
                                   error_code=code, error_message=message, http_status=http,
                                   warnings=warnings)
        else:
            ctx.journal.record_row(ctx.run.id, work.row, status="ok", action=work.action,
                                   contact_id=work.contact_id, fingerprint=work.fingerprint,
                                   warnings=warnings)
        ctx.tick(work.failure is not None)

    return settle


async def _execute(
    ctx: _Run,
    client: Client,
    rows: Iterable[PreparedRow],
    *,
    states: Mapping[int, RowState],
    only: set[int] | None,
) -> None:
    opts = ctx.opts
    runner = RowRunner(client=client, journal=ctx.journal, run_id=ctx.run.id, mode=opts.mode,
                       tag_chunk=opts.tag_chunk, on_settled=_settle(ctx),
                       strict=opts.strict, on_split_match=opts.on_split_match,
                       snapshot=opts.snapshot)
    n_workers = opts.workers or max(4, client.max_in_flight * 2)
    queue: asyncio.Queue[RowWork | None] = asyncio.Queue(maxsize=n_workers * 2)

    async def worker() -> None:
        while (work := await queue.get()) is not None:
            if ctx.abort is not None:
                continue  # drain: the row stays unsettled, a resume picks it up
            try:
                await runner.run_row(work)
            except RunAbort as stop:
                ctx.abort = ctx.abort or stop.error
            except BulkioError as err:  # e.g. the journal cannot be written: stop, resumable
                ctx.abort = ctx.abort or err
            except Exception as exc:  # a bug must stop the run, not hang the queue
                log.exception("row %d: unexpected error", work.row)
                ctx.abort = ctx.abort or BulkioError(_("internal error on row {row}: {exc}").format(
                    row=work.row, exc=repr(exc)))

    flusher = asyncio.create_task(ctx.journal.autoflush())
    workers = [asyncio.create_task(worker()) for _ in range(n_workers)]
    pending_snap: list[RowWork] = []

    async def dispatch(batch: list[RowWork]) -> None:
        if opts.snapshot and opts.mode != "create" and batch:
            try:
                await snapshot_batch(client, ctx.journal, ctx.run.id, batch)
            except ApiError as err:
                ctx.abort = ctx.abort or err
                return
        for work in batch:
            runner.track(work)
            await queue.put(work)

    async def admit(batch: list[tuple[PreparedRow, str, RowState | None]]) -> None:
        nonlocal pending_snap
        # one skip-unchanged lookup per batch, not one query (and commit) per row
        known = {} if opts.force else ctx.journal.known_fingerprints(
            ctx.location_id, [fp for _, fp, _ in batch])
        if known and not opts.trust_journal:
            try:
                known = await _confirmed(ctx, client, batch, known)
            except ApiError as err:
                ctx.abort = ctx.abort or err
                return
        fresh = [fp for _, fp, prior in batch if prior is None]
        earlier = ctx.journal.earlier_steps(ctx.location_id, fresh, exclude_run=ctx.run.id) \
            if fresh else {}
        edited = [fp for fp in fresh if fp in ctx.edited]
        if edited:
            earlier.update(ctx.journal.earlier_steps(
                ctx.location_id, edited, exclude_run=ctx.run.id, statuses=("ok",),
                phases=("note", "task")))
        for prepared, fp, prior in batch:
            if prior is None and fp not in known:
                prior = _inherited(ctx, prepared.row, fp, earlier.get(fp))
            if ctx.abort is not None:
                return
            try:
                work = await _admit(ctx, client, prepared, fp, prior, only=only, known=known)
            except BulkioError as err:
                ctx.abort = err
                return
            if work is None:
                continue
            pending_snap.append(work)
            if not opts.snapshot or len(pending_snap) >= SNAPSHOT_BATCH:
                await dispatch(pending_snap)
                pending_snap = []

    try:
        batch: list[tuple[PreparedRow, str, RowState | None]] = []
        for prepared in rows:
            if ctx.abort is not None:
                break
            item = _candidate(ctx, prepared, states=states, only=only)
            if item is not None:
                batch.append(item)
            if len(batch) >= LOOKUP_BATCH:
                await admit(batch)
                batch = []
            await asyncio.sleep(0)  # reading and preparing must not starve the requests
        if ctx.abort is None and batch:
            await admit(batch)
        if ctx.abort is None:
            await dispatch(pending_snap)
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
        if ctx.abort is None:
            try:
                await runner.drain()
            except RunAbort as stop:
                ctx.abort = stop.error
    finally:
        for task in workers:
            task.cancel()
        flusher.cancel()
        ctx.journal.flush()


_HONOURED = ("create", "note", "task")


async def _confirmed(
    ctx: _Run, client: Client, batch: list[tuple[PreparedRow, str, RowState | None]],
    known: dict[str, str],
) -> dict[str, str]:
    """``known`` minus the fingerprints whose contact is gone or was changed since
    (:mod:`bulkio.imports.verify`): those rows are sent again."""
    skipping = [(prepared, known[fp]) for prepared, fp, prior in batch
                if prepared.ok and fp in known
                and (prior is None or prior.fingerprint != fp or not prior.steps)]
    if not skipping:
        return known
    fps = {prepared.row: fp for prepared, fp, _ in batch}
    ok, gone = await confirm_unchanged(client, skipping,
                                       replace_tags=ctx.opts.tags_mode == "replace")
    stale = {fps[prepared.row] for prepared, _ in skipping if prepared.row not in ok}
    # an edited contact keeps the notes and tasks bulkio added: they are not sent again
    ctx.edited |= {fps[prepared.row] for prepared, _ in skipping
                   if prepared.row not in ok and prepared.row not in gone}
    ctx.resent += len(stale)
    return {fp: cid for fp, cid in known.items() if fp not in stale}


def _inherited(ctx: _Run, row: int, fp: str,
               earlier: Mapping[str, StepRecord] | None) -> RowState | None:
    """A prior state made of the creates, notes and tasks that earlier runs sent (or may
    have sent) for this row: a new run checks or skips them instead of sending them again."""
    steps: dict[str, StepRecord] = dict(earlier or {})
    old = ctx.inherited.get(row)
    if old is not None and (old.fingerprint is None or old.fingerprint == fp):
        steps.update({p: s for p, s in old.steps.items()
                      if p in _HONOURED and s.state in ("intent", "done")})
    if not steps:
        return None
    return RowState(row=row, status="pending", fingerprint=fp, steps=steps)


def _candidate(
    ctx: _Run, prepared: PreparedRow, *, states: Mapping[int, RowState], only: set[int] | None
) -> tuple[PreparedRow, str, RowState | None] | None:
    """The row, its fingerprint and prior state; None when this run leaves it alone."""
    row = prepared.row
    if only is not None and row not in only:
        return None
    prior = states.get(row)
    if only is None and prior is not None and prior.status != "pending":
        return None  # resume: settled by the interrupted run
    prepared = for_mode(prepared, ctx.opts.mode)
    fp = row_fingerprint(prepared, ctx.location_id, ctx.opts)
    if (only is not None and prior is not None and prior.fingerprint == fp
            and prior.error_code == "duplicate-in-file"):
        return None  # untouched in the fixed file: still a duplicate of another row
    return prepared, fp, prior


async def _admit(
    ctx: _Run, client: Client, prepared: PreparedRow, fp: str, prior: RowState | None, *,
    only: set[int] | None, known: Mapping[str, str],
) -> RowWork | None:
    """Decide what to do with one row: None when it is settled here (failed or unchanged)."""
    row = prepared.row
    if not prepared.ok:
        ctx.record_failure(row, _first_error(prepared), fp, warning_pairs(prepared.issues))
        return None
    unsent = prior is None or prior.fingerprint != fp or not prior.steps
    if fp in known and unsent:
        ctx.journal.record_row(ctx.run.id, row, status="skipped", action="unchanged",
                               contact_id=known[fp], fingerprint=fp,
                               warnings=warning_pairs(prepared.issues))
        ctx.tick(False)
        return None
    if ctx.fields is None:
        # looked up once, on the first row that needs sending (an unchanged re-run costs 0)
        ctx.fields = await _resolve_fields(client, ctx.refs)
    planned = plan_row(prepared, mode=ctx.opts.mode, tags_mode=ctx.opts.tags_mode,
                       fields=ctx.fields, location_id=ctx.location_id, today=ctx.today)
    if isinstance(planned, RowIssue):
        ctx.record_failure(row, planned, fp, warning_pairs(prepared.issues))
        return None
    if ctx.opts.create_duplicates and ctx.opts.mode == "upsert":
        planned.body["createNewIfDuplicateAllowed"] = True
    if planned.business_id and (ctx.opts.business_names or ctx.opts.create_businesses):
        issue = await _business_of(ctx, client, planned.row, planned)
        if issue is not None:
            ctx.record_failure(row, issue, fp, warning_pairs(prepared.issues))
            return None
    issue = await _users_of(ctx, client, planned)
    if issue is not None:
        ctx.record_failure(row, issue, fp, warning_pairs(prepared.issues))
        return None
    return RowWork(plan=planned, fingerprint=fp, prior=prior)


async def _users_of(ctx: _Run, client: Client, planned: RowPlan) -> RowIssue | None:
    """"Asignado a" and followers given as emails or full names -> user ids; None = done."""
    assigned = planned.body.get("assignedTo")
    followers = [f for f in planned.followups if f.kind == "followers"]
    values = [str(assigned)] if assigned else []
    values += [str(v) for f in followers for v in f.payload["followers"]]
    if not any(needs_lookup(v) for v in values):
        return None
    if ctx.users is None:
        ctx.users = UserDirectory(client, company_id=ctx.opts.company_id)
    ids: dict[str, str] = {}
    for value in values:
        if not needs_lookup(value):
            continue
        match = await ctx.users.resolve(value)
        if match.user_id is None:
            where = "assignedTo" if value == assigned else "followers"
            return RowIssue(planned.row, match.code or "unknown-user", match.message,
                            field=where)
        ids[value] = match.user_id
    if assigned and str(assigned) in ids:
        planned.body["assignedTo"] = ids[str(assigned)]
    for f in followers:
        f.payload["followers"] = list(dict.fromkeys(ids.get(str(v), str(v))
                                                    for v in f.payload["followers"]))
    return None


async def _business_of(ctx: _Run, client: Client, row: int, planned: RowPlan) -> RowIssue | None:
    """Resolve the row's business name to an id (one lookup per run); None when resolved."""
    if ctx.businesses is None:
        ctx.businesses = BusinessDirectory(client, ctx.location_id,
                                           create=ctx.opts.create_businesses)
    match = await ctx.businesses.resolve(str(planned.business_id))
    if match.business_id is None:
        return RowIssue(row, match.code or "unknown-business", match.message,
                        field="businessId")
    if match.created:
        ctx.journal.record_step(ctx.run.id, row, "business_created",
                                detail={"business_id": match.business_id})
    planned.business_id = match.business_id
    return None


async def _resolve_fields(client: Client, refs: list[str]) -> dict[str, CustomFieldDef]:
    if not refs:
        return {}
    return resolve_custom_fields(refs, await client.custom_fields())


def _report(
    source: Source, journal: Journal, run: RunInfo, out_dir: Path, stem: str,
    requests: RequestStats, duration: float, overrides: Mapping[int, Mapping[str, Any]] | None,
) -> Report:
    rows: Iterable[SourceRow] = source.report_rows()
    if overrides:
        rows = (
            dataclasses.replace(r, values={**r.values, **overrides[r.row]})
            if r.row in overrides else r
            for r in rows
        )
    return write_reports(
        source_rows=rows, headers=source.headers,
        states=StreamedStates(journal, run.id), out_dir=out_dir, stem=stem,
        fmt=source.format, delimiter=source.delimiter, command="import", run_id=run.id,
        requests=requests, duration_s=duration,
    )


async def execute_run(
    *,
    source: Source,
    prep_rows: Iterable[PreparedRow],
    prep: Preparation,
    target: TargetLike,
    journal: Journal,
    run: RunInfo,
    opts: ImportOptions,
    states: Mapping[int, RowState],
    only: set[int] | None,
    progress: ProgressFn | None,
    inherited: Mapping[int, RowState] | None = None,
    announce: Callable[[list[str]], None] | None = None,
) -> tuple[_Run, RequestStats]:
    previous = (run.counts or {}).get("requests")
    async with target.client() as client:
        adopt_error: BulkioError | None = None
        try:
            await adopt_location_fields(prep, client)
        except BulkioError as err:  # 401, quota, outage: the run stops, resumable
            adopt_error = err
        if announce is not None:
            announce(column_notes(prep))
        ctx = _Run(journal=journal, run=run, location_id=target.location_id, opts=opts,
                   refs=custom_field_refs(prep), today=datetime.now(UTC).date(),
                   progress=progress, source=source, inherited=inherited or {})
        ctx.abort = adopt_error
        try:
            if adopt_error is None:
                await _execute(ctx, client, prep_rows, states=states, only=only)
        except asyncio.CancelledError:
            # Ctrl-C: asyncio.run cancels this task; end the run cleanly (reports, resumable)
            ctx.abort = BulkioError(
                _("interrupted (Ctrl-C); every result so far is in the journal"))
        return ctx, request_stats(client, previous)


def finish_run(
    *, source: Source, journal: Journal, run: RunInfo, ctx: _Run, requests: RequestStats,
    started: float, resumed: bool, overrides: Mapping[int, Mapping[str, Any]] | None = None,
    retried: bool = False,
) -> ImportResult:
    close_run(journal, run.id, aborted=ctx.abort is not None, requests=requests)
    out_dir = Path(run.options["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    report = _report(source, journal, run, out_dir, run.options["stem"], requests,
                     time.monotonic() - started, overrides)
    return ImportResult(report=report, run_id=run.id, journal_path=journal.path,
                        aborted=ctx.abort, resumed=resumed, retried=retried)


def run_import(
    path: str | Path,
    *,
    read: ReadOptions,
    options: ImportOptions,
    target: TargetLike | None,
    journal_path: Path | None = None,
    resume: bool = False,
    new: bool = False,
    wait: bool = False,
    argv: Iterable[str] = (),
    progress: ProgressFn | None = None,
    announce: Callable[[list[str]], None] | None = None,
    reading: Callable[[int], None] | None = None,
    writing: ProgressFn | None = None,
) -> ImportResult:
    """Import ``path`` into ``target``'s location (see the module docstring).

    ``announce`` receives, before anything is sent, the lines people should read about
    the columns (:func:`column_notes`: the detected source, the columns not sent);
    ``reading`` the rows read so far while the file is first read and prepared, and
    ``writing`` the rows written to the reports so far.

    The run holds the lock of its (location, file) scope from start to end: another run of
    the same file into the same location raises :class:`~bulkio.runs.locks.ScopeBusyError`
    at once (``wait``: queues behind it). When the file's last run did not finish, a fresh
    run raises :class:`UnfinishedRunError` unless ``resume`` (finish it) or ``new`` (a new
    run that still honours the creates, notes and tasks the unfinished one may have sent).

    ``target`` may be None only for a dry run (then custom fields are not checked).
    Raises :class:`~bulkio.errors.BulkioError` for problems found before any write (bad
    file or mapping, unknown custom field); later fatal errors (401, daily quota, outage)
    end the run with ``aborted`` set, resumable.
    """
    src_path = Path(path)
    source = Source(src_path, read, on_read=reading, on_write=writing)
    prep = source.prepare()
    jpath = journal_path or default_journal_path()
    if options.dry_run:
        from bulkio.imports.dryrun import dry_run

        result = dry_run(source=source, prep=prep, target=target, journal_path=jpath,
                         options=options, stem=src_path.stem, announce=announce)
        result.columns_not_sent = dict(prep.mapping.unmapped)
        return result
    if target is None:
        raise InputError(_("no API target configured"),
            hint=_("pass --sandbox or set BULKIO_TOKEN"))
    started = time.monotonic()
    out_dir = report_dir(src_path, options.out_dir)
    with hold_scope(jpath, command="import", location_id=target.location_id,
                    input_path=src_path, wait=wait) as lock, Journal.open(jpath) as journal:
        run, states, resumed, inherited = _open_run(
            journal, src_path, target.location_id, read, options, out_dir, argv,
            resume=resume, new=new)
        lock.name_run(run.id)
        ctx, requests = asyncio.run(execute_run(
            source=source, prep_rows=prep, prep=prep, target=target, journal=journal, run=run,
            opts=options, states=states, only=None, progress=progress, inherited=inherited,
            announce=announce,
        ))
        result = finish_run(source=source, journal=journal, run=run, ctx=ctx,
                            requests=requests, started=started, resumed=resumed)
        result.columns_not_sent = dict(prep.mapping.unmapped)
        return result


def _options_doc(read: ReadOptions, opts: ImportOptions, out_dir: Path, stem: str) -> dict[
    str, Any
]:
    return {
        "read": read.to_json(), "mode": opts.mode, "tags_mode": opts.tags_mode,
        "force": opts.force, "trust_journal": opts.trust_journal,
        "snapshot": opts.snapshot, "tag_chunk": opts.tag_chunk,
        "out_dir": str(out_dir.resolve()), "stem": stem,
        "strict": opts.strict, "on_split_match": opts.on_split_match,
        "create_duplicates": opts.create_duplicates, "business_names": opts.business_names,
        "create_businesses": opts.create_businesses, "company_id": opts.company_id,
    }


class UnfinishedRunError(InputError):
    """A fresh import of a file whose last run into this location did not finish."""

    def __init__(self, run: RunInfo, path: Path) -> None:
        settled = sum(int(v) for k, v in (run.counts.get("by_status") or {}).items()
                      if k != "pending")
        super().__init__(
            f"the last run of {path.name} into {run.location_id}, {run.id}, did not finish "
            f"({settled} rows settled)",
            hint=_("finish it with --resume, or start a new run with --new (the creates, notes "
                   "and tasks it may have sent are still honoured)"),
        )
        self.run = run


def _open_run(
    journal: Journal, path: Path, location_id: str, read: ReadOptions, opts: ImportOptions,
    out_dir: Path, argv: Iterable[str], *, resume: bool, new: bool,
) -> tuple[RunInfo, Mapping[int, RowState], bool, Mapping[int, RowState]]:
    """(run, prior states, resumed, states inherited from an unfinished earlier run)."""
    last = journal.latest_run(input_path=path, location_id=location_id, command="import")
    unfinished = (last is not None and last.status != "finished"
                  and (resume or journal.did_anything(last.id)))
    inherited: Mapping[int, RowState] = {}
    if unfinished and last is not None:
        if resume:
            log.info("resuming run %s", last.id)
            warn_if_changed(last, path)
            states = ResumeStates(journal, last.id)
            return reopen_run(journal, last), states, True, {}
        if not new:
            raise UnfinishedRunError(last, path)
        if last.input_sha256 == file_sha256(path):
            # rows in flight when it stopped: their creates, notes and tasks may have gone out
            inherited = ResumeStates(journal, last.id)
        log.info("new run over unfinished run %s: its intents are honoured", last.id)
    elif resume:
        log.warning("no unfinished run of %s to resume: starting a new run (rows already "
                    "imported are skipped as unchanged)", path.name)
    run = journal.start_run(
        command="import", argv=list(argv), input_path=path, input_sha256=file_sha256(path),
        location_id=location_id, mode=opts.mode,
        options=_options_doc(read, opts, out_dir, report_stem(
            journal, path, location_id, command="import", stem=path.stem)),
    )
    return run, {}, False, inherited



__all__ = [
    "ImportOptions",
    "ImportResult",
    "Progress",
    "ProgressFn",
    "ReadOptions",
    "Source",
    "TargetLike",
    "UnfinishedRunError",
    "custom_field_refs",
    "execute_run",
    "finish_run",
    "for_mode",
    "reopen_run",
    "report_dir",
    "row_fingerprint",
    "run_import",
    "warn_if_changed",
    "warning_pairs",
]
