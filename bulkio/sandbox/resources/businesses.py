"""Businesses API v3: list a location's businesses, create, read, update, delete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from bulkio.sandbox.endpoint import Ctx, endpoint, read_json
from bulkio.sandbox.resources.common import forbidden, int_param
from bulkio.sandbox.storage import Store, iso_ms, new_id, now_ms
from bulkio.sandbox.validation import bad_request, check_body, unprocessable

STR = "string"
BUSINESS_FIELDS = {
    "name": STR, "phone": STR, "email": STR, "website": STR, "address": STR, "city": STR,
    "postalCode": STR, "state": STR, "country": STR, "description": STR,
}  # fmt: skip


def new_business(store: Store, location_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Create and store a business of a location from validated fields."""
    stamp = iso_ms(now_ms())
    doc: dict[str, Any] = {
        "id": new_id(24).lower(), "locationId": location_id,
        **{k: v for k, v in fields.items() if v is not None and k != "locationId"},
        "createdBy": {"source": "INTEGRATION", "channel": "OAUTH"},
        "updatedBy": {"source": "INTEGRATION", "channel": "OAUTH"},
        "createdAt": stamp, "updatedAt": stamp,
    }  # fmt: skip
    store.save_record("businesses", location_id, doc)
    return doc


def _business(ctx: Ctx, business_id: str) -> dict[str, Any]:
    doc = ctx.store.record("businesses", business_id)
    if doc is None or doc["locationId"] != ctx.location_id:
        raise bad_request(f"Business with id {business_id} not found")
    return doc


async def list_businesses(request: Request, ctx: Ctx) -> tuple[int, Any]:
    q = request.query_params
    if not q.get("locationId"):
        raise unprocessable(["locationId should not be empty"])
    if q["locationId"] != ctx.location_id:
        raise forbidden()
    limit = int_param(q.get("limit"), "limit", default=100, low=1, high=1000)
    skip = int_param(q.get("skip"), "skip", default=0, low=0, high=10**8)
    rows = ctx.store.records("businesses", ctx.location_id)
    return 200, {"businesses": rows[skip : skip + limit]}


async def create_business(request: Request, ctx: Ctx) -> tuple[int, Any]:
    fields = {**BUSINESS_FIELDS, "locationId": STR}
    body = check_body(await read_json(request), fields, required=("name", "locationId"))
    if body["locationId"] != ctx.location_id:
        raise forbidden()
    return 201, {"success": True, "buiseness": new_business(ctx.store, ctx.location_id, body)}


async def get_business(request: Request, ctx: Ctx) -> tuple[int, Any]:
    return 200, {"business": _business(ctx, request.path_params["businessId"])}


async def update_business(request: Request, ctx: Ctx) -> tuple[int, Any]:
    doc = _business(ctx, request.path_params["businessId"])
    body = check_body(await read_json(request), BUSINESS_FIELDS)
    if "name" in body and not body["name"]:
        raise unprocessable(["name should not be empty"])
    doc.update({k: v for k, v in body.items() if v is not None})
    doc["updatedAt"] = iso_ms(now_ms())
    ctx.store.save_record("businesses", ctx.location_id, doc)
    return 200, {"success": True, "buiseness": doc}


async def delete_business(request: Request, ctx: Ctx) -> tuple[int, Any]:
    doc = _business(ctx, request.path_params["businessId"])
    ctx.store.delete_record("businesses", doc["id"])
    return 200, {"success": True}


_BIZ = "/businesses/{businessId}"
_LIST_QUERY = ("locationId", "limit", "skip")
ROUTES = [
    Route("/businesses/", endpoint(list_businesses, query=_LIST_QUERY), methods=["GET"]),
    Route("/businesses", endpoint(list_businesses, query=_LIST_QUERY), methods=["GET"]),
    Route("/businesses/", endpoint(create_business), methods=["POST"]),
    Route("/businesses", endpoint(create_business), methods=["POST"]),
    Route(_BIZ, endpoint(get_business), methods=["GET"]),
    Route(_BIZ, endpoint(update_business), methods=["PUT"]),
    Route(_BIZ, endpoint(delete_business), methods=["DELETE"]),
]
