"""``bulkio undo RUN_ID``: reverse what a run did, from its journal.

:func:`plan_undo` reads :meth:`bulkio.journal.Journal.steps_for_undo` and turns every
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bulkio.batcher import BUSINESS_CHUNK, DEFAULT_TAG_CHUNK
from bulkio.errors import ApiError, AuthError, InputError
from bulkio.journal import Journal, RunInfo, UndoEntry
from bulkio.records import SourceRow
from bulkio.reporter import Report, RequestStats, write_reports
from bulkio.runkit import TargetLike
from bulkio.undo_exec import UndoExecutor

__all__ = ["UndoAction", "UndoPlan", "UndoResult", "plan_undo", "run_undo"]

log = logging.getLogger("bulkio.undo")

Kind = Literal[
    "delete-contact", "restore-fields", "remove-tags", "add-tags", "set-business",
    "remove-followers", "add-followers", "delete-note", "delete-task", "remove-workflow",
    "remove-campaign",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class UndoAction:
    """One reversal for one contact of one row."""

    row: int
    contact_id: str
    kind: Kind
    detail: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """Short text for reports and dry runs."""
        d = self.detail
        if self.kind in ("remove-tags", "add-tags"):
            return f"{self.kind} {', '.join(d['tags'])}"
        if self.kind == "set-business":
            return f"set-business {d['business_id'] or 'none'}"
        if self.kind in ("remove-followers", "add-followers"):
            return f"{self.kind} {', '.join(d['followers'])}"
        if self.kind in ("delete-note", "delete-task", "remove-workflow", "remove-campaign"):
            return f"{self.kind} {d['id']}"
        return self.kind


@dataclass
class UndoPlan:
    """Everything undo would do, and what it cannot revert, for one run."""

    run: RunInfo
    actions: list[UndoAction]
    #: (row, contact id, why) of changes that cannot be reverted
    cannot: list[tuple[int, str | None, str]]

    @property
    def rows(self) -> list[int]:
        """Original rows touched by the plan, in order."""
        return sorted({a.row for a in self.actions} | {c[0] for c in self.cannot})

    def counts(self) -> dict[str, int]:
        """Number of actions per kind."""
        out: dict[str, int] = {}
        for a in self.actions:
            out[a.kind] = out.get(a.kind, 0) + 1
        return dict(sorted(out.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run.id, "command": self.run.command, "actions": self.counts(),
            "rows": len(self.rows),
            "cannot_revert": [{"row": r, "contact_id": c, "reason": m} for r, c, m in
                              self.cannot],
        }  # fmt: skip


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


# -- planning -------------------------------------------------------------------------------


def _done(entry: UndoEntry, phase: str) -> dict[str, Any] | None:
    step = entry.steps.get(phase)
    return step.detail if step is not None and step.state == "done" else None


def _entry_actions(entry: UndoEntry, *, exact: bool) -> tuple[list[UndoAction], list[str]]:
    """Actions reverting one entry, and what cannot be reverted.

    ``exact``: the run recorded only what it really changed (the bulk commands, from the
    bulk answers). An import records per step whether it knew which tags/followers the
    contact already had (``"exact": true``, from the contact answer or the bulk answer);
    older journals recorded the ones it *sent*, which may include some the contact already
    had, so without a snapshot those are left alone.
    """
    cid = entry.contact_id
    create = entry.steps.get("create")
    if not entry.created and create is not None and create.state == "intent":
        return [], ["the create request was interrupted: the contact may exist; check it by "
                    "hand"]
    if cid is None:
        return [], []
    if entry.created:
        return [UndoAction(entry.row, cid, "delete-contact")], []
    acts: list[UndoAction] = []
    cannot: list[str] = []

    def add(kind: Kind, **detail: Any) -> None:
        acts.append(UndoAction(entry.row, cid, kind, detail))

    snap = entry.snapshot
    updated = any(_done(entry, p) is not None for p in ("upsert", "update"))
    if snap is not None and updated:
        add("restore-fields", before=snap)
    elif updated:
        cannot.append("updated fields of this existing contact cannot be restored (no "
                      "snapshot: import with --snapshot)")
    tags = _done(entry, "tags")
    if tags is not None and tags.get("added") and not (snap is not None and updated):
        if (exact or tags.get("exact")) and not tags.get("assumed"):
            add("remove-tags", tags=list(tags["added"]))
        else:
            cannot.append("tags added to this existing contact are left in place: the run did "
                          "not record which ones it already had (import with --snapshot)")
    removed = _done(entry, "tags_removed")
    if removed is not None and removed.get("removed"):
        add("add-tags", tags=list(removed["removed"]))
    business = _done(entry, "business")
    if business is not None:
        if "previous" in business:
            add("set-business", business_id=business["previous"])
        elif snap is not None:
            add("set-business", business_id=snap.get("businessId"))
        else:
            cannot.append("the previous business of this contact is unknown")
    had = {str(f) for f in (snap or {}).get("followers") or []}
    for phase, kind, key in (("followers", "remove-followers", "added"),
                             ("followers_removed", "add-followers", "removed")):
        detail = _done(entry, phase)
        if (detail is not None and kind == "remove-followers" and snap is None
                and not (exact or detail.get("exact"))):
            cannot.append("followers added to this existing contact are left in place: the "
                          "run did not record which ones it already had")
            continue
        # with a snapshot, followers the contact already had before the run stay
        users = [str(f) for f in (detail or {}).get(key) or []
                 if kind == "add-followers" or str(f) not in had]
        if users:
            add(kind, followers=users)  # type: ignore[arg-type]
    for phase, kind, key in (("note", "delete-note", "note_id"), ("task", "delete-task",
                                                                   "task_id"),
                             ("workflow", "remove-workflow", "workflow_id"),
                             ("campaign", "remove-campaign", "campaign_id")):
        detail = _done(entry, phase)
        if detail is not None and detail.get(key):
            add(kind, id=str(detail[key]))  # type: ignore[arg-type]
        step = entry.steps.get(phase)
        if step is not None and step.state == "intent":
            cannot.append(f"the {phase} request was interrupted: check the contact by hand")
    for phase, what in (("workflow_removed", "workflow"), ("campaign_removed", "campaign")):
        detail = _done(entry, phase)
        if detail is not None:
            cannot.append(f"removed from {what} {detail.get(f'{what}_id')}: re-enroll with "
                          f"`bulkio {what} add` if wanted (it would start again)")
    if _done(entry, "delete") is not None:
        cannot.append("the contact was deleted; it cannot be brought back")
    return acts, cannot


def plan_undo(journal: Journal, run_id: str) -> UndoPlan:
    """The undo plan of a run (no request is sent)."""
    run = journal.get_run(run_id)
    if run.command == "undo":
        raise InputError(f"run {run.id} is itself an undo; undoing an undo is not supported",
                         hint="re-run the original command instead")
    if run.active:
        raise InputError(f"run {run.id} is still running (process {run.pid})",
                         hint="wait for it to finish or stop it first")
    actions: list[UndoAction] = []
    cannot: list[tuple[int, str | None, str]] = []
    for entry in journal.steps_for_undo(run.id):
        acts, why = _entry_actions(entry, exact=run.command != "import")
        actions += acts
        cannot += [(entry.row, entry.contact_id, w) for w in why]
    return UndoPlan(run=run, actions=actions, cannot=cannot)


def previous_undo(journal: Journal, run_id: str) -> RunInfo | None:
    """The last finished undo of ``run_id`` in this journal, if any."""
    for run in journal.list_runs(command="undo", location_id=None):
        if run.options.get("undo_of") == run_id and run.status == "finished":
            return run
    return None


# -- running ------------------------------------------------------------------------------


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
    """Plan, then (unless ``dry_run``) execute the undo of ``run_id``; see the module doc."""
    started = time.monotonic()
    if not journal_path.exists():
        raise InputError("no run journal here", path=journal_path,
                         hint="pass --journal FILE (journals are .bulkio/journal.db beside "
                         "the input files)")
    with Journal.open(journal_path) as journal:
        plan = plan_undo(journal, run_id)
        run = plan.run
        if dry_run:
            return UndoResult(plan=plan)
        if target is None:
            raise InputError("no API target configured", hint="pass --sandbox or set "
                             "BULKIO_TOKEN")
        if run.location_id and run.location_id != target.location_id:
            raise InputError(f"run {run.id} wrote to location {run.location_id}, not "
                             f"{target.location_id}",
                             hint="pass the same --location-id (or --sandbox) as that run")
        earlier = previous_undo(journal, run.id)
        if earlier is not None and not force:
            raise InputError(f"run {run.id} was already undone by run {earlier.id}",
                             hint="pass --force to run the undo again")
        out = out_dir or Path(run.options.get("out_dir") or Path.cwd())
        out.mkdir(parents=True, exist_ok=True)
        undo_run = journal.start_run(command="undo", argv=[run.id],
                                     input_path=run.input_path,
                                     location_id=target.location_id, mode="undo",
                                     options={"undo_of": run.id, "out_dir": str(out)})

        async def go() -> tuple[ApiError | None, RequestStats]:
            async with target.client() as client:
                executor = UndoExecutor(client=client, tag_chunk=tag_chunk,
                                        business_chunk=BUSINESS_CHUNK)
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
