"""``bulkio resume`` and ``bulkio retry``: finish or repair an import run from its journal.

Both reuse the options the run was started with (stored in the journal), its input file
and its location (another ``--location-id`` is refused), and rewrite the run's reports
from the whole source so that they describe the run as it stands.

* :func:`resume_run`: rows the journal holds as settled are untouched; the others restart
  from their first unfinished phase.
* :func:`retry_run`: only the rows that failed are sent again; phases that succeeded for the
  same row content (e.g. the contact was saved, its tags failed) are not redone. With the
  run's failure file, fixed by hand, the rows (matched by ``_row``) take their values from
  that file, and the reports show the fixed values.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from bulkio.clean.reading import ReadOptions
from bulkio.clean.records import PreparedRow
from bulkio.errors import InputError
from bulkio.files.report_sheets import ReportFormat
from bulkio.i18n import _
from bulkio.imports.importer import execute_run, finish_run
from bulkio.imports.options import ImportOptions, ImportResult
from bulkio.imports.source import Source
from bulkio.plan.batcher import DEFAULT_TAG_CHUNK
from bulkio.reports.reporter import REPORT_COLUMNS, Report, report_paths
from bulkio.runs.journal import Journal, RunInfo
from bulkio.runs.kit import ProgressFn, TargetLike, reopen_run, warn_if_changed
from bulkio.runs.locks import RunLock, hold_scope
from bulkio.runs.state import ResumeStates, failed_states

__all__ = ["resume_run", "retry_run"]


def _stored_options(run: RunInfo) -> tuple[ReadOptions, ImportOptions]:
    o = run.options
    read = ReadOptions.from_json(o.get("read") or {})
    opts = ImportOptions(mode=o.get("mode", "upsert"), tags_mode=o.get("tags_mode", "add"),
                         force=bool(o.get("force")), snapshot=bool(o.get("snapshot")),
                         trust_journal=bool(o.get("trust_journal")),
                         tag_chunk=int(o.get("tag_chunk") or DEFAULT_TAG_CHUNK),
                         out_dir=Path(o["out_dir"]) if o.get("out_dir") else None,
                         strict=bool(o.get("strict")),
                         on_split_match=o.get("on_split_match", "send"),
                         create_duplicates=bool(o.get("create_duplicates")),
                         business_names=bool(o.get("business_names")),
                         create_businesses=bool(o.get("create_businesses")),
                         company_id=o.get("company_id"))
    return read, opts


def _check_target(run: RunInfo, target: TargetLike) -> None:
    if run.location_id and run.location_id != target.location_id:
        raise InputError(
            _("run {id} imported into location {location_id}, not {location_id2}").format(
                id=run.id, location_id=run.location_id, location_id2=target.location_id),
            hint=_("pass the same --location-id (or --sandbox setting) as the original run"),
        )


def _import_run(journal: Journal, run_id: str, target: TargetLike
                ) -> tuple[RunInfo, Path, ReadOptions, ImportOptions]:
    """The import run ``run_id`` (for this target), its input and the options it was
    started with."""
    run = journal.get_run(run_id)
    if run.command != "import" or not run.input_path:
        raise InputError(_("run {id} is not an import").format(
            id=run.id), hint=_("list runs with `bulkio runs`"))
    _check_target(run, target)
    read, opts = _stored_options(run)
    return run, Path(run.input_path), read, opts


def _held(journal_path: Path, run: RunInfo, *, wait: bool) -> AbstractContextManager[RunLock]:
    """The scope lock of an import run (the same one a fresh import of its file takes)."""
    return hold_scope(journal_path, command="import", location_id=run.location_id,
                      input_path=run.input_path, wait=wait)


def resume_run(
    run_id: str, *, journal_path: Path, target: TargetLike, progress: ProgressFn | None = None,
    wait: bool = False,
) -> ImportResult:
    """Finish an interrupted run with the options it was started with."""
    started = time.monotonic()
    with Journal.open(journal_path) as probe:
        run, src, _read, _opts = _import_run(probe, run_id, target)
    with _held(journal_path, run, wait=wait) as lock, Journal.open(journal_path) as journal:
        run, src, read, opts = _import_run(journal, run.id, target)
        if run.status == "finished":
            return _finished(run, journal.path)
        lock.name_run(run.id)
        warn_if_changed(run, src)
        source = Source(src, read)
        prep = source.prepare()
        states = ResumeStates(journal, run.id)
        run = reopen_run(journal, run)
        ctx, requests = asyncio.run(execute_run(
            source=source, prep_rows=prep, prep=prep, target=target, journal=journal, run=run,
            opts=opts, states=states, only=None, progress=progress,
        ))
        return finish_run(source=source, journal=journal, run=run, ctx=ctx, requests=requests,
                       started=started, resumed=True)


def _finished(run: RunInfo, journal_path: Path) -> ImportResult:
    """A finished run, as its journal counts it: nothing sent now, reports left as they are
    (they already describe the run, with the requests it really sent)."""
    counts = run.counts
    stem = run.options.get("stem") or Path(run.input_path or "input").stem
    fmt: ReportFormat = "xlsx" if str(run.input_path).lower().endswith((".xlsx", ".xlsm", ".xls")) \
        else "csv"
    success, failures, summary = report_paths(Path(run.options["out_dir"]), stem, fmt)
    report = Report(command="import", run_id=run.id,
                    by_action=dict(counts.get("by_action") or {}),
                    by_error=dict(counts.get("by_error") or {}),
                    success_path=success, failure_path=failures, summary_path=summary)
    return ImportResult(report=report, run_id=run.id, journal_path=journal_path,
                        already_finished=True)


def _fixed_rows(
    failures: Path, read: ReadOptions, overrides: dict[int, dict[str, Any]]
) -> Iterator[PreparedRow]:
    """Prepare a hand-fixed failure file, renumbering rows to the original ``_row``."""
    fixed = Source(failures, dataclasses.replace(read, encoding=None, delimiter=None,
                                                  header_row=None))
    if "_row" not in fixed.headers:
        raise InputError(_("the file has no _row column: it is not a bulkio failure file"),
                         path=failures, hint=_("pass the .failures file the import wrote"))
    numbers: dict[int, int] = {}
    for src in fixed.open().rows:
        raw = (src.values.get("_row") or "").strip()
        if not raw.isdigit():
            raise InputError(_("row {row}: _row is {raw}, not a row number").format(
                row=src.row, raw=repr(raw)), path=failures,
                             hint=_("keep the _row column as the import wrote it"))
        numbers[src.row] = int(raw)
        overrides[int(raw)] = {k: v for k, v in src.values.items() if k not in REPORT_COLUMNS}
    for prepared in fixed.prepare():
        original = numbers[prepared.row]
        yield dataclasses.replace(
            prepared, source=dataclasses.replace(prepared.source, row=original)
        )


def retry_run(
    run_id: str | None,
    *,
    journal_path: Path,
    target: TargetLike,
    failures: Path | None = None,
    progress: ProgressFn | None = None,
    wait: bool = False,
) -> ImportResult:
    """Re-send the failed rows of a run and merge the results into its reports.

    With ``failures`` (the run's failure file, fixed by hand), the rows and their values
    come from that file (matched by ``_row``); the run is the one named in the summary file
    beside it when ``run_id`` is None.
    """
    started = time.monotonic()
    if run_id is None:
        if failures is None:
            raise InputError(_("name the run to retry"),
                             hint=_("bulkio retry RUN_ID, or bulkio retry --failures FILE"))
        run_id = _run_id_from_summary(failures)
    with Journal.open(journal_path) as probe:
        run, src, _read, _opts = _import_run(probe, run_id, target)
    with _held(journal_path, run, wait=wait) as lock, Journal.open(journal_path) as journal:
        run, src, read, opts = _import_run(journal, run.id, target)
        lock.name_run(run.id)
        source = Source(src, read)
        states = failed_states(journal, run.id)
        only = set(states)
        overrides: dict[int, dict[str, Any]] = {}
        if failures is not None:
            rows: Iterable[PreparedRow] = [
                p for p in _fixed_rows(failures, read, overrides) if p.row in only
            ]
            overrides = {r: v for r, v in overrides.items() if r in only}
            prep = source.prepare()
        else:
            prep = source.prepare()
            rows = prep
        run = reopen_run(journal, run)
        ctx, requests = asyncio.run(execute_run(
            source=source, prep_rows=rows, prep=prep, target=target, journal=journal, run=run,
            opts=opts, states=states, only=only, progress=progress,
        ))
        return finish_run(source=source, journal=journal, run=run, ctx=ctx, requests=requests,
                       started=started, resumed=True, overrides=overrides, retried=True)


def _run_id_from_summary(failures: Path) -> str:
    stem = failures.name.split(".failures.")[0]
    summary = failures.with_name(f"{stem}.summary.json")
    try:
        doc = json.loads(summary.read_text(encoding="utf-8"))
        return str(doc["run_id"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            _("cannot tell which run {name} belongs to ({name2} unreadable)").format(
                name=failures.name, name2=summary.name),
            path=failures, hint=_("pass the run id: bulkio retry RUN_ID --failures FILE"),
        ) from exc
