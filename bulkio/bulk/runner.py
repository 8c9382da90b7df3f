"""The asynchronous part of a bulk run (:mod:`bulkio.bulk.run`): rows in, requests out.

:class:`BulkRunner` resolves each row's contact, then either queues it into a tag/business
chunk or sends its one request, and journals every outcome with the detail ``bulkio undo``
needs. A fatal error (401/403, daily quota, 25 rows failing in a row without an API answer)
stops feeding rows; rows not settled then are reported ``not-processed`` and a ``--resume``
finishes them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from bulkio.api.client import Client
from bulkio.api.lookups import BusinessDirectory, UserDirectory, needs_lookup
from bulkio.api.wire import row_error, same_instant
from bulkio.bulk.edits import EDIT_OPS, EditFailure, apply_edit
from bulkio.bulk.resolve import ContactResolver
from bulkio.bulk.rows import Failure, OpSettings, RowJob
from bulkio.errors import ApiError, AuthError, RateLimitedError, ServerError, TransportError
from bulkio.i18n import _
from bulkio.plan.batcher import BUSINESS_CHUNK, Chunk, ChunkBatcher, bulk_tag_detail
from bulkio.plan.verify import Mismatch, list_not_stored
from bulkio.runs.journal import Journal, RowState
from bulkio.runs.kit import Progress, ProgressFn

log = logging.getLogger("bulkio.bulk")

#: rows failing in a row with no answer from the API before the run aborts
MAX_CONSECUTIVE_OUTAGES = 25
_GONE = ("not found", "deleted", "does not belong", "not a valid firebase id")

#: action written in the success report, per operation
ACTIONS = {
    "tags-add": "tagged", "tags-remove": "untagged", "business-assign": "assigned",
    "business-remove": "unassigned", "notes-add": "note-added", "tasks-add": "task-created",
    "workflow-add": "enrolled", "workflow-remove": "unenrolled", "campaign-add": "enrolled",
    "campaign-remove": "unenrolled", "followers-add": "followers-added",
    "followers-remove": "followers-removed", "delete": "deleted",
    "notes-update": "note-updated", "tasks-update": "task-updated",
    "tasks-complete": "task-completed", "campaign-remove-all": "unenrolled",
}  # fmt: skip


def _delete_sent(prior: RowState | None) -> str | None:
    """The contact an earlier part of this run sent (or may have sent) a delete for."""
    step = prior.steps.get("delete") if prior is not None else None
    if step is None or step.state not in ("intent", "done") or not step.contact_id:
        return None
    return step.contact_id


class BulkRunner:
    """Runs the rows of one bulk operation against one client."""

    def __init__(
        self,
        *,
        client: Client,
        journal: Journal,
        run_id: str,
        settings: OpSettings,
        tag_chunk: int,
        previous_business: bool,
        workers: int,
        prior: Mapping[int, RowState],
        done_fps: Mapping[str, str],
        maybe_fps: set[str],
        progress: ProgressFn | None = None,
    ) -> None:
        self.client = client
        self.journal = journal
        self.run_id = run_id
        self.settings = settings
        self.op = settings.op
        self.previous_business = previous_business
        self.workers = max(1, workers)
        self.prior = prior
        self.done_fps = done_fps
        self.maybe_fps = maybe_fps
        self.progress = progress
        #: rows of the file, when counted (the progress bar's total)
        self.total: int | None = None
        self.tags: ChunkBatcher[tuple[str, ...]] = ChunkBatcher(chunk_size=tag_chunk)
        self.business: ChunkBatcher[str] = ChunkBatcher(chunk_size=BUSINESS_CHUNK)
        self.resolver = ContactResolver(client)
        #: business names -> ids, one lookup per run (``business assign``)
        self.businesses = BusinessDirectory(client, client.location_id,
                                            create=settings.create_businesses)
        #: follower emails / full names -> user ids, one search per distinct value
        self.users = UserDirectory(client, company_id=settings.company_id)
        self.abort: ApiError | None = None
        #: contact ids this run changed (their skip-unchanged fingerprints are dropped)
        self.touched: set[str] = set()
        self._chunks: set[asyncio.Task[None]] = set()
        self._outages = 0
        self._done = 0
        self._failed = 0
        self._search_broken = False

    # -- recording ------------------------------------------------------------------------

    def _tick(self, failed: bool) -> None:
        self._done += 1
        self._failed += int(failed)
        if self.progress is not None:
            self.progress(Progress(self._done, self._failed, self.total))

    def ok(self, row: int, cid: str, *, action: str | None = None, skipped: bool = False,
           warnings: list[tuple[str, str]] | None = None) -> None:
        self._outages = 0
        self.touched.add(cid)
        self.journal.record_row(self.run_id, row, status="skipped" if skipped else "ok",
                                action=action or ACTIONS[self.op], contact_id=cid,
                                warnings=warnings or [])
        self._tick(False)

    def fail(self, row: int, code: str, message: str, *, http: int | None = None,
             cid: str | None = None) -> None:
        self.journal.record_row(self.run_id, row, status="failed", error_code=code,
                                error_message=message, http_status=http, contact_id=cid)
        self._tick(True)

    def api_failure(self, rows: Iterable[tuple[int, str | None]], err: ApiError) -> None:
        """Fail rows for ``err``, or stop the run when no row can succeed any more."""
        if isinstance(err, AuthError) or (
            isinstance(err, RateLimitedError) and "daily" in str(err).lower()
        ) or (isinstance(err, TransportError) and err.unreachable):
            self.abort = self.abort or err
            return
        if isinstance(err, TransportError | ServerError | RateLimitedError):
            self._outages += 1
            if self._outages >= MAX_CONSECUTIVE_OUTAGES and self.abort is None:
                self.abort = TransportError(
                    f"the API failed {self._outages} times in a row, last: {err}",
                    status=err.status,
                    hint=_("check the network and the API status"),
                )
        else:
            self._outages = 0  # the API answered: it is up
        code, message, http = row_error(err)
        for row, cid in rows:
            self.fail(row, code, message, http=http, cid=cid)

    # -- feeding ---------------------------------------------------------------------------

    async def run(self, jobs: Iterable[RowJob | tuple[int, Failure]]) -> None:
        """Run every row (rows already settled in ``prior`` are left as they are).

        Cancelled (Ctrl-C): the rows and chunks in flight are cancelled and waited for
        before the CancelledError goes on, so nothing runs on after the client closes."""
        pending: set[asyncio.Task[None]] = set()
        try:
            await self._feed(jobs, pending)
        except asyncio.CancelledError:
            tasks = [*pending, *self._chunks]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def _feed(self, jobs: Iterable[RowJob | tuple[int, Failure]],
                    pending: set[asyncio.Task[None]]) -> None:
        slots = asyncio.Semaphore(self.workers)
        for item in jobs:
            if self.abort is not None:
                break
            row = item.row if isinstance(item, RowJob) else item[0]
            prior = self.prior.get(row)
            if prior is not None and prior.done:
                self._tick(False)  # settled by the run's earlier part: the bar counts it
                continue
            if not isinstance(item, RowJob):
                self.fail(row, *item[1])
                continue
            await slots.acquire()
            if self.abort is not None:
                slots.release()
                break
            task = asyncio.create_task(self._row(item, prior))
            pending.add(task)
            task.add_done_callback(functools.partial(_finished, pending, slots))
        if pending:
            await asyncio.gather(*pending)
        if self.abort is None:
            self._spawn_all(self.tags.flush(), self.business.flush())
        while self._chunks:
            await asyncio.gather(*list(self._chunks))

    def _spawn_all(self, *chunk_lists: list[Chunk[Any]]) -> None:
        for chunks in chunk_lists:
            for chunk in chunks:
                coro = (self._tag_chunk(chunk) if self.op.startswith("tags-")
                        else self._business_chunk(chunk))
                task = asyncio.create_task(coro)
                self._chunks.add(task)
                task.add_done_callback(self._chunks.discard)

    async def _row(self, job: RowJob, prior: RowState | None) -> None:
        if self.op in ("tasks-add", "tasks-update"):
            try:
                with_ids = await self._task_assignee(job)
            except ApiError as err:
                self.api_failure([(job.row, None)], err)
                return
            if with_ids is None:
                return
            job = with_ids
        if self.op in ("notes-add", "tasks-add"):
            fp = job.fingerprint(self.op)
            if self.done_fps.get(fp):  # an earlier run added it: not even a lookup
                self.ok(job.row, self.done_fps[fp], action="unchanged", skipped=True)
                return
        sent = _delete_sent(prior) if self.op == "delete" else None
        if sent is not None:  # this run deleted it (or may have): a lookup would not find it
            try:
                await self._single(job, sent, prior)
            except ApiError as err:
                self.api_failure([(job.row, sent)], err)
            return
        try:
            res = await self.resolver.resolve(job.ref)
        except ApiError as err:
            self.api_failure([(job.row, None)], err)
            return
        if res.contact_id is None:
            self.fail(job.row, res.code or "contact-not-found", res.message)
            return
        cid = res.contact_id
        if self.op.startswith("tags-") and self.settings.per_contact:
            try:
                await self._contact_tags(job, cid)
            except ApiError as err:
                self.api_failure([(job.row, cid)], err)
        elif self.op.startswith("tags-"):
            key = tuple(sorted({t.casefold() for t in job.payload.get("tags", [])}))
            self._spawn_all(self.tags.add(key, job.row, cid))
        elif self.op.startswith("business-"):
            business = str(job.payload.get("business_id") or "")
            name = job.payload.get("business_name")
            if name:
                try:
                    match = await self.businesses.resolve(str(name))
                except ApiError as err:
                    self.api_failure([(job.row, cid)], err)
                    return
                if match.business_id is None:
                    self.fail(job.row, match.code or "unknown-business", match.message, cid=cid)
                    return
                business = match.business_id
                if match.created:
                    self.journal.record_step(self.run_id, job.row, "business_created",
                                             contact_id=cid, detail={"business_id": business})
            self._spawn_all(self.business.add(business, job.row, cid))
        else:
            try:
                if self.op.startswith("followers-"):
                    resolved = await self._follower_ids(job, cid)
                    if resolved is None:
                        return
                    job = RowJob(row=job.row, ref=job.ref,
                                 payload={**job.payload, "followers": resolved})
                await self._single(job, cid, prior)
            except ApiError as err:
                self.api_failure([(job.row, cid)], err)

    async def _task_assignee(self, job: RowJob) -> RowJob | None:
        """A task's assignee given as an email or full name -> its user id (before the
        row's fingerprint is taken, so re-runs compare like with like); None = failed."""
        key = "task" if self.op == "tasks-add" else "changes"
        body = job.payload.get(key)
        if not isinstance(body, dict):
            return job
        assignee = body.get("assignedTo")
        if not assignee or not needs_lookup(str(assignee)):
            return job
        match = await self.users.resolve(str(assignee))
        if match.user_id is None:
            self.fail(job.row, match.code or "unknown-user", match.message)
            return None
        return RowJob(row=job.row, ref=job.ref,
                      payload={**job.payload, key: {**body, "assignedTo": match.user_id}})

    async def _follower_ids(self, job: RowJob, cid: str) -> list[str] | None:
        """The row's followers as user ids (emails and names looked up); None = failed."""
        out: list[str] = []
        for value in job.payload.get("followers", []):
            if not needs_lookup(str(value)):
                out.append(str(value))
                continue
            match = await self.users.resolve(str(value))
            if match.user_id is None:
                self.fail(job.row, match.code or "unknown-user", match.message, cid=cid)
                return None
            out.append(match.user_id)
        return list(dict.fromkeys(out))

    async def _contact_tags(self, job: RowJob, cid: str) -> None:
        """``--per-contact``: ``POST``/``DELETE /contacts/{contactId}/tags`` for one row."""
        tags = list(job.payload.get("tags", []))
        if self.op == "tags-add":
            data = await self.client.add_tags(cid, tags)
            phase = "tags"
        else:
            data = await self.client.remove_tags(cid, tags)
            phase = "tags_removed"
        kind: Literal["add", "remove"] = "add" if self.op == "tags-add" else "remove"
        self.journal.record_step(self.run_id, job.row, phase, contact_id=cid,
                                 detail=bulk_tag_detail(kind, tags, None))
        missed = list_not_stored("tags", tags, data.get("tags"), removed=kind == "remove",
                                 fold=True)
        self.ok(job.row, cid, warnings=[("not-stored", m.message) for m in missed])

    # -- one request per row ---------------------------------------------------------------

    async def _single(self, job: RowJob, cid: str, prior: RowState | None) -> None:
        op, c, s, row = self.op, self.client, self.settings, job.row
        if op == "notes-add":
            await self._once(job, cid, prior, "note")
            return
        if op == "tasks-add":
            await self._once(job, cid, prior, "task")
            return
        if op in EDIT_OPS:
            try:
                edit = await apply_edit(c, op, cid, job.payload)
            except EditFailure as err:
                self.fail(row, err.code, str(err), cid=cid)
                return
            self.journal.record_step(self.run_id, row, edit.phase, contact_id=cid,
                                     detail=edit.detail)
            self.ok(row, cid, warnings=[("not-stored", m.message) for m in edit.not_stored])
            return
        detail: dict[str, Any]
        missed: list[Mismatch] = []  # read-after-write, where the answer carries the list
        if op == "workflow-add":
            start = job.payload.get("event_start_time")
            await c.add_to_workflow(cid, str(s.workflow_id), event_start_time=start)
            phase, detail = "workflow", {"workflow_id": s.workflow_id}
        elif op == "workflow-remove":
            await c.remove_from_workflow(cid, str(s.workflow_id))
            phase, detail = "workflow_removed", {"workflow_id": s.workflow_id}
        elif op == "campaign-add":
            await c.add_to_campaign(cid, str(s.campaign_id))
            phase, detail = "campaign", {"campaign_id": s.campaign_id}
        elif op == "campaign-remove":
            await c.remove_from_campaign(cid, str(s.campaign_id))
            phase, detail = "campaign_removed", {"campaign_id": s.campaign_id}
        elif op == "followers-add":
            data = await c.add_followers(cid, job.payload["followers"])
            added = data.get("followersAdded")
            phase = "followers"
            detail = {"added": added if isinstance(added, list) else job.payload["followers"]}
            missed = list_not_stored("followers", job.payload["followers"],
                                     data.get("followers"))
        elif op == "followers-remove":
            data = await c.remove_followers(cid, job.payload["followers"])
            removed = data.get("followersRemoved")
            phase = "followers_removed"
            detail = {"removed": removed if isinstance(removed, list)
                      else job.payload["followers"]}
            missed = list_not_stored("followers", job.payload["followers"],
                                     data.get("followers"), removed=True)
        else:
            phase, detail = "delete", {}
            self.journal.record_intent(self.run_id, row, "delete", contact_id=cid)
            try:
                await c.delete_contact(cid)
            except ApiError as err:
                if row_error(err)[0] != "contact-not-found" or _delete_sent(prior) != cid:
                    raise
                # this run's earlier delete went through before the process stopped
                detail = {"already_deleted": True}
        self.journal.record_step(self.run_id, row, phase, contact_id=cid, detail=detail)
        self.ok(row, cid, warnings=[("not-stored", m.message) for m in missed])

    async def _once(self, job: RowJob, cid: str, prior: RowState | None, phase: str) -> None:
        """A note or task: never added twice (earlier runs, resume, lost answers)."""
        fp = job.fingerprint(self.op)
        if fp in self.done_fps:
            self.ok(job.row, self.done_fps[fp] or cid, action="unchanged", skipped=True)
            return
        step = prior.steps.get(phase) if prior is not None else None
        if (step is not None and step.state == "intent") or fp in self.maybe_fps:
            found = await self._existing(cid, phase, job.payload[phase])
            if found is not None:
                log.info("row %d: the %s was added by the interrupted run", job.row, phase)
                self.journal.record_step(self.run_id, job.row, phase, contact_id=cid,
                                         detail={f"{phase}_id": found, "fp": fp})
                self.ok(job.row, cid)
                return
        self.journal.record_intent(self.run_id, job.row, phase, contact_id=cid,
                                   detail={"fp": fp})
        try:
            if phase == "note":
                made = (await self.client.add_note(cid, job.payload["note"])).get("note")
            else:
                made = (await self.client.create_task(cid, job.payload["task"])).get("task")
        except ApiError as err:
            if err.status is not None and err.status < 500 and err.status != 429:
                # answered with a refusal: nothing was created
                self.journal.record_step(self.run_id, job.row, phase, state="failed",
                                         contact_id=cid)
            raise
        made_id = made.get("id") if isinstance(made, dict) else None
        self.journal.record_step(self.run_id, job.row, phase, contact_id=cid,
                                 detail={f"{phase}_id": made_id, "fp": fp})
        self.ok(job.row, cid)

    async def _existing(self, cid: str, phase: str, body: Mapping[str, Any]) -> str | None:
        if phase == "note":
            for note in (await self.client.list_notes(cid)).get("notes") or []:
                if isinstance(note, dict) and note.get("body") == body.get("body"):
                    return str(note.get("id"))
            return None
        for task in (await self.client.list_tasks(cid)).get("tasks") or []:
            if (isinstance(task, dict) and task.get("title") == body.get("title")
                    and same_instant(task.get("dueDate"), body.get("dueDate"))):
                return str(task.get("id"))
        return None

    # -- chunks ----------------------------------------------------------------------------

    async def _tag_chunk(self, chunk: Chunk[tuple[str, ...]]) -> None:
        kind: Literal["add", "remove"] = "add" if self.op == "tags-add" else "remove"
        remove_all = self.settings.all_tags and kind == "remove"
        try:
            data = await self.client.bulk_tags(kind, chunk.contact_ids, list(chunk.key),
                                               remove_all=remove_all)
        except ApiError as err:
            if err.status in (413, 422) and len(chunk.items) > 1:
                half = max(1, len(chunk.items) // 2)
                if self.tags.chunk_size > half:
                    log.warning("bulk tags: a chunk of %d answered %s; using chunks of %d",
                                len(chunk.items), err.status, half)
                    self.tags.chunk_size = half
                left, right = chunk.halves()
                await asyncio.gather(self._tag_chunk(left), self._tag_chunk(right))
                return
            self.api_failure([(i.row, i.contact_id) for i in chunk.items], err)
            return
        answers: dict[str, dict[str, Any]] = {}
        for item in data.get("responses") or []:
            if isinstance(item, dict) and item.get("contactId"):
                answers.setdefault(str(item["contactId"]), item)
        clean = not data.get("errorCount")
        for it in chunk.items:
            ans = answers.get(it.contact_id)
            if ans is None and not clean:
                self.fail(it.row, "api-error", "the bulk tags answer does not mention this "
                          "contact", cid=it.contact_id)
                continue
            if ans is not None and ans.get("type") == "error":
                message = str(ans.get("message") or "error")
                gone = any(g in message.lower() for g in _GONE)
                self.fail(it.row, "contact-not-found" if gone else "api-400", message,
                          cid=it.contact_id)
                continue
            self.journal.record_step(self.run_id, it.row, "tags" if kind == "add"
                                     else "tags_removed", contact_id=it.contact_id,
                                     detail=bulk_tag_detail(kind, list(chunk.key), ans))
            self.ok(it.row, it.contact_id)

    async def _business_chunk(self, chunk: Chunk[str]) -> None:
        business = chunk.key or None
        ids = chunk.contact_ids
        previous = await self._current_business(ids) if self.previous_business else None
        try:
            data = await self.client.bulk_business(ids, business)
        except ApiError as err:
            self.api_failure([(i.row, i.contact_id) for i in chunk.items], err)
            return
        returned = data.get("ids")
        updated = set(returned) if isinstance(returned, list) else set(ids)
        for it in chunk.items:
            if data.get("success", True) and it.contact_id in updated:
                detail: dict[str, Any] = {"business_id": business}
                if previous is not None and it.contact_id in previous:
                    detail["previous"] = previous[it.contact_id]
                self.journal.record_step(self.run_id, it.row, "business",
                                         contact_id=it.contact_id, detail=detail)
                self.ok(it.row, it.contact_id)
            else:
                self.fail(it.row, "contact-not-found", "the API did not update this contact "
                          "(unknown id, deleted, or in another location)", cid=it.contact_id)

    async def _current_business(self, ids: list[str]) -> dict[str, str | None] | None:
        """Business id of each contact before the change (for undo); None if unknown."""
        if self._search_broken:
            return None
        filters = [{"field": "id", "operator": "eq", "value": i} for i in ids]
        try:
            data = await self.client.search({"pageLimit": 100, "page": 1,
                                             "filters": [{"group": "OR", "filters": filters}]})
        except ApiError as err:
            if isinstance(err, AuthError):
                raise
            log.warning("cannot look up the contacts' previous business (%s): undo will not "
                        "be able to restore it", err)
            self._search_broken = err.status in (400, 422)
            return None
        out: dict[str, str | None] = {}
        for contact in data.get("contacts") or []:
            if isinstance(contact, dict) and contact.get("id"):
                value = contact.get("businessId")
                out[str(contact["id"])] = str(value) if value else None
        return out


def _finished(pending: set[asyncio.Task[None]], slots: asyncio.Semaphore,
              task: asyncio.Task[None]) -> None:
    pending.discard(task)
    slots.release()
