"""The per-row phases of an import run: contact write, follow-ups, bulk tags and business.

:class:`RowRunner` is driven by :mod:`bulkio.imports.importer`. Each row goes through

1. the contact phase (``upsert`` / ``create`` / ``update``), skipped when the journal
   already holds it as done for the same fingerprint (resume, retry);
2. its follow-ups (note, task, workflow, campaign, followers), one request each;
3. the bulk phases: its contact id joins a :class:`~bulkio.plan.batcher.TagBatcher` /
   :class:`~bulkio.plan.batcher.BusinessBatcher` group and the row settles when the chunk it
   landed in has been answered (per-contact outcomes of the bulk tags response are mapped
   back to rows).

A row's outcome merges every phase: a failure after the contact was saved is reported as
``tag-failed`` / ``business-failed`` / ``followup-failed`` with the contact id (the contact
exists but not everything was done); ``bulkio retry`` then redoes only the missing phases.
Every phase outcome is journaled as it arrives; non-idempotent requests (create, note,
task) write an ``intent`` first so that a resume after ``kill -9`` checks before resending.

A contact counts as ``created`` only when the API's answer to this run's own request says
``new: true``: never from dates. An upsert whose answer was lost and that the client resent
comes back ``new: false``; it is reported ``updated`` and undo leaves it in place (a contact
another writer created meanwhile looks the same, and must never be deleted by our undo).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkio.api.client import Client
from bulkio.api.pacing import DAILY_HINT
from bulkio.api.wire import row_error, same_instant
from bulkio.errors import ApiError, AuthError, RateLimitedError, ServerError, TransportError
from bulkio.i18n import _
from bulkio.plan.batcher import (
    BusinessBatcher,
    Chunk,
    Followup,
    Mode,
    RowPlan,
    TagBatcher,
    bulk_tag_detail,
)
from bulkio.plan.verify import list_not_stored, not_stored, split_match
from bulkio.runs.journal import Journal, RowState

log = logging.getLogger("bulkio.phases")

#: rows failing in a row with no answer from the API before the run aborts
MAX_CONSECUTIVE_OUTAGES = 25
_CONTACT_PHASES = ("upsert", "create", "update")


class RunAbort(Exception):
    """Internal: a fatal error (auth, daily quota, outage) stops the whole run."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class RowWork:
    """One row in flight: its plan, what is known so far and what is still outstanding."""

    plan: RowPlan
    fingerprint: str
    prior: RowState | None = None
    contact_id: str | None = None
    action: str | None = None
    outstanding: int = 0
    failure: tuple[str, str, int | None] | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)
    #: of the tags / followers this row adds, those the contact already had (casefolded);
    #: None when unknown (the contact answer did not say, or the phase was done earlier)
    had_tags: frozenset[str] | None = None
    had_followers: frozenset[str] | None = None
    #: set by the snapshot lookup when the email and phone belong to two contacts (#37)
    split: str | None = None
    #: what the snapshot lookup saw before the write: None = no lookup was made; else the
    #: contact owning the row's email as its primary email (or {} when none did)
    email_owner: dict[str, Any] | None = None
    #: the contact the lookup matched (for the previous values in messages)
    before: dict[str, Any] | None = None
    #: create mode: the contact was found after an interrupted create (ours or not)
    found_after_intent: bool = False

    @property
    def row(self) -> int:
        return self.plan.row

    def prior_done(self, phase: str) -> bool:
        """True when this phase already succeeded for this same row content."""
        if self.prior is None:
            return False
        # a row whose result was lost in a crash has steps but no fingerprint: same input
        if self.prior.fingerprint is not None and self.prior.fingerprint != self.fingerprint:
            return False
        step = self.prior.steps.get(phase)
        return step is not None and step.state == "done"

    def prior_intent(self, phase: str) -> bool:
        if self.prior is None:
            return False
        step = self.prior.steps.get(phase)
        return step is not None and step.state == "intent"

    def fail(self, code: str, message: str, http: int | None = None) -> None:
        """Keep the first failure: it is the one the user must fix."""
        if self.failure is None:
            self.failure = (code, message, http)


def _refused(err: ApiError) -> bool:
    """The API answered and refused the request (4xx other than 408/429): not applied."""
    return err.status is not None and 400 <= err.status < 500 and err.status not in (408, 429)


def _daily_quota(err: ApiError) -> bool:
    """The location's daily quota is used up (the pacer refuses to send before 429s)."""
    return isinstance(err, RateLimitedError) and (
        err.hint == DAILY_HINT or "daily" in str(err).lower()
    )


def _duplicate_meta(err: ApiError) -> dict[str, Any] | None:
    try:
        data = json.loads(err.body)
    except ValueError:
        return None
    meta = data.get("meta") if isinstance(data, dict) else None
    return meta if isinstance(meta, dict) and meta.get("contactId") else None


class RowRunner:
    """Runs rows through every phase; settled rows go to ``on_settled``."""

    def __init__(
        self,
        *,
        client: Client,
        journal: Journal,
        run_id: str,
        mode: Mode,
        tag_chunk: int,
        on_settled: Callable[[RowWork], None],
        strict: bool = False,
        on_split_match: str = "send",
        snapshot: bool = False,
    ) -> None:
        self.client = client
        self.journal = journal
        self.run_id = run_id
        self.mode = mode
        self.tags = TagBatcher(chunk_size=tag_chunk)
        self.business = BusinessBatcher()
        self.on_settled = on_settled
        #: a field not stored as sent fails the row instead of warning
        self.strict = strict
        self.on_split_match = on_split_match
        #: record what each update wrote, so that undo restores a field only while it
        #: still holds that value (a later change by someone else is a conflict)
        self.snapshot = snapshot
        self._works: dict[int, RowWork] = {}
        self._outages = 0
        self.fatal: ApiError | None = None

    # -- fatal errors -------------------------------------------------------------------

    def _check_fatal(self, err: ApiError) -> None:
        """Raise RunAbort for errors no other row can escape; count outages."""
        if isinstance(err, AuthError) or (isinstance(err, TransportError) and err.unreachable):
            raise RunAbort(err)
        if _daily_quota(err):
            raise RunAbort(err)
        if isinstance(err, TransportError | ServerError | RateLimitedError):
            self._outages += 1
            if self._outages >= MAX_CONSECUTIVE_OUTAGES:
                raise RunAbort(
                    TransportError(
                        f"the API failed {self._outages} rows in a row, last: {err}",
                        status=err.status,
                        hint=_("check the network and the API status"),
                    )
                )
        else:
            self._outages = 0

    # -- one row ------------------------------------------------------------------------

    async def run_row(self, work: RowWork) -> None:
        """Contact phase, follow-ups, then queue the bulk phases; settles the row if done."""
        if work.split is not None and not work.prior_done(self.mode):
            if self.on_split_match == "skip":
                work.fail("split-match", work.split)
                self._settle(work)
                return
            work.warnings.append(("split-match", work.split))
        if not await self._contact_phase(work):
            self._settle(work)
            return
        self._outages = 0
        cid = work.contact_id
        assert cid is not None
        for followup in work.plan.followups:
            await self._followup(work, cid, followup)
        work.plan.body = {}  # the payload is no longer needed: keep memory flat
        work.outstanding = 1  # held until both bulk phases are queued
        ready: list[Chunk[Any]] = []
        if work.plan.tags and not work.prior_done("tags"):
            work.outstanding += 1
            ready += self.tags.add_tags(work.row, cid, work.plan.tags)
        if work.plan.business_id and not work.prior_done("business"):
            work.outstanding += 1
            ready += self.business.add(work.plan.business_id, work.row, cid)
        self._release(work)
        # The worker that fills a group sends it itself, now: a separate task would compete
        # with the row workers for the client's slots and could wait until the input ends
        # (rows would then settle only at the very end, holding memory and progress).
        for chunk in ready:
            await self._send(chunk)
        if self.fatal is not None:
            raise RunAbort(self.fatal)

    async def _contact_phase(self, work: RowWork) -> bool:
        phase = {"upsert": "upsert", "create": "create", "update": "update"}[self.mode]
        if work.prior_done(phase) and work.prior is not None:
            step = work.prior.steps[phase]
            work.contact_id = step.contact_id or work.prior.contact_id
            work.action = "created" if step.detail.get("new") else "updated"
            work.had_tags = _had(step.detail.get("had_tags"))
            work.had_followers = _had(step.detail.get("had_followers"))
            work.warnings += [("not-stored", m) for m in step.detail.get("not_stored") or ()]
            if work.contact_id:
                return True
        answered = True  # False when an update answer carries no contact to check
        try:
            if self.mode == "upsert":
                data = await self.client.upsert_contact(work.plan.body)
                contact = data.get("contact") or {}
                new = bool(data.get("new"))
            elif self.mode == "create":
                contact, new = await self._create(work)
                if not contact:
                    return False
            else:
                found = await self._find_for_update(work)
                if found is None:
                    return False
                try:
                    data = await self.client.update_contact(found, work.plan.body)
                except ApiError as err:
                    # a Contact Id from another sub-account's export: match by email/phone
                    if not (work.plan.contact_id and _not_found(err) and
                            (work.plan.lookup_email or work.plan.lookup_phone)):
                        raise
                    foreign, work.plan.contact_id = work.plan.contact_id, None
                    found = await self._find_for_update(work)
                    if found is None:
                        return False
                    work.warnings.append(("foreign-contact-id", _foreign_note(foreign)))
                    data = await self.client.update_contact(found, work.plan.body)
                contact = data.get("contact") or {"id": found}
                answered = bool(data.get("contact"))
                new = False
        except ApiError as err:
            self._check_fatal(err)
            work.fail(*row_error(err))
            return False
        cid = str(contact.get("id") or "")
        if not cid:
            work.fail("api-error", "the API answered without a contact id")
            return False
        work.contact_id = cid
        work.action = "created" if new else "updated"
        detail: dict[str, Any] = {"new": new}
        if work.found_after_intent:
            detail["found_after_intent"] = True
        detail.update(_already_had(work, contact))
        # read-after-write: the answer is the stored contact; a value not stored as sent
        # is a warning (a failure with --strict), see bulkio.plan.verify
        missed = [m.message for m in not_stored(work.plan.body, contact)] if answered else []
        swap = _email_swap(work, contact, new) if self.mode == "upsert" else None
        if swap is not None:
            work.warnings.append(("email-swapped", swap))
        if missed:
            detail["not_stored"] = missed
        if self.snapshot and not new:
            detail["wrote"] = _wrote(work.plan.body, contact)
        self.journal.record_step(self.run_id, work.row, phase, contact_id=cid, detail=detail)
        if missed and self.strict:
            work.fail("not-stored", "; ".join(missed))
            return False
        work.warnings += [("not-stored", m) for m in missed]
        return True

    async def _create(self, work: RowWork) -> tuple[dict[str, Any], bool]:
        body = work.plan.body
        if work.prior_intent("create") and (body.get("email") or body.get("phone")):
            # a create may have reached the API before the process died: look first
            found = await self.client.find_duplicate(email=body.get("email"),
                                                     phone=body.get("phone"))
            if found is not None:
                # not proven ours (another writer may have created it): never "created",
                # so undo leaves it in place and lists it
                work.found_after_intent = True
                return found, False
        retried = work.prior_intent("create")
        self.journal.record_intent(self.run_id, work.row, "create")
        try:
            data = await self.client.create_contact(body)
        except ApiError as err:
            meta = _duplicate_meta(err)
            if err.status == 400 and meta is not None and retried and meta.get("contactId"):
                # the duplicate lookup above missed it (search lags writes), the API's own
                # refusal names it: the contact an interrupted create may have made. Not
                # proven ours, so never "created" (undo leaves it and lists it)
                work.found_after_intent = True
                return {"id": str(meta["contactId"])}, False
            if err.status == 400 and meta is not None:
                self.journal.record_step(self.run_id, work.row, "create", state="failed")
                work.fail(
                    "duplicate-contact",
                    f"a contact already has this {meta.get('matchingField') or 'email/phone'}: "
                    f"{meta['contactId']} ({meta.get('contactName') or 'no name'})",
                    400,
                )
                return {}, False
            raise
        return data.get("contact") or {}, True

    async def _find_for_update(self, work: RowWork) -> str | None:
        if work.plan.contact_id:
            return work.plan.contact_id
        found = await self.client.find_duplicate(email=work.plan.lookup_email,
                                                 phone=work.plan.lookup_phone)
        if found is None or not found.get("id"):
            work.fail("contact-not-found", "no contact has this email or phone")
            return None
        return str(found["id"])

    async def _followup(self, work: RowWork, cid: str, step: Followup) -> None:
        phase = step.kind
        if work.prior_done(phase):
            return
        sent = False  # a note/task request went out: its outcome may be unknown
        try:
            detail: dict[str, Any] = {}
            if phase in ("note", "task"):
                found = await self._existing(phase, cid, step.payload) \
                    if work.prior_intent(phase) else None
                if found is not None:
                    detail = {f"{phase}_id": found, "found": True}
                else:
                    self.journal.record_intent(self.run_id, work.row, phase, contact_id=cid)
                    sent = True
                    if phase == "note":
                        made = (await self.client.add_note(cid, step.payload)).get("note")
                    else:
                        made = (await self.client.create_task(cid, step.payload)).get("task")
                    detail = {f"{phase}_id": (made or {}).get("id")}
            elif phase == "workflow":
                await self.client.add_to_workflow(
                    cid, step.payload["id"], event_start_time=step.payload.get("eventStartTime"))
                detail = {"workflow_id": step.payload["id"]}
            elif phase == "campaign":
                await self.client.add_to_campaign(cid, step.payload["id"])
                detail = {"campaign_id": step.payload["id"]}
            else:
                answer = await self.client.add_followers(cid, step.payload["followers"])
                detail = _followers_detail(step.payload["followers"], work.had_followers,
                                           answer)
                work.warnings += [("not-stored", m.message) for m in list_not_stored(
                    "followers", step.payload["followers"], answer.get("followers"))]
        except ApiError as err:
            self._check_fatal(err)
            _, message, http = row_error(err)
            if not (sent or work.prior_intent(phase)) or _refused(err):
                self.journal.record_step(self.run_id, work.row, phase, state="failed",
                                         contact_id=cid)
            # else: the request may have been applied (answer lost, 5xx after the commit):
            # the intent stays, so a retry or a re-import looks before sending it again
            work.fail("followup-failed", f"{phase}: {message}", http)
            return
        self.journal.record_step(self.run_id, work.row, phase, contact_id=cid, detail=detail)

    async def _existing(self, phase: str, cid: str, payload: dict[str, Any]) -> str | None:
        """The id of this note/task already on the contact (a request whose answer was
        lost), or None."""
        if phase == "note":
            notes = (await self.client.list_notes(cid)).get("notes") or []
            for n in notes:
                if isinstance(n, dict) and n.get("body") == payload["body"]:
                    return str(n.get("id") or "") or None
            return None
        tasks = (await self.client.list_tasks(cid)).get("tasks") or []
        for t in tasks:
            if (isinstance(t, dict) and t.get("title") == payload["title"]
                    and same_instant(t.get("dueDate"), payload["dueDate"])):
                return str(t.get("id") or "") or None
        return None

    # -- bulk phases --------------------------------------------------------------------

    async def _send(self, chunk: Chunk[Any]) -> None:
        if isinstance(chunk.key, tuple):
            await self._tag_chunk(chunk)
        else:
            await self._business_chunk(chunk)

    async def drain(self) -> None:
        """Send every open group, concurrently, and wait for the answers (end of input)."""
        chunks: list[Chunk[Any]] = [*self.tags.flush(), *self.business.flush()]
        await asyncio.gather(*(self._send(c) for c in chunks))
        if self.fatal is not None:
            raise RunAbort(self.fatal)

    async def _tag_chunk(self, chunk: Chunk[tuple[str, ...]]) -> None:
        tags = list(chunk.key)
        try:
            data = await self.client.bulk_tags("add", chunk.contact_ids, tags)
        except ApiError as err:
            if err.status in (413, 422) and len(chunk.items) > 1:
                left, right = chunk.halves()
                log.info("bulk tags chunk of %d answered %s: halving", len(chunk.items),
                         err.status)
                await asyncio.gather(self._tag_chunk(left), self._tag_chunk(right))
                return
            self._chunk_failed(chunk, "tags", "tag-failed", err)
            return
        errors: dict[str, str] = {}
        answers: dict[str, Mapping[str, Any]] = {}
        for item in data.get("responses") or []:
            if isinstance(item, dict) and item.get("type") == "error":
                errors[str(item.get("contactId"))] = str(item.get("message") or "error")
            elif isinstance(item, dict):
                answers[str(item.get("contactId"))] = item
        for it in chunk.items:
            work = self._works.get(it.row)
            if it.contact_id in errors:
                self.journal.record_step(self.run_id, it.row, "tags", state="failed",
                                         contact_id=it.contact_id)
                if work is not None:
                    work.fail("tag-failed", f"tags {', '.join(tags)}: {errors[it.contact_id]}")
            else:
                had = work.had_tags if work is not None else None
                self.journal.record_step(self.run_id, it.row, "tags", contact_id=it.contact_id,
                                         detail=_tags_detail(tags, had,
                                                             answers.get(it.contact_id)))
            if work is not None:
                self._release(work)

    async def _business_chunk(self, chunk: Chunk[str]) -> None:
        try:
            data = await self.client.bulk_business(chunk.contact_ids, chunk.key)
        except ApiError as err:
            self._chunk_failed(chunk, "business", "business-failed", err)
            return
        returned = data.get("ids")
        updated = set(returned) if isinstance(returned, list) else set(chunk.contact_ids)
        ok = bool(data.get("success", True))
        for it in chunk.items:
            work = self._works.get(it.row)
            if ok and it.contact_id in updated:
                self.journal.record_step(self.run_id, it.row, "business",
                                         contact_id=it.contact_id,
                                         detail={"business_id": chunk.key})
            else:
                self.journal.record_step(self.run_id, it.row, "business", state="failed",
                                         contact_id=it.contact_id)
                if work is not None:
                    work.fail("business-failed",
                              f"business {chunk.key}: the API did not update this contact")
            if work is not None:
                self._release(work)

    def _chunk_failed(self, chunk: Chunk[Any], phase: str, code: str, err: ApiError) -> None:
        if isinstance(err, AuthError) or _daily_quota(err):
            self.fatal = err
        _, message, http = row_error(err)
        for it in chunk.items:
            self.journal.record_step(self.run_id, it.row, phase, state="failed",
                                     contact_id=it.contact_id)
            work = self._works.get(it.row)
            if work is not None:
                work.fail(code, message, http)
                self._release(work)

    # -- settling -----------------------------------------------------------------------

    def track(self, work: RowWork) -> None:
        """Register a row before :meth:`run_row` so bulk answers find it."""
        self._works[work.row] = work

    def _release(self, work: RowWork) -> None:
        work.outstanding -= 1
        if work.outstanding <= 0:
            self._settle(work)

    def _settle(self, work: RowWork) -> None:
        if self._works.pop(work.row, None) is None:
            return
        self.on_settled(work)

    @property
    def in_flight(self) -> int:
        """Rows started and not settled yet (including rows waiting in bulk groups)."""
        return len(self._works)


# -- snapshots ------------------------------------------------------------------------------


async def snapshot_batch(client: Client, journal: Journal, run_id: str,
                         works: list[RowWork]) -> None:
    """Save the current state of the contacts these rows will update (for ``bulkio undo``).

    One ``POST /contacts/search`` for the whole batch (an OR of the rows' emails and
    phones, matched like the upsert: email first, then phone), plus one
    ``GET /contacts/{id}`` per row that names its contact id. Rows whose contact phase is
    already done (resume) need no snapshot.
    """
    todo = [w for w in works if not any(w.prior_done(p) for p in _CONTACT_PHASES)]
    filters: list[dict[str, Any]] = []
    for w in todo:
        if w.plan.contact_id:
            try:
                contact = (await client.get_contact(w.plan.contact_id)).get("contact")
            except ApiError as err:
                if not (_not_found(err) and (w.plan.lookup_email or w.plan.lookup_phone)):
                    raise
                # a Contact Id from another sub-account's export: matched by email/phone
                w.warnings.append(("foreign-contact-id", _foreign_note(w.plan.contact_id)))
                w.plan.contact_id = None
            else:
                if isinstance(contact, dict) and contact.get("id"):
                    journal.save_snapshot(run_id, str(contact["id"]), contact)
                continue
        if w.plan.lookup_email:
            filters.append({"field": "email", "operator": "eq", "value": w.plan.lookup_email})
        if w.plan.lookup_phone:
            filters.append({"field": "phone", "operator": "eq", "value": w.plan.lookup_phone})
    if not filters:
        return
    by_email: dict[str, dict[str, Any]] = {}
    by_phone: dict[str, dict[str, Any]] = {}
    page = 1
    while True:
        data = await client.search({"pageLimit": 100, "page": page,
                                    "filters": [{"group": "OR", "filters": filters}]})
        contacts = [c for c in data.get("contacts") or [] if isinstance(c, dict)]
        for c in contacts:
            if c.get("email"):
                by_email.setdefault(str(c["email"]).casefold(), c)
            if c.get("phone"):
                by_phone.setdefault(str(c["phone"]), c)
        if len(contacts) < 100 or page * 100 >= int(data.get("total") or 0):
            break
        page += 1
    for w in todo:
        if w.plan.contact_id:
            continue
        email = w.plan.lookup_email
        found = by_email.get(email.casefold()) if email else None
        phone_owner = by_phone.get(w.plan.lookup_phone) if w.plan.lookup_phone else None
        w.split = split_match(found, phone_owner)
        w.email_owner = found or {}
        w.before = found or phone_owner
        if found is None:
            found = phone_owner
        if found is not None and found.get("id"):
            journal.save_snapshot(run_id, str(found["id"]), found)


def _not_found(err: ApiError) -> bool:
    """The API's answer to an unknown contact id (400 ``Contact with id ... not found``)."""
    return err.status in (400, 404) and "not found" in str(err).lower()


def _foreign_note(contact_id: str) -> str:
    return (f"contact id {contact_id} is not in this location (an export of another "
            "sub-account?): matched by email/phone instead")


def _email_swap(work: RowWork, contact: Mapping[str, Any], new: bool) -> str | None:
    """#337: the upsert matched a contact whose *additional* email is the row's email.

    Seen when the snapshot lookup found no contact with this primary email, yet the upsert
    updated an existing contact that now has it as primary: the API made the additional
    email the primary one and the previous primary email is lost.
    """
    email = work.plan.lookup_email
    if new or not email or work.email_owner is None or work.email_owner:
        return None
    if str(contact.get("email") or "").casefold() != email.casefold():
        return None
    before = work.before if work.before and work.before.get("id") == contact.get("id") else None
    lost = f" {before['email']!r}" if before and before.get("email") else ""
    return (f"{email} was an additional email of contact {contact.get('id')}: the API made "
            f"it the primary email and the previous primary email{lost} is lost")


# -- what undo needs: which tags / followers the run really added -------------------------


def _wrote(body: Mapping[str, Any], contact: Mapping[str, Any]) -> dict[str, Any]:
    """The fields this write set, as the API stored them (from its answer)."""
    out: dict[str, Any] = {k: contact.get(k) for k in body
                           if k not in ("locationId", "tags", "customFields")}
    sent_cf = {str(c.get("id")) for c in body.get("customFields") or [] if isinstance(c, dict)}
    if sent_cf:
        stored = {str(c.get("id")): c.get("value") for c in contact.get("customFields") or []
                  if isinstance(c, dict)}
        out["customFields"] = {fid: stored.get(fid) for fid in sent_cf}
    return out


def _had(value: Any) -> frozenset[str] | None:
    return frozenset(str(v).casefold() for v in value) if isinstance(value, list) else None


def _already_had(work: RowWork, contact: Mapping[str, Any]) -> dict[str, list[str]]:
    """Of the tags / followers the row adds next, those the contact already had.

    The contact in the upsert/create/update answer is the contact after that write and
    before the bulk tags call; the body carries no ``tags`` (``--tags add``) nor followers,
    so the answer's lists are what the contact had before this run. Journaled with the
    contact step (only the row's own values: small) so that a resume knows them too.
    """
    out: dict[str, list[str]] = {}
    body_sets = {"tags": "tags" in work.plan.body, "followers": False}
    wanted = {
        "tags": list(work.plan.tags),
        "followers": [str(f) for fu in work.plan.followups if fu.kind == "followers"
                      for f in fu.payload["followers"]],
    }  # fmt: skip
    for key, values in wanted.items():
        current = contact.get(key)
        if not values or body_sets[key] or not isinstance(current, list):
            continue
        had = {str(v).casefold() for v in current}
        out[f"had_{key}"] = [v for v in values if v.casefold() in had]
        if key == "tags":
            work.had_tags = frozenset(v.casefold() for v in out["had_tags"])
        else:
            work.had_followers = frozenset(v.casefold() for v in out["had_followers"])
    return out


def _tags_detail(tags: list[str], had: frozenset[str] | None,
                 answer: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``tags`` step detail: ``added`` = the tags the contact did not have before;
    ``exact`` when that is known (from the contact answer or the bulk answer)."""
    if had is not None:
        return {"added": [t for t in tags if t.casefold() not in had], "exact": True}
    detail = bulk_tag_detail("add", tags, answer)
    if detail.pop("assumed", False):
        return detail
    return {**detail, "exact": True}


def _followers_detail(users: list[str], had: frozenset[str] | None,
                      answer: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``followers`` step detail, like :func:`_tags_detail`."""
    if had is not None:
        return {"added": [u for u in users if u.casefold() not in had], "exact": True}
    if answer is not None and isinstance(answer.get("followersAdded"), list):
        return {"added": [str(u) for u in answer["followersAdded"]], "exact": True}
    return {"added": users}
