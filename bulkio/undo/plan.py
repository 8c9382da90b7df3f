"""Planning an undo: every journaled step of a run turned into an :class:`UndoAction`
(see :mod:`bulkio.undo.run` for the table of what is reverted and how)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from bulkio.errors import InputError
from bulkio.i18n import _
from bulkio.runs.journal import Journal, RunInfo, UndoEntry

__all__ = ["Kind", "UndoAction", "UndoPlan", "plan_undo", "previous_undo"]

log = logging.getLogger("bulkio.undo")

Kind = Literal[
    "delete-contact", "restore-fields", "remove-tags", "add-tags", "set-business",
    "remove-followers", "add-followers", "delete-note", "delete-task", "remove-workflow",
    "remove-campaign", "delete-business",
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
    #: later runs (id, command) in this journal that touched the same contacts
    later: list[tuple[str, str]] = field(default_factory=list)
    #: (row, contact id, field, value the run wrote, value now): found by a dry run with an
    #: API target, or by the undo itself
    conflicts: list[tuple[int, str, str, Any, Any]] = field(default_factory=list)

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
            "later_runs": [{"id": i, "command": c} for i, c in self.later],
            "conflicts": [{"row": r, "contact_id": c, "field": f, "run_wrote": w, "now": n}
                          for r, c, f, w, n in self.conflicts],
        }  # fmt: skip


# -- planning -------------------------------------------------------------------------------


def _done(entry: UndoEntry, phase: str) -> dict[str, Any] | None:
    step = entry.steps.get(phase)
    return step.detail if step is not None and step.state == "done" else None


def _entry_actions(entry: UndoEntry, *, exact: bool) -> tuple[list[UndoAction], list[str]]:
    """:func:`_contact_actions`, plus deleting a business the run created for this row
    (``--create-businesses``): only those, never one that existed before the run."""
    acts, cannot = _contact_actions(entry, exact=exact)
    made = _done(entry, "business_created")
    if made is not None and made.get("business_id"):
        acts.append(UndoAction(entry.row, entry.contact_id or "", "delete-business",
                               {"id": str(made["business_id"])}))
    return acts, cannot


def _contact_actions(entry: UndoEntry, *, exact: bool) -> tuple[list[UndoAction], list[str]]:
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
    if create is not None and create.state == "done" and create.detail.get("found_after_intent"):
        return [], ["an interrupted create was followed by finding this contact: the run may "
                    "have created it, or someone else did; left in place (delete it by hand "
                    "if it is the run's)"]
    if entry.created:
        return [UndoAction(entry.row, cid, "delete-contact")], []
    acts: list[UndoAction] = []
    cannot: list[str] = []

    def add(kind: Kind, **detail: Any) -> None:
        acts.append(UndoAction(entry.row, cid, kind, detail))

    snap = entry.snapshot
    updated = any(_done(entry, p) is not None for p in ("upsert", "update"))
    if snap is not None and updated:
        wrote = next((d["wrote"] for d in (_done(entry, "upsert"), _done(entry, "update"))
                      if d is not None and isinstance(d.get("wrote"), dict)), None)
        add("restore-fields", before=snap, wrote=wrote)
    elif updated:
        cannot.append("updated fields of this existing contact cannot be restored (no "
                      "snapshot: import with --snapshot)")
    tags = _done(entry, "tags")
    if tags is not None and tags.get("added") and snap is not None and updated:
        # only tags the contact lacked before the run; tags others added since stay
        before_tags = {str(t).casefold() for t in snap.get("tags") or []}
        added = [t for t in tags["added"] if str(t).casefold() not in before_tags]
        if added:
            add("remove-tags", tags=added)
    elif tags is not None and tags.get("added"):
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
    for phase, what in (("note_updated", "note"), ("task_updated", "task"),
                        ("task_completed", "task"), ("campaigns_removed", "campaigns")):
        if _done(entry, phase) is not None:
            cannot.append(f"the {what} change is not undone; the journal keeps its previous "
                          "values (bulkio runs)" if what != "campaigns" else
                          "removed from every campaign: re-enroll with `bulkio campaign add`")
    if _done(entry, "delete") is not None:
        cannot.append("the contact was deleted; it cannot be brought back")
    return acts, cannot


def plan_undo(journal: Journal, run_id: str) -> UndoPlan:
    """The undo plan of a run (no request is sent)."""
    run = journal.get_run(run_id)
    if run.command == "undo":
        raise InputError(_("run {id} is itself an undo; undoing an undo is not supported").format(
            id=run.id),
                         hint=_("re-run the original command instead"))
    if run.active:
        raise InputError(_("run {id} is still running (process {pid})").format(
            id=run.id, pid=run.pid),
                         hint=_("wait for it to finish or stop it first"))
    actions: list[UndoAction] = []
    cannot: list[tuple[int, str | None, str]] = []
    for entry in journal.steps_for_undo(run.id):
        acts, why = _entry_actions(entry, exact=run.command != "import")
        actions += acts
        cannot += [(entry.row, entry.contact_id, w) for w in why]
    touched = {a.contact_id for a in actions} | {c for _, c, _ in cannot if c}
    later = journal.later_runs_touching(run.id, touched)
    return UndoPlan(run=run, actions=actions, cannot=cannot, later=later)


def previous_undo(journal: Journal, run_id: str) -> RunInfo | None:
    """The last finished undo of ``run_id`` in this journal, if any."""
    for run in journal.list_runs(command="undo", location_id=None):
        if run.options.get("undo_of") == run_id and run.status == "finished":
            return run
    return None


# -- running ------------------------------------------------------------------------------
