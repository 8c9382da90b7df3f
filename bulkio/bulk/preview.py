"""Read-only contact resolution for a bulk ``--dry-run``: which rows would find their contact.

A dry run with a target resolves every runnable row the way the real run does
(:class:`~bulkio.bulk.resolve.ContactResolver`: ``GET /contacts/search/duplicate`` once per
distinct email/phone), then confirms the contacts exist and reads their current tags with
``POST /contacts/search`` (50 ids per request; an id the search does not list is asked
once more with ``GET /contacts/{id}``, since searches can lag a fresh write). Nothing is
written. Rows whose contact is missing or ambiguous get the code the real run would give.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from bulkio.api.client import Client
from bulkio.bulk.resolve import ContactResolver
from bulkio.bulk.rows import RowJob
from bulkio.errors import ApiError, AuthError
from bulkio.runs.kit import Progress, ProgressFn

__all__ = ["Preview", "preview_contacts"]

#: ids per ``POST /contacts/search`` (an OR group of id filters)
SEARCH_CHUNK = 50
#: lookups in flight at once (the client paces them further)
WORKERS = 16


@dataclass(frozen=True, slots=True)
class Preview:
    """One row's contact as a dry run found it: the id and current tags, or the failure."""

    contact_id: str | None = None
    tags: tuple[str, ...] = ()
    code: str | None = None
    message: str = ""


async def preview_contacts(
    client: Client, jobs: Sequence[RowJob], *, progress: ProgressFn | None = None
) -> dict[int, Preview]:
    """Row number -> :class:`Preview` for ``jobs``, with read-only requests only.

    Raises :class:`~bulkio.errors.ApiError` when a lookup itself fails (auth, outage)."""
    resolver = ContactResolver(client)
    slots = asyncio.Semaphore(WORKERS)
    found: dict[int, Preview] = {}
    done = 0
    total = len(jobs)

    def tick(failed: bool) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(Progress(done, sum(1 for p in found.values() if p.code), total))

    async def one(job: RowJob) -> None:
        async with slots:
            res = await resolver.resolve(job.ref)
        found[job.row] = Preview(contact_id=res.contact_id, code=res.code, message=res.message)
        tick(res.code is not None)

    await asyncio.gather(*(one(job) for job in jobs))
    ids = list(dict.fromkeys(p.contact_id for p in found.values() if p.contact_id))
    contacts = await _contacts(client, ids)
    for row, p in list(found.items()):
        if p.contact_id is None:
            continue
        tags = contacts.get(p.contact_id)
        if tags is None:
            found[row] = Preview(code="contact-not-found",
                                 message=f"no contact has id {p.contact_id} in this location")
        else:
            found[row] = Preview(contact_id=p.contact_id, tags=tags)
    return found


async def _contacts(client: Client, ids: list[str]) -> dict[str, tuple[str, ...]]:
    """Contact id -> its current tags, for the ids that exist in the location."""
    out: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(ids), SEARCH_CHUNK):
        chunk = ids[start:start + SEARCH_CHUNK]
        filters = [{"field": "id", "operator": "eq", "value": i} for i in chunk]
        data = await client.search({"pageLimit": 100, "page": 1,
                                    "filters": [{"group": "OR", "filters": filters}]})
        for contact in data.get("contacts") or []:
            if isinstance(contact, dict) and contact.get("id"):
                out[str(contact["id"])] = _tags(contact)
    missing = [i for i in ids if i not in out]
    for cid in missing:  # a search can lag a write: ask for the contact itself
        try:
            data = await client.get_contact(cid)
        except AuthError:
            raise
        except ApiError as err:
            if err.status in (400, 404, 422):
                continue
            raise
        contact = data.get("contact", data) if isinstance(data, dict) else {}
        if isinstance(contact, dict) and contact.get("id"):
            out[cid] = _tags(contact)
    return out


def _tags(contact: dict[str, object]) -> tuple[str, ...]:
    tags = contact.get("tags")
    return tuple(str(t) for t in tags) if isinstance(tags, list) else ()
