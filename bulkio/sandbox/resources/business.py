"""Business of contacts: the by-business listing and bulk business assignment (50 ids)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from bulkio.sandbox import contacts as C
from bulkio.sandbox.endpoint import Ctx, endpoint, read_json
from bulkio.sandbox.resources.common import same_location
from bulkio.sandbox.search import search
from bulkio.sandbox.storage import iso_key
from bulkio.sandbox.validation import bad_request, check_body, unprocessable


async def by_business(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    q = request.query_params
    if not q.get("locationId"):
        raise unprocessable(["locationId should not be empty"])
    same_location(q.get("locationId"), loc)
    limit_text, skip_text = q.get("limit", "25"), q.get("skip", "0")
    if not all(t.isascii() and t.isdigit() and len(t) <= 9 for t in (limit_text, skip_text)):
        raise bad_request("limit and skip must be numbers")
    limit, skip = int(limit_text), int(skip_text)
    if not 1 <= limit <= 100:
        raise unprocessable(["limit must not be greater than 100"])
    filters: list[dict[str, Any]] = [
        {"field": "businessId", "operator": "eq", "value": request.path_params["businessId"]}
    ]
    if q.get("startAfter"):
        # the listing's cursor is the dateAdded (epoch ms) of the last contact seen;
        # contacts added in that same millisecond come after it
        text = q["startAfter"]
        if not (text.isascii() and text.isdigit() and len(text) <= 16):
            raise bad_request("startAfter must be a number")
        filters.append({"field": "dateAdded", "operator": "range",
                        "value": {"gt": int(q["startAfter"])}})  # fmt: skip
    body: dict[str, Any] = {"locationId": loc, "pageLimit": limit, "filters": filters}
    if q.get("query"):
        body["query"] = q["query"]
    if skip:
        body["page"] = skip // limit + 1
    result = search(store, loc, body)
    rows = [C.render_search(doc, []) for doc, _ in result["contacts"]]
    for row in rows:
        row.pop("searchAfter", None)
    return 200, {"contacts": rows, "count": result["total"]}


# ------------------------------------------------------------------ bulk


async def bulk_business(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    fields = {"locationId": "string", "ids": "array<string>", "businessId": "string"}
    raw = await read_json(request)
    body = check_body(raw, fields, required=("locationId", "ids"))
    if "businessId" not in body:
        raise unprocessable(["businessId must be a string"])
    same_location(body["locationId"], loc)
    ids: list[str] = body["ids"]
    if len(ids) > MAX_BULK_BUSINESS:
        raise unprocessable([f"ids must contain no more than {MAX_BULK_BUSINESS} elements"])
    updated = []
    with store.tx() as conn:
        for cid in ids:
            doc = store.get_contact(loc, cid)
            if doc is None:
                continue
            doc["businessId"] = body["businessId"]
            stamp = store.tick()
            doc["_updated"], doc["dateUpdated"] = stamp, iso_key(stamp)
            store.save_contact(doc, conn)
            updated.append(cid)
    return 200, {"success": True, "ids": updated}


# ------------------------------------------------------------------ tags/followers


MAX_BULK_BUSINESS = 50
_QUERY = ("locationId", "limit", "skip", "query", "startAfter")
ROUTES = [
    Route("/contacts/business/{businessId}", endpoint(by_business, query=_QUERY), methods=["GET"]),
    Route("/contacts/bulk/business", endpoint(bulk_business), methods=["POST"]),
]
