"""Contacts: create, read, update, delete, upsert, search, duplicate lookup, the v2-only
list, and the location's custom field definitions."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from bulkio.sandbox import contacts as C
from bulkio.sandbox.endpoint import Ctx, endpoint, read_json
from bulkio.sandbox.resources.common import CONTACT, find_contact, same_location
from bulkio.sandbox.search import search
from bulkio.sandbox.storage import new_id
from bulkio.sandbox.validation import (
    CREATE_FIELDS,
    UPDATE_FIELDS,
    UPSERT_FIELDS,
    ApiFailure,
    bad_request,
    check_body,
    check_contact_values,
    contact_not_found,
    unprocessable,
)


async def create_contact(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    body = check_body(await read_json(request), CREATE_FIELDS, required=("locationId",))
    same_location(body["locationId"], loc)
    return 201, {"contact": C.render(C.create(store, loc, body))}


async def get_contact(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    return 200, {"contact": C.render(find_contact(store, loc, request.path_params["contactId"]))}


async def update_contact(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    body = check_body(await read_json(request), UPDATE_FIELDS)
    doc = C.update(store, loc, request.path_params["contactId"], body)
    return 200, {"succeeded": True, "contact": C.render(doc)}


async def delete_contact(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    cid = request.path_params["contactId"]
    if not store.delete_contact(loc, cid):
        raise contact_not_found(cid)
    return 200, {"succeeded": True, "succeded": True}


async def upsert_contact(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    body = check_body(await read_json(request), UPSERT_FIELDS, required=("locationId",))
    same_location(body["locationId"], loc)
    doc, created = C.upsert(store, loc, body)
    return 200, {"new": created, "contact": C.render(doc), "traceId": new_id(24)}


async def search_contacts(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    body = await read_json(request)
    if not isinstance(body, dict):
        raise unprocessable(["body must be an object"])
    same_location(body.get("locationId"), loc)
    result = search(store, loc, body)
    rows = [C.render_search(doc, after) for doc, after in result["contacts"]]
    return 200, {"contacts": rows, "total": result["total"]}


async def duplicate(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    q = request.query_params
    if not q.get("locationId"):
        raise unprocessable(["locationId should not be empty"])
    same_location(q.get("locationId"), loc)
    values: dict[str, Any] = {}
    if q.get("email"):
        values["email"] = q["email"].strip()
    if q.get("number"):
        values["phone"] = check_contact_values({"phone": q["number"]}).get("phone")
    found = C.find_duplicate(store, loc, values, lagged=True)
    return 200, {"contact": C.render(found[0]) if found else None}


async def list_contacts_v2(request: Request, ctx: Ctx) -> tuple[int, Any]:
    """GET /contacts/ (2021-07-28 only, deprecated): newest API's list by dateAdded."""
    if not ctx.v2:
        raise ApiFailure(404, {"statusCode": 404, "message": "Cannot GET /contacts/",
                               "error": "Not Found"})  # fmt: skip
    q = request.query_params
    if not q.get("locationId"):
        raise unprocessable(["locationId should not be empty"])
    same_location(q["locationId"], ctx.location_id)
    limit_text = q.get("limit", "20")
    if not (limit_text.isascii() and limit_text.isdigit() and 1 <= int(limit_text[:4]) <= 100):
        raise unprocessable(["limit must not be greater than 100"])
    body: dict[str, Any] = {"locationId": ctx.location_id, "pageLimit": int(limit_text)}
    if q.get("query"):
        body["query"] = q["query"]
    after, after_id = q.get("startAfter"), q.get("startAfterId")
    if after:
        if not (after.isascii() and after.isdigit() and len(after) <= 16):
            raise bad_request("startAfter must be a number")
        if after_id:
            body["searchAfter"] = [int(after), after_id]
        else:
            body["filters"] = [{"field": "dateAdded", "operator": "range",
                                "value": {"gt": int(after)}}]  # fmt: skip
    result = search(ctx.store, ctx.location_id, body)
    rows = [C.render_search(doc, []) for doc, _ in result["contacts"]]
    for row in rows:
        row.pop("searchAfter", None)
    return 200, {"contacts": rows, "count": result["total"]}


async def custom_fields(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    same_location(request.path_params["locationId"], loc)
    model = request.query_params.get("model", "all")
    fields = store.custom_fields(loc)
    if model not in ("all", "contact"):
        fields = []
    return 200, {"customFields": fields}


_LIST_QUERY = ("locationId", "startAfterId", "startAfter", "query", "limit")
ROUTES = [
    Route("/contacts/", endpoint(create_contact), methods=["POST"]),
    Route("/contacts/", endpoint(list_contacts_v2, query=_LIST_QUERY), methods=["GET"]),
    Route("/contacts", endpoint(create_contact), methods=["POST"]),
    Route("/contacts/upsert", endpoint(upsert_contact), methods=["POST"]),
    Route("/contacts/search", endpoint(search_contacts), methods=["POST"]),
    Route(
        "/contacts/search/duplicate",
        endpoint(duplicate, query=("locationId", "number", "email")),
        methods=["GET"],
    ),
    Route(
        "/locations/{locationId}/customFields",
        endpoint(custom_fields, query=("model",)),
        methods=["GET"],
    ),
]
#: ``/contacts/{contactId}`` itself: matched after every more specific route
ID_ROUTES = [
    Route(CONTACT, endpoint(get_contact), methods=["GET"]),
    Route(CONTACT, endpoint(update_contact), methods=["PUT"]),
    Route(CONTACT, endpoint(delete_contact), methods=["DELETE"]),
]
