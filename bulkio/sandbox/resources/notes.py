"""Notes of a contact: list, create, read, update, delete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from bulkio.sandbox.endpoint import Ctx, endpoint, read_json
from bulkio.sandbox.resources.common import CONTACT, child_or_fail, find_contact
from bulkio.sandbox.storage import iso_ms, new_id, now_ms
from bulkio.sandbox.validation import NOTE_FIELDS, check_body


async def notes(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    cid = request.path_params["contactId"]
    find_contact(store, loc, cid)
    if request.method == "GET":
        return 200, {"notes": store.children("notes", cid)}
    body = check_body(await read_json(request), NOTE_FIELDS, required=("body",))
    note = {"id": new_id(), "contactId": cid, "dateAdded": iso_ms(now_ms()), **body}
    note = {k: v for k, v in note.items() if v is not None}
    store.add_child("notes", loc, cid, note)
    return 201, {"note": note}


async def note(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    cid, nid = request.path_params["contactId"], request.path_params["id"]
    find_contact(store, loc, cid)
    found = child_or_fail(store, "notes", cid, nid)
    if request.method == "GET":
        return 200, {"note": found}
    if request.method == "DELETE":
        store.delete_child("notes", cid, nid)
        return 200, {"succeeded": True, "succeded": True}
    body = check_body(await read_json(request), NOTE_FIELDS)
    found.update({k: v for k, v in body.items() if v is not None})
    store.add_child("notes", loc, cid, found)
    return 200, {"note": found}


ROUTES = [
    Route(f"{CONTACT}/notes", endpoint(notes), methods=["GET", "POST"]),
    Route(f"{CONTACT}/notes/{{id}}", endpoint(note), methods=["GET", "PUT", "DELETE"]),
]
