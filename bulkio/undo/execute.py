"""Executing an undo plan (:mod:`bulkio.undo.run`): bulk calls where the API has them.

Tag reversals are grouped by tag set into ``POST /contacts/bulk/tags/update/{type}`` chunks
and business reversals by business id into ``POST /contacts/bulk/business`` calls of 50;
everything else is one request per action, concurrently (the client paces them). Something
already gone (a deleted contact, note or task) counts as reverted when the goal was to
delete it, and as ``contact-not-found`` otherwise. An :class:`~bulkio.errors.AuthError`
propagates: no other action could succeed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bulkio.api.client import Client
from bulkio.api.lookups import delete_business
from bulkio.api.wire import row_error
from bulkio.errors import ApiError, AuthError
from bulkio.undo.plan import UndoAction

log = logging.getLogger("bulkio.undo")

#: contact fields ``PUT /contacts/{id}`` accepts that undo restores from a snapshot
RESTORABLE = (
    "firstName", "lastName", "email", "phone", "address1", "city", "state", "postalCode",
    "website", "timezone", "dnd", "dndSettings", "source", "dateOfBirth", "country",
    "assignedTo",
)  # fmt: skip
#: fields the update endpoint rejects (422): undo can only report them
NOT_UPDATABLE = ("companyName", "gender")
_GONE = ("not found", "deleted", "does not belong")


@dataclass
class Outcomes:
    """Per action (by ``id()``): done or not; per row: its first failure."""

    done: dict[int, bool] = field(default_factory=dict)
    failures: dict[int, tuple[str, str, int | None]] = field(default_factory=dict)


def _blank(value: Any) -> Any:
    if value in (None, "", [], {}):
        return None
    return value


def _same(a: Any, b: Any, key: str) -> bool:
    a, b = _blank(a), _blank(b)
    if key == "dateOfBirth" and a is not None and b is not None:
        return str(a)[:10] == str(b)[:10]
    if key == "dnd":
        return bool(a) == bool(b)
    return bool(a == b)


Conflict = tuple[str, Any, Any]
"""A field someone changed after the run: (field, value the run wrote, value now)."""


def restore_body(
    before: Mapping[str, Any], current: Mapping[str, Any],
    wrote: Mapping[str, Any] | None = None, *, force: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """The update body that puts ``current`` back to ``before``, and fields it cannot.

    With ``wrote`` (what the run's write stored, journaled since the run-state work), a
    field is restored only while it still holds that value; see :func:`restore_plan`.
    """
    body, stuck, _ = restore_plan(before, current, wrote, force=force)
    return body, stuck


def restore_plan(
    before: Mapping[str, Any], current: Mapping[str, Any],
    wrote: Mapping[str, Any] | None = None, *, force: bool = False,
) -> tuple[dict[str, Any], list[str], list[Conflict]]:
    """(update body, fields the endpoint cannot restore, conflicts).

    A field the run did not write is left alone; one it wrote is restored while it still
    holds what the run wrote, else it is a conflict (kept unless ``force``). Tags are not
    restored wholesale when ``wrote`` is known: undo removes the tags the run added, and
    tags others added stay. Older journals (no ``wrote``) restore every differing field.
    """
    body: dict[str, Any] = {}
    conflicts: list[Conflict] = []

    def changed_since(key: str, now: Any, field: str) -> bool:
        if wrote is None:
            return False
        if key not in wrote:
            return True  # not written by the run: whatever it holds is not ours to undo
        if _same(wrote[key], now, field):
            return False
        conflicts.append((key, wrote[key], now))
        return not force

    for key in RESTORABLE:
        if (not _same(before.get(key), current.get(key), key)
                and not (wrote is not None and key not in wrote)
                and not changed_since(key, current.get(key), key)):
            body[key] = _blank(before.get(key))
    if ("firstName" not in before and "lastName" not in before
            and not _same(before.get("name"), current.get("name"), "name")):
        body["name"] = _blank(before.get("name"))
    old_tags = [str(t) for t in before.get("tags") or []]
    if wrote is None and {t.casefold() for t in old_tags} != {
            str(t).casefold() for t in current.get("tags") or []}:
        body["tags"] = old_tags
    old_cf = {str(c.get("id")): c.get("value") for c in before.get("customFields") or []
              if isinstance(c, dict)}
    new_cf = {str(c.get("id")): c.get("value") for c in current.get("customFields") or []
              if isinstance(c, dict)}
    wrote_cf = wrote.get("customFields") if wrote is not None else None
    changed = [fid for fid in dict.fromkeys([*old_cf, *new_cf])
               if not _same(old_cf.get(fid), new_cf.get(fid), "customField")]
    if wrote is not None:
        cf_wrote = wrote_cf if isinstance(wrote_cf, dict) else {}
        kept: list[str] = []
        for fid in changed:
            if fid not in cf_wrote:
                continue
            if not _same(cf_wrote[fid], new_cf.get(fid), "customField"):
                conflicts.append((f"customFields.{fid}", cf_wrote[fid], new_cf.get(fid)))
                if not force:
                    continue
            kept.append(fid)
        changed = kept
    if changed:
        body["customFields"] = [{"id": fid, "fieldValue": _blank(old_cf.get(fid))}
                                for fid in changed]
    stuck = [k for k in NOT_UPDATABLE if not _same(before.get(k), current.get(k), k)
             and (wrote is None or (k in wrote and _same(wrote[k], current.get(k), k)))]
    return body, stuck, conflicts


class UndoExecutor:
    """Runs undo actions against one client."""

    def __init__(self, *, client: Client, tag_chunk: int, business_chunk: int,
                 workers: int = 16, force: bool = False) -> None:
        self.client = client
        #: overwrite fields others changed after the run (conflicts)
        self.force = force
        self.tag_chunk = max(1, tag_chunk)
        self.business_chunk = business_chunk
        self._slots = asyncio.Semaphore(max(1, workers))
        self.out = Outcomes()

    def _fail(self, action: UndoAction, code: str, message: str, http: int | None = None
              ) -> None:
        self.out.failures.setdefault(action.row, (code, message, http))

    def _api_fail(self, actions: Sequence[UndoAction], err: ApiError) -> None:
        if isinstance(err, AuthError):
            raise err
        code, message, http = row_error(err)
        for a in actions:
            self._fail(a, code, message, http)

    async def execute(self, actions: Sequence[UndoAction]) -> Outcomes:
        """Run every action; returns what succeeded and the rows that failed."""
        tag_groups: dict[tuple[str, tuple[str, ...]], list[UndoAction]] = {}
        business_groups: dict[str, list[UndoAction]] = {}
        singles: list[Any] = []
        jobs: list[Any] = []
        for a in actions:
            if a.kind in ("remove-tags", "add-tags"):
                key = (a.kind, tuple(sorted({t.casefold() for t in a.detail["tags"]})))
                tag_groups.setdefault(key, []).append(a)
            elif a.kind == "set-business":
                business_groups.setdefault(a.detail["business_id"] or "", []).append(a)
            else:
                singles.append(self._single(a))
        for (kind, tags), group in tag_groups.items():
            for i in range(0, len(group), self.tag_chunk):
                jobs.append(self._tags("add" if kind == "add-tags" else "remove", list(tags),
                                       group[i : i + self.tag_chunk]))
        for business, group in business_groups.items():
            for i in range(0, len(group), self.business_chunk):
                jobs.append(self._business(business or None, group[i : i + self.business_chunk]))
        # per-contact requests first: a PUT that restores fields must not race a bulk call
        # on the same contact (read-modify-write on the server could undo the other)
        await asyncio.gather(*singles)
        await asyncio.gather(*jobs)
        return self.out

    async def _tags(self, kind: Literal["add", "remove"], tags: list[str],
                    group: list[UndoAction]) -> None:
        ids = list(dict.fromkeys(a.contact_id for a in group))
        try:
            async with self._slots:
                data = await self.client.bulk_tags(kind, ids, tags)
        except ApiError as err:
            if err.status in (413, 422) and len(group) > 1:
                mid = len(group) // 2
                await asyncio.gather(self._tags(kind, tags, group[:mid]),
                                     self._tags(kind, tags, group[mid:]))
                return
            self._api_fail(group, err)
            return
        errors = {str(r.get("contactId")): str(r.get("message") or "error")
                  for r in data.get("responses") or []
                  if isinstance(r, dict) and r.get("type") == "error"}
        for a in group:
            if a.contact_id in errors:
                message = errors[a.contact_id]
                gone = any(g in message.lower() for g in _GONE)
                self._fail(a, "contact-not-found" if gone else "api-400", message)
            else:
                self.out.done[id(a)] = True

    async def _business(self, business: str | None, group: list[UndoAction]) -> None:
        ids = list(dict.fromkeys(a.contact_id for a in group))
        try:
            async with self._slots:
                data = await self.client.bulk_business(ids, business)
        except ApiError as err:
            self._api_fail(group, err)
            return
        returned = data.get("ids")
        updated = set(returned) if isinstance(returned, list) else set(ids)
        for a in group:
            if a.contact_id in updated:
                self.out.done[id(a)] = True
            else:
                self._fail(a, "contact-not-found", "the API did not update this contact's "
                           "business (deleted?)")

    async def _single(self, a: UndoAction) -> None:
        c, cid, d = self.client, a.contact_id, a.detail
        try:
            async with self._slots:
                if a.kind == "delete-contact":
                    await _gone_ok(c.delete_contact(cid))
                elif a.kind == "restore-fields":
                    await self._restore(a)
                    return
                elif a.kind == "remove-followers":
                    await c.remove_followers(cid, d["followers"])
                elif a.kind == "add-followers":
                    await c.add_followers(cid, d["followers"])
                elif a.kind == "delete-note":
                    await _gone_ok(c.delete_note(cid, d["id"]))
                elif a.kind == "delete-task":
                    await _gone_ok(c.delete_task(cid, d["id"]))
                elif a.kind == "remove-workflow":
                    await c.remove_from_workflow(cid, d["id"])
                elif a.kind == "delete-business":
                    await _gone_ok(delete_business(c, d["id"]))
                else:
                    await c.remove_from_campaign(cid, d["id"])
        except ApiError as err:
            self._api_fail([a], err)
            return
        self.out.done[id(a)] = True

    async def _restore(self, a: UndoAction) -> None:
        current = (await self.client.get_contact(a.contact_id)).get("contact") or {}
        body, stuck, conflicts = restore_plan(a.detail["before"], current,
                                              a.detail.get("wrote"), force=self.force)
        if body:
            await self.client.update_contact(a.contact_id, body)
        if conflicts and not self.force:
            self._fail(a, "conflict", "changed after the run, kept: " + "; ".join(
                f"{k}: the run wrote {w!r}, now {n!r}" for k, w, n in conflicts))
            return
        if stuck:
            self._fail(a, "cannot-revert", ", ".join(stuck) + " cannot be restored (the "
                       "update endpoint does not accept them); was: " + ", ".join(
                           f"{k}={a.detail['before'].get(k)!r}" for k in stuck))
            return
        self.out.done[id(a)] = True


async def _gone_ok(call: Any) -> None:
    """Await a delete; an answer saying the thing does not exist means it is gone: fine."""
    try:
        await call
    except ApiError as err:
        if err.status in (400, 404) and "not found" in (err.body or str(err)).lower():
            log.info("already gone: %s", err)
            return
        raise
