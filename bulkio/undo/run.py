"""``bulkio undo RUN_ID``: reverse what a run did, from its journal.

:func:`plan_undo` reads :meth:`bulkio.runs.journal.Journal.steps_for_undo` and turns every
journaled step into an :class:`UndoAction`:

=====================================  ==================================================
the run did                            undo does
=====================================  ==================================================
created a contact (``new: true``)      ``DELETE /contacts/{id}`` (its notes, tasks... go too)
updated a contact, snapshot kept       ``PUT /contacts/{id}`` with the previous values of the
(``import --snapshot``)                fields that differ now (``GET`` first), tags exactly
added tags                             bulk tags remove of the tags the contact lacked before
removed tags                           bulk tags add of the tags it removed
assigned a business                    bulk business back to the previous id (or null)
added / removed followers              remove / add those followers
added a note or task                   ``DELETE`` it by id
enrolled in a workflow / campaign      remove it from that workflow / campaign
=====================================  ==================================================

What cannot be reverted is listed with code ``cannot-revert``: updated fields without a
snapshot, deleted contacts, removals from workflows/campaigns (re-enrolling would restart
them), ``companyName``/``gender`` (not accepted by the update endpoint). :func:`run_undo`
executes a plan, is itself journaled (command ``undo``) and writes its own reports
(``<run>.undo.success.csv`` / ``.failures.csv``: one line per row of the original run).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkio.errors import ApiError, AuthError, InputError
from bulkio.files.table import SourceRow
from bulkio.i18n import _
from bulkio.plan.batcher import BUSINESS_CHUNK, DEFAULT_TAG_CHUNK
from bulkio.reports.reporter import Report, write_reports
from bulkio.runs.journal import Journal
from bulkio.runs.kit import RequestStats, TargetLike
from bulkio.undo.execute import UndoExecutor, restore_plan
from bulkio.undo.plan import UndoPlan, plan_undo, previous_undo

__all__ = ["UndoResult", "run_undo"]

log = logging.getLogger("bulkio.undo")

@dataclass
class UndoResult:
    """What an undo did (``report`` None for a dry run)."""

    plan: UndoPlan
    report: Report | None = None
    run_id: str | None = None
    aborted: ApiError | None = None

    @property
    def exit_code(self) -> int:
        """1 aborted, 3 if some change could not be reverted, else 0."""
        if self.aborted is not None:
            return 1
        if self.report is None:
            return 3 if self.plan.cannot else 0
        return 0 if self.report.ok else 3

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = (
            self.report.to_json() if self.report is not None else {"command": "undo"}
        )
        doc["plan"] = self.plan.to_json()
        doc["dry_run"] = self.report is None
        doc["aborted"] = str(self.aborted) if self.aborted else None
        return doc


def _source_rows(plan: UndoPlan) -> Iterator[SourceRow]:
    by_row: dict[int, list[str]] = {}
    cids: dict[int, str | None] = {}
    for a in plan.actions:
        by_row.setdefault(a.row, []).append(a.describe())
        cids.setdefault(a.row, a.contact_id)
    for r, c, m in plan.cannot:
        by_row.setdefault(r, []).append(f"cannot revert: {m}")
        cids.setdefault(r, c)
    for row in sorted(by_row):
        yield SourceRow(row=row, values={"original_row": str(row),
                                         "original_contact_id": cids.get(row) or "",
                                         "undo": "; ".join(by_row[row])})


async def _conflicts(plan: UndoPlan, target: TargetLike
                     ) -> list[tuple[int, str, str, Any, Any]]:
    """Fields others changed after the run (one ``GET /contacts/{id}`` per snapshot)."""
    out: list[tuple[int, str, str, Any, Any]] = []
    async with target.client() as client:
        for a in plan.actions:
            if a.kind != "restore-fields" or not a.contact_id:
                continue
            try:
                current = (await client.get_contact(a.contact_id)).get("contact") or {}
            except ApiError as err:
                if err.status in (400, 404):
                    continue  # gone: the undo will report it
                raise
            _restored, _changed, found = restore_plan(a.detail["before"], current,
                                                      a.detail.get("wrote"))
            out += [(a.row, a.contact_id, k, w, n) for k, w, n in found]
    return out


def run_undo(
    run_id: str,
    *,
    journal_path: Path,
    target: TargetLike | None,
    dry_run: bool = False,
    force: bool = False,
    out_dir: Path | None = None,
    tag_chunk: int = DEFAULT_TAG_CHUNK,
) -> UndoResult:
    """Plan, then (unless ``dry_run``) execute the undo of ``run_id``; see the module doc.

    A dry run with a ``target`` also looks up the contacts whose fields it would restore
    and lists the conflicts (fields someone changed after the run). ``force``: undo a run
    again, and overwrite conflicting fields.
    """
    started = time.monotonic()
    if not journal_path.exists():
        raise InputError(_("no run journal here"), path=journal_path,
                         hint=_("pass --journal FILE (journals are .bulkio/journal.db beside the "
                                "input files)"))
    with Journal.open(journal_path) as journal:
        plan = plan_undo(journal, run_id)
        run = plan.run
        if dry_run:
            if target is not None and any(a.kind == "restore-fields" for a in plan.actions):
                plan.conflicts = asyncio.run(_conflicts(plan, target))
            return UndoResult(plan=plan)
        if target is None:
            raise InputError(_("no API target configured"),
                             hint=_("pass --sandbox or set BULKIO_TOKEN"))
        if run.location_id and run.location_id != target.location_id:
            raise InputError(
                _("run {id} wrote to location {location_id}, not {location_id2}").format(
                    id=run.id, location_id=run.location_id, location_id2=target.location_id),
                             hint=_("pass the same --location-id (or --sandbox) as that run"))
        earlier = previous_undo(journal, run.id)
        if earlier is not None and not force:
            raise InputError(_("run {id} was already undone by run {id2}").format(
                id=run.id, id2=earlier.id),
                             hint=_("pass --force to run the undo again"))
        out = out_dir or Path(run.options.get("out_dir") or Path.cwd())
        out.mkdir(parents=True, exist_ok=True)
        undo_run = journal.start_run(command="undo", argv=[run.id],
                                     input_path=run.input_path,
                                     location_id=target.location_id, mode="undo",
                                     options={"undo_of": run.id, "out_dir": str(out)})

        async def go() -> tuple[ApiError | None, RequestStats]:
            async with target.client() as client:
                executor = UndoExecutor(client=client, tag_chunk=tag_chunk,
                                        business_chunk=BUSINESS_CHUNK, force=force)
                aborted: ApiError | None = None
                try:
                    outcomes = await executor.execute(plan.actions)
                except AuthError as err:
                    return err, RequestStats(by_endpoint=dict(client.stats.requests))
                cannot = {r: m for r, _, m in reversed(plan.cannot)}
                for row in plan.rows:
                    failure = outcomes.failures.get(row)
                    cid = next((a.contact_id for a in plan.actions if a.row == row), None)
                    for a in plan.actions:
                        if a.row == row and outcomes.done.get(id(a)):
                            journal.record_step(undo_run.id, row, a.kind, contact_id=a.contact_id,
                                                detail=a.detail if a.kind != "restore-fields"
                                                else {})
                    if failure is not None:
                        journal.record_row(undo_run.id, row, status="failed",
                                           error_code=failure[0], error_message=failure[1],
                                           http_status=failure[2], contact_id=cid)
                    elif row in cannot:
                        journal.record_row(undo_run.id, row, status="failed",
                                           error_code="cannot-revert", error_message=cannot[row],
                                           contact_id=cid)
                    else:
                        journal.record_row(undo_run.id, row, status="ok", action="reverted",
                                           contact_id=cid)
                journal.forget_contacts(target.location_id,
                                        {a.contact_id for a in plan.actions})
                stats = RequestStats(by_endpoint=dict(client.stats.requests),
                                     rate_limited=client.stats.rate_limited,
                                     retries=client.stats.retries)
                return aborted, stats

        aborted, stats = asyncio.run(go())
        journal.finish_run(undo_run.id, status="aborted" if aborted else "finished")
        report = write_reports(
            source_rows=_source_rows(plan),
            headers=["original_row", "original_contact_id", "undo"],
            states=journal.row_states(undo_run.id, with_steps=False), out_dir=out,
            stem=f"{run.id}.undo", fmt="csv", command="undo", run_id=undo_run.id,
            requests=stats, duration_s=time.monotonic() - started,
        )
    return UndoResult(plan=plan, report=report, run_id=undo_run.id, aborted=aborted)
