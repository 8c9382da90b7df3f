"""Followers of a contact: add and remove."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from bulkio.sandbox.endpoint import Ctx, endpoint, read_json
from bulkio.sandbox.resources.common import CONTACT, find_contact
from bulkio.sandbox.validation import check_body


async def followers(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    doc = find_contact(store, loc, request.path_params["contactId"])
    body = check_body(
        await read_json(request), {"followers": "array<string>"}, required=("followers",)
    )
    old = list(doc.get("followers") or [])
    if request.method == "POST":
        added = [f for f in dict.fromkeys(body["followers"]) if f not in old]
        doc["followers"] = old + added
        store.save_contact(doc)
        return 201, {"followers": doc["followers"], "followersAdded": added}
    removed = [f for f in old if f in body["followers"]]
    doc["followers"] = [f for f in old if f not in removed]
    store.save_contact(doc)
    return 200, {"followers": doc["followers"], "followersRemoved": removed}


# ------------------------------------------------------------------ notes/tasks


ROUTES = [Route(f"{CONTACT}/followers", endpoint(followers), methods=["POST", "DELETE"])]
