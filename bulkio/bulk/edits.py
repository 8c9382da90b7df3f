"""Edits of existing items from a spreadsheet: ``notes update``, ``tasks update``,
``tasks complete`` and ``campaign remove --all``.

A row names its note or task by id, or by title (the contact's only note/task with that
title). The item is read first (``GET`` one note or task) so the journal keeps its previous
values; the answer of the ``PUT`` is then compared with what was sent, and a field not
stored as sent becomes a ``not-stored`` warning, as for contact writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkio.api import operations as ops
from bulkio.api.client import Client
from bulkio.api.wire import same_instant
from bulkio.plan.verify import Mismatch

__all__ = ["EDIT_OPS", "EditFailure", "EditResult", "apply_edit"]

#: bulk operations handled here, with the journal phase each records
EDIT_OPS: dict[str, str] = {
    "notes-update": "note_updated", "tasks-update": "task_updated",
    "tasks-complete": "task_completed", "campaign-remove-all": "campaigns_removed",
}  # fmt: skip


class EditFailure(Exception):
    """The row's item cannot be found or is ambiguous: ``code`` is from the catalogue."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class EditResult:
    """What one edit did: the journal phase and detail, and any field not stored as sent."""

    phase: str
    detail: dict[str, Any]
    not_stored: list[Mismatch] = field(default_factory=list)


async def _find(client: Client, cid: str, kind: str, target: Mapping[str, Any]) -> dict[str, Any]:
    if target.get("id"):
        item = await (ops.get_note(client, cid, str(target["id"])) if kind == "note"
                      else ops.get_task(client, cid, str(target["id"])))
        if not item.get("id"):
            raise EditFailure("item-not-found", f"the contact has no {kind} {target['id']}")
        return item
    title = str(target.get("match_title") or "")
    listing = (await (client.list_notes(cid) if kind == "note" else client.list_tasks(cid)))
    items = [i for i in listing.get(f"{kind}s") or [] if isinstance(i, dict)]
    wanted = " ".join(title.casefold().split())
    found = [i for i in items if " ".join(str(i.get("title") or "").casefold().split()) == wanted]
    if not found:
        raise EditFailure("item-not-found", f"the contact has no {kind} titled {title!r}")
    if len(found) > 1:
        ids = ", ".join(str(i.get("id")) for i in found)
        raise EditFailure("ambiguous-item", f"{len(found)} {kind}s of the contact are titled "
                          f"{title!r} ({ids}): add a {kind}_id column")
    return found[0]


def _mismatches(changes: Mapping[str, Any], answer: Mapping[str, Any]) -> list[Mismatch]:
    if not answer:
        return []
    out: list[Mismatch] = []
    for key, value in changes.items():
        got = answer.get(key)
        same = same_instant(value, got) if key == "dueDate" else value == got
        if not same:
            out.append(Mismatch(key, value, got))
    return out


async def apply_edit(client: Client, op: str, cid: str, payload: Mapping[str, Any]) -> EditResult:
    """Run one row's edit on contact ``cid``; raises :class:`EditFailure` or ``ApiError``."""
    phase = EDIT_OPS[op]
    if op == "campaign-remove-all":
        await ops.remove_from_all_campaigns(client, cid)
        return EditResult(phase, {})
    kind = "note" if op == "notes-update" else "task"
    item = await _find(client, cid, kind, payload[kind])
    item_id = str(item["id"])
    changes: dict[str, Any] = dict(payload["changes"])
    previous = {k: item.get(k) for k in changes}
    if op == "notes-update":
        answer = await ops.update_note(client, cid, item_id, changes)
    elif op == "tasks-complete":
        answer = await ops.complete_task(client, cid, item_id,
                                         completed=bool(changes["completed"]))
    else:
        answer = await ops.update_task(client, cid, item_id, changes)
    detail = {f"{kind}_id": item_id, "previous": previous, "changes": changes}
    return EditResult(phase, detail, _mismatches(changes, answer))
