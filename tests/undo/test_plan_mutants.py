"""Undo planning, one journal entry at a time: which reversal each recorded step gets, and
what is reported as impossible to revert (expected actions and messages written by hand)."""

from __future__ import annotations

from typing import Any

import pytest

from bulkio.runs.records import RunInfo, StepRecord, UndoEntry
from bulkio.undo.plan import UndoAction, UndoPlan, _entry_actions


def entry(*steps: tuple[str, str, dict[str, Any]], created: bool = False,
          snapshot: dict[str, Any] | None = None, cid: str | None = "c1") -> UndoEntry:
    return UndoEntry(row=7, contact_id=cid, action=None, created=created,
                     steps={p: StepRecord(p, s, cid, d) for p, s, d in steps},  # type: ignore[arg-type]
                     snapshot=snapshot)


Planned = tuple[list[tuple[str, dict[str, Any]]], list[str]]


def acts(e: UndoEntry, *, exact: bool = False) -> Planned:
    actions, cannot = _entry_actions(e, exact=exact)
    assert all(a.row == 7 and a.contact_id == "c1" for a in actions)
    return [(a.kind, a.detail) for a in actions], cannot


NO_SNAPSHOT_TAGS = ("tags added to this existing contact are left in place: the run did not "
                    "record which ones it already had (import with --snapshot)")


def test_a_created_contact_is_deleted_and_nothing_else() -> None:
    e = entry(("upsert", "done", {"new": True}), ("tags", "done", {"added": ["vip"]}),
              ("note", "done", {"note_id": "n1"}), created=True)
    assert acts(e) == ([("delete-contact", {})], [])


def test_an_interrupted_create_is_checked_by_hand() -> None:
    e = entry(("create", "intent", {}))
    assert acts(e) == ([], ["the create request was interrupted: the contact may exist; "
                            "check it by hand"])
    # a create that finished is not "interrupted"
    assert acts(entry(("create", "done", {}))) == ([], [])


def test_no_contact_id_means_nothing_to_revert() -> None:
    assert _entry_actions(entry(("upsert", "done", {}), cid=None), exact=True) == ([], [])


@pytest.mark.parametrize("phase", ["upsert", "update"])
def test_updated_fields_restore_from_the_snapshot_else_cannot(phase: str) -> None:
    snap = {"firstName": "Ana", "businessId": "b0", "followers": []}
    with_snap = entry((phase, "done", {}), ("tags", "done", {"added": ["x"], "exact": True}),
                      snapshot=snap)
    # fields come back from the snapshot; of the tags, only those the run added go (tags
    # someone else added since stay), so remove-tags is its own action
    assert acts(with_snap) == ([("restore-fields", {"before": snap, "wrote": None}),
                                ("remove-tags", {"tags": ["x"]})], [])
    assert acts(entry((phase, "done", {}))) == ([], [
        "updated fields of this existing contact cannot be restored (no snapshot: import "
        "with --snapshot)"])
    # an update only intended (answer lost) restores nothing
    assert acts(entry((phase, "intent", {})), exact=True) == ([], [])


def test_added_tags_are_removed_only_when_the_run_knew_which_were_new() -> None:
    tags = ("tags", "done", {"added": ["vip", "nuevo"]})
    assert acts(entry(tags), exact=True) == ([("remove-tags", {"tags": ["vip", "nuevo"]})], [])
    assert acts(entry(tags)) == ([], [NO_SNAPSHOT_TAGS])
    exact = ("tags", "done", {"added": ["vip"], "exact": True})
    assert acts(entry(exact)) == ([("remove-tags", {"tags": ["vip"]})], [])
    assumed = ("tags", "done", {"added": ["vip"], "assumed": True})
    assert acts(entry(assumed), exact=True) == ([], [NO_SNAPSHOT_TAGS])
    assert acts(entry(("tags", "done", {"added": []})), exact=True) == ([], [])
    assert acts(entry(("tags", "intent", {"added": ["vip"]})), exact=True) == ([], [])


def test_removed_tags_are_added_back() -> None:
    e = entry(("tags_removed", "done", {"removed": ["baja"]}))
    assert acts(e) == ([("add-tags", {"tags": ["baja"]})], [])
    assert acts(entry(("tags_removed", "done", {"removed": []}))) == ([], [])


def test_business_goes_back_to_the_previous_one() -> None:
    assert acts(entry(("business", "done", {"previous": "b0"}))) == (
        [("set-business", {"business_id": "b0"})], [])
    assert acts(entry(("business", "done", {"previous": None}))) == (
        [("set-business", {"business_id": None})], [])
    assert acts(entry(("business", "done", {}), snapshot={"businessId": "b9"})) == (
        [("set-business", {"business_id": "b9"})], [])
    assert acts(entry(("business", "done", {}))) == (
        [], ["the previous business of this contact is unknown"])


def test_followers_added_are_removed_except_those_the_contact_had() -> None:
    added = ("followers", "done", {"added": ["u1", "u2"]})
    assert acts(entry(added), exact=True) == (
        [("remove-followers", {"followers": ["u1", "u2"]})], [])
    assert acts(entry(added, snapshot={"followers": ["u2"]})) == (
        [("remove-followers", {"followers": ["u1"]})], [])
    assert acts(entry(added)) == ([], [
        "followers added to this existing contact are left in place: the run did not record "
        "which ones it already had"])
    assert acts(entry(("followers", "done", {"added": ["u1"], "exact": True}))) == (
        [("remove-followers", {"followers": ["u1"]})], [])
    removed = ("followers_removed", "done", {"removed": ["u3"]})
    # followers removed come back, even those the snapshot lists
    assert acts(entry(removed, snapshot={"followers": ["u3"]})) == (
        [("add-followers", {"followers": ["u3"]})], [])


@pytest.mark.parametrize(("phase", "kind", "key"), [
    ("note", "delete-note", "note_id"), ("task", "delete-task", "task_id"),
    ("workflow", "remove-workflow", "workflow_id"),
    ("campaign", "remove-campaign", "campaign_id"),
])
def test_followups_are_removed_by_id_and_interrupted_ones_checked(phase: str, kind: str,
                                                                  key: str) -> None:
    assert acts(entry((phase, "done", {key: "x1"}))) == ([(kind, {"id": "x1"})], [])
    assert acts(entry((phase, "done", {}))) == ([], [])
    assert acts(entry((phase, "intent", {key: "x1"}))) == (
        [], [f"the {phase} request was interrupted: check the contact by hand"])


def test_removals_from_workflows_and_deletes_cannot_be_reverted() -> None:
    e = entry(("workflow_removed", "done", {"workflow_id": "wf1"}),
              ("campaign_removed", "done", {"campaign_id": "ca1"}), ("delete", "done", {}))
    assert acts(e) == ([], [
        "removed from workflow wf1: re-enroll with `bulkio workflow add` if wanted (it would "
        "start again)",
        "removed from campaign ca1: re-enroll with `bulkio campaign add` if wanted (it would "
        "start again)",
        "the contact was deleted; it cannot be brought back",
    ])
    assert acts(entry(("delete", "intent", {}), ("workflow_removed", "intent", {}))) == ([], [])


def test_describe_counts_rows_and_json() -> None:
    run = RunInfo(id="r1", command="tags", argv=[], input_path=None, input_sha256=None,
                  location_id="L", mode=None, options={}, status="finished", started_at="",
                  finished_at=None, counts={})
    actions = [
        UndoAction(3, "c3", "remove-tags", {"tags": ["a", "b"]}),
        UndoAction(2, "c2", "set-business", {"business_id": None}),
        UndoAction(2, "c2", "set-business", {"business_id": "b1"}),
        UndoAction(5, "c5", "add-followers", {"followers": ["u1"]}),
        UndoAction(5, "c5", "delete-note", {"id": "n1"}),
        UndoAction(9, "c9", "delete-contact"),
    ]
    assert [a.describe() for a in actions] == [
        "remove-tags a, b", "set-business none", "set-business b1", "add-followers u1",
        "delete-note n1", "delete-contact"]
    plan = UndoPlan(run=run, actions=actions, cannot=[(11, "c11", "why"), (3, None, "x")])
    assert plan.rows == [2, 3, 5, 9, 11]
    assert plan.counts() == {"add-followers": 1, "delete-contact": 1, "delete-note": 1,
                             "remove-tags": 1, "set-business": 2}
    assert plan.to_json() == {
        "run_id": "r1", "command": "tags",
        "actions": {"add-followers": 1, "delete-contact": 1, "delete-note": 1,
                    "remove-tags": 1, "set-business": 2},
        "rows": 5,
        "cannot_revert": [{"row": 11, "contact_id": "c11", "reason": "why"},
                          {"row": 3, "contact_id": None, "reason": "x"}],
        "conflicts": [], "later_runs": [],
    }
