"""Tags: add or remove on one contact, and bulk add/remove with per-contact results."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from bulkio.sandbox.endpoint import Ctx, endpoint, read_json
from bulkio.sandbox.resources.common import CONTACT, find_contact, same_location
from bulkio.sandbox.storage import iso_key
from bulkio.sandbox.validation import check_body, clean_tags, unprocessable


async def tags(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    doc = find_contact(store, loc, request.path_params["contactId"])
    body = check_body(await read_json(request), {"tags": "array<string>"}, required=("tags",))
    wanted = clean_tags(body["tags"])
    old = list(doc.get("tags") or [])
    if request.method == "POST":
        doc["tags"] = old + [t for t in wanted if t not in old]
    else:
        doc["tags"] = [t for t in old if t not in wanted]
    store.save_contact(doc)
    return (201 if request.method == "POST" else 200), {"tags": doc["tags"]}


async def bulk_tags(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    kind = request.path_params["type"]
    if kind not in ("add", "remove"):
        raise unprocessable(["type must be one of the following values: add, remove"])
    fields = {"contacts": "array<string>", "tags": "array<string>", "locationId": "string",
              "removeAllTags": "boolean"}  # fmt: skip
    body = check_body(await read_json(request), fields, required=("contacts", "tags", "locationId"))
    same_location(body["locationId"], loc)
    ids: list[str] = body["contacts"]
    if len(ids) > ctx.config.max_bulk_tag_ids:
        raise unprocessable(
            [f"contacts must contain no more than {ctx.config.max_bulk_tag_ids} elements"]
        )
    if body.get("removeAllTags") and kind != "remove":
        raise unprocessable(["removeAllTags can only be used with remove type"])
    tags = clean_tags(body["tags"])
    responses: list[dict[str, Any]] = []
    with store.tx() as conn:
        for cid in ids:
            doc = store.get_contact(loc, cid)
            if doc is None:
                if not _FIREBASE_ID.match(cid):
                    message = "contact id is not a valid firebase id"
                elif store.query("SELECT 1 FROM contacts WHERE id = ?", (cid,)):
                    message = "contact does not belong to location"
                else:
                    message = "contact not found"
                responses.append({"contactId": cid, "message": message, "type": "error"})
                continue
            old = list(doc.get("tags") or [])
            if kind == "add":
                new = old + [t for t in tags if t not in old]
            elif body.get("removeAllTags"):
                new = []
            else:
                new = [t for t in old if t not in tags]
            doc["tags"] = new
            stamp = store.tick()
            doc["_updated"], doc["dateUpdated"] = stamp, iso_key(stamp)
            store.save_contact(doc, conn)
            responses.append({
                "contactId": cid, "message": "Tags updated", "type": "success",
                "oldTags": old, "tagsAdded": [t for t in new if t not in old],
                "tagsRemoved": [t for t in old if t not in new],
            })  # fmt: skip
    errors = sum(1 for r in responses if r["type"] == "error")
    return 201, {
        "succeeded": errors == 0, "succeded": errors == 0,
        "errorCount": errors, "responses": responses,
    }  # fmt: skip


_FIREBASE_ID = re.compile(r"^[A-Za-z0-9]{20}$")
ROUTES = [
    Route("/contacts/bulk/tags/update/{type}", endpoint(bulk_tags), methods=["POST"]),
    Route(f"{CONTACT}/tags", endpoint(tags), methods=["POST", "DELETE"]),
]
