"""Skip-unchanged, confirmed: before a row is skipped, its contact must still exist and still
hold what bulkio wrote.

The journal says a row with this fingerprint already succeeded into this location; the CRM
may have changed since (the contact deleted, a field edited, tags removed, the sandbox
reset). One ``POST /contacts/search`` per batch of skipped rows (an OR of their contact ids,
at most :data:`VERIFY_BATCH`) fetches them; a contact the search does not return, or returns
not holding the row, is read with ``GET /contacts/{id}`` (search results lag writes by
seconds, so a stale search answer never causes a resend) and, if gone, its row is sent
again (re-created). A contact whose standard fields, tags or business differ from the row is
sent again too. So the end state of a re-run equals ``--force``'s; ``--trust-journal`` skips
without asking (zero requests, today's behaviour before this check).

Compared: the row's standard fields as the read-after-write check compares them
(:func:`bulkio.plan.verify.not_stored`: phones by digits, dates in any shape or epoch ms,
emails without case, DND per channel), its tags (all present; all and only with
``--tags replace``) and business id. Custom fields are not compared (their ids are
resolved only when a row is sent).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from bulkio.api.client import Client
from bulkio.clean.records import PreparedRow
from bulkio.errors import ApiError
from bulkio.plan.verify import not_stored

log = logging.getLogger("bulkio.verify")

__all__ = ["VERIFY_BATCH", "confirm_unchanged", "holds"]

#: contact ids per confirming search (one page of results)
VERIFY_BATCH = 100


def holds(contact: Mapping[str, Any], prepared: PreparedRow, *, replace_tags: bool) -> bool:
    """Whether ``contact`` (as the API returns it) still holds what the row wrote."""
    # the read-after-write comparison: the API's own normalisation (phones by digits,
    # dates in any shape or epoch ms, emails without case, DND per channel)
    if not_stored(prepared.contact, contact):
        return False
    wanted = {t.casefold() for t in prepared.tags}
    have = {str(t).casefold() for t in contact.get("tags") or []}
    if (wanted != have) if replace_tags else not wanted <= have:
        return False
    business = prepared.extras.get("businessId")
    return not business or contact.get("businessId") == business


async def confirm_unchanged(
    client: Client,
    rows: Iterable[tuple[PreparedRow, str]],
    *,
    replace_tags: bool,
) -> tuple[set[int], set[int]]:
    """Row numbers (of ``(prepared, contact id)`` pairs) whose contact still exists and
    still holds the row's values (those may be skipped), and those whose contact is gone.
    Raises ApiError on failures other than a missing contact (the run aborts as for any
    fatal error)."""
    todo = list(rows)
    confirmed: set[int] = set()
    gone: set[int] = set()
    for i in range(0, len(todo), VERIFY_BATCH):
        chunk = todo[i : i + VERIFY_BATCH]
        ids = list(dict.fromkeys(cid for _, cid in chunk))
        data = await client.search({
            "pageLimit": VERIFY_BATCH, "page": 1,
            "filters": [{"group": "OR", "filters": [
                {"field": "id", "operator": "eq", "value": cid} for cid in ids]}],
        })
        found: dict[str, Mapping[str, Any]] = {
            str(c["id"]): c for c in data.get("contacts") or []
            if isinstance(c, dict) and c.get("id")
        }
        fresh: set[str] = set()
        for prepared, cid in chunk:
            contact = found.get(cid)
            if contact is None:
                contact = await _get(client, cid)  # absent from search: lag, or deleted
                if contact is not None:
                    found[cid] = contact
                    fresh.add(cid)
            elif cid not in fresh and not holds(contact, prepared, replace_tags=replace_tags):
                # search results lag writes: read the contact itself before resending
                contact = await _get(client, cid)
                if contact is not None:
                    found[cid] = contact
                    fresh.add(cid)
            if contact is not None and holds(contact, prepared, replace_tags=replace_tags):
                confirmed.add(prepared.row)
            elif contact is None:
                gone.add(prepared.row)
                log.info("row %d: contact %s no longer exists: sending the row again",
                         prepared.row, cid)
            else:
                log.info("row %d: contact %s was changed since: sending the row again",
                         prepared.row, cid)
    return confirmed, gone


async def _get(client: Client, cid: str) -> Mapping[str, Any] | None:
    try:
        contact = (await client.get_contact(cid)).get("contact")
    except ApiError as err:
        if err.status in (400, 404, 422):
            return None
        raise
    return contact if isinstance(contact, dict) and contact.get("id") else None
