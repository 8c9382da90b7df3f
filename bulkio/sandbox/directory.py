"""Businesses, Users and OAuth (location-token, installed-locations) routes of the API v3.

What turns a company name into a ``businessId``, an "Asignado a" into a user id, and an
agency token into its sub-accounts' tokens. Agency tokens (``agency-...``) are not location
tokens: the contacts routes refuse them and ``/oauth/*`` refuses location tokens (401).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.routing import Route

from bulkio.sandbox.endpoint import Ctx, endpoint, read_json
from bulkio.sandbox.storage import Store, iso_ms, new_id, now_ms
from bulkio.sandbox.validation import ApiFailure, bad_request, check_body, unprocessable

__all__ = ["DIRECTORY_ROUTES", "new_business", "new_user"]

STR = "string"
BUSINESS_FIELDS = {
    "name": STR, "phone": STR, "email": STR, "website": STR, "address": STR, "city": STR,
    "postalCode": STR, "state": STR, "country": STR, "description": STR,
}  # fmt: skip
USER_ROLES = ("admin", "user")


def _forbidden() -> ApiFailure:
    message = "The token does not have access to this location."
    return ApiFailure(403, {"statusCode": 403, "message": message, "error": "Forbidden"})


def _int_param(value: str | None, name: str, *, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise unprocessable([f"{name} must be a number conforming to the specified constraints"])
    number = int(text)
    if not low <= number <= high:
        raise unprocessable([f"{name} must not be less than {low} and not greater than {high}"])
    return number


# ---------------------------------------------------------------------------- businesses
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
        raise _forbidden()
    limit = _int_param(q.get("limit"), "limit", default=100, low=1, high=1000)
    skip = _int_param(q.get("skip"), "skip", default=0, low=0, high=10**8)
    rows = ctx.store.records("businesses", ctx.location_id)
    return 200, {"businesses": rows[skip : skip + limit]}


async def create_business(request: Request, ctx: Ctx) -> tuple[int, Any]:
    fields = {**BUSINESS_FIELDS, "locationId": STR}
    body = check_body(await read_json(request), fields, required=("name", "locationId"))
    if body["locationId"] != ctx.location_id:
        raise _forbidden()
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


# ---------------------------------------------------------------------------- users
def new_user(
    store: Store,
    company_id: str,
    *,
    first_name: str,
    last_name: str,
    email: str,
    location_ids: list[str],
    role: str = "user",
    phone: str = "",
) -> dict[str, Any]:
    """Create and store a sub-account user of an agency."""
    doc: dict[str, Any] = {
        "id": new_id(), "name": " ".join(p for p in (first_name, last_name) if p),
        "firstName": first_name, "lastName": last_name, "email": email.lower(),
        "phone": phone, "extension": "", "permissions": {"contactsEnabled": True},
        "roles": {"type": "account", "role": role, "locationIds": list(location_ids),
                  "restrictSubAccount": True},
        "deleted": False, "platformLanguage": "es",
    }  # fmt: skip
    store.save_record("users", company_id, doc)
    return doc


def _company_of(ctx: Ctx) -> str:
    if ctx.company_id is not None:
        return ctx.company_id
    info = ctx.store.location_info(ctx.location_id)
    return info["companyId"] if info else ""


def _visible_users(ctx: Ctx, company_id: str) -> list[dict[str, Any]]:
    if company_id != _company_of(ctx):
        raise _forbidden()
    users = [u for u in ctx.store.records("users", company_id) if not u.get("deleted")]
    if ctx.company_id is None:  # a location token sees the users of its sub-account only
        users = [u for u in users if ctx.location_id in u["roles"]["locationIds"]]
    return users


_USER_QUERY = ("companyId", "query", "skip", "limit", "locationId", "type", "role", "ids",
               "sort", "sortDirection", "enabled2waySync")  # fmt: skip


async def search_users(request: Request, ctx: Ctx) -> tuple[int, Any]:
    q = request.query_params
    if not q.get("companyId"):
        raise unprocessable(["companyId should not be empty"])
    users = _visible_users(ctx, q["companyId"])
    skip = _int_param(q.get("skip"), "skip", default=0, low=0, high=10**8)
    limit = _int_param(q.get("limit"), "limit", default=25, low=1, high=100)
    if q.get("locationId"):
        users = [u for u in users if q["locationId"] in u["roles"]["locationIds"]]
    if q.get("role"):
        users = [u for u in users if u["roles"]["role"] == q["role"]]
    if q.get("type"):
        users = [u for u in users if u["roles"]["type"] == q["type"]]
    if q.get("ids"):
        wanted = {i.strip() for i in q["ids"].split(",")}
        users = [u for u in users if u["id"] in wanted]
    if q.get("query"):
        needle = q["query"].strip().casefold()
        users = [u for u in users if needle in u["name"].casefold()
                 or needle in u["email"].casefold() or needle in u["phone"]]  # fmt: skip
    sort = q.get("sort") or "dateAdded"
    if sort not in ("dateAdded", "firstName", "lastName", "email"):
        raise unprocessable(["sort must be one of the following values: dateAdded, firstName, "
                             "lastName, email"])  # fmt: skip
    direction = q.get("sortDirection") or "asc"
    if direction not in ("asc", "desc"):
        raise unprocessable(["sortDirection must be one of the following values: asc, desc"])
    if sort != "dateAdded":
        users.sort(key=lambda u: str(u.get(sort, "")).casefold())
    if direction == "desc":
        users.reverse()
    return 200, {"users": users[skip : skip + limit], "count": len(users)}


async def filter_users_by_email(request: Request, ctx: Ctx) -> tuple[int, Any]:
    fields = {"companyId": STR, "emails": STR, "deleted": "boolean", "skip": STR,
              "limit": STR, "projection": STR}  # fmt: skip
    body = check_body(await read_json(request), fields, required=("companyId", "emails"))
    users = _visible_users(ctx, body["companyId"])
    skip = _int_param(body.get("skip"), "skip", default=0, low=0, high=10**8)
    limit = _int_param(body.get("limit"), "limit", default=25, low=1, high=100)
    wanted = {e.strip().casefold() for e in body["emails"].split(",") if e.strip()}
    found = [u for u in users if u["email"].casefold() in wanted]
    if body.get("projection") != "all":
        found = [{"id": u["id"], "email": u["email"]} for u in found]
    return 200, {"users": found[skip : skip + limit], "count": len(found)}


async def get_user(request: Request, ctx: Ctx) -> tuple[int, Any]:
    uid = request.path_params["userId"]
    for user in _visible_users(ctx, _company_of(ctx)):
        if user["id"] == uid:
            return 200, user
    raise bad_request(f"User with id {uid} not found")


# ---------------------------------------------------------------------------- oauth
def _aip_error(status: int, code: str, message: str) -> ApiFailure:
    return ApiFailure(status, {"error": {"code": code, "message": message}})


async def location_token(request: Request, ctx: Ctx) -> tuple[int, Any]:
    raw = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        body = await read_json(request)
    else:
        try:
            body = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError) as exc:
            raise bad_request("the body must be application/x-www-form-urlencoded") from exc
    body = check_body(body, {"companyId": STR, "locationId": STR},
                      required=("companyId", "locationId"))  # fmt: skip
    if body["companyId"] != ctx.company_id:
        raise _forbidden()
    info = ctx.store.location_info(body["locationId"])
    if info is None or info["companyId"] != ctx.company_id:
        raise bad_request(f"Location with id {body['locationId']} not found in this company")
    return 200, {
        "accessToken": info["token"], "tokenType": "Bearer", "expiresIn": 86399,
        "scope": "contacts.readonly contacts.write businesses.readonly users.readonly",
        "locationId": info["id"], "userId": "sandbox-app-user", "planId": "sandbox",
        "appId": "sandbox-app", "versionId": "sandbox-app",
    }  # fmt: skip


_INSTALLED_QUERY = (
    "pageSize", "pageToken", "query", "isInstalled", "restrictToUserLocations",
    "companyId", "appId", "versionId", "onTrial", "planId", "locationId",
)  # fmt: skip


def _page_token(skip: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"skip": skip}).encode()).decode().rstrip("=")


def _skip_of(token: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        skip = data["skip"]
    except (ValueError, TypeError, KeyError) as exc:
        raise _aip_error(400, "INVALID_ARGUMENT", "pageToken is not valid") from exc
    if not isinstance(skip, int) or isinstance(skip, bool) or not 0 <= skip <= 10**8:
        raise _aip_error(400, "INVALID_ARGUMENT", "pageToken is not valid")
    return skip


async def installed_locations(request: Request, ctx: Ctx) -> tuple[int, Any]:
    q = request.query_params
    missing = [f"{k} should not be empty" for k in ("companyId", "appId") if not q.get(k)]
    if missing:
        raise unprocessable(missing)
    if q["companyId"] != ctx.company_id:
        raise _aip_error(404, "RESOURCE_NOT_FOUND",
                         f"The requested Company '{q['companyId']}' was not found.")  # fmt: skip
    size = _int_param(q.get("pageSize"), "pageSize", default=20, low=1, high=100)
    skip = _skip_of(q["pageToken"]) if q.get("pageToken") else 0
    if q.get("isInstalled") not in (None, "", "true", "false"):
        raise unprocessable(["isInstalled must be a boolean value"])
    locations = ctx.store.locations_of(ctx.company_id)
    if q.get("isInstalled") == "false":
        locations = []  # the sandbox app is installed in every sub-account
    if q.get("locationId"):
        locations = [loc for loc in locations if loc["id"] == q["locationId"]]
    if q.get("query"):
        needle = q["query"].strip().casefold()
        locations = [loc for loc in locations if needle in loc["name"].casefold()]
    page = locations[skip : skip + size]
    pagination: dict[str, Any] = {
        "totalRecords": len(locations), "hasNextPage": skip + size < len(locations),
        "hasPrevPage": skip > 0, "currentPageSize": len(page),
    }  # fmt: skip
    if pagination["hasNextPage"]:
        pagination["nextPageToken"] = _page_token(skip + size)
    if skip > 0:
        pagination["prevPageToken"] = _page_token(max(0, skip - size))
    items = [{"_id": loc["id"], "name": loc["name"], "address": loc["address"],
              "isInstalled": True} for loc in page]  # fmt: skip
    return 200, {"items": items, "pagination": pagination, "installToFutureLocations": True}


_BIZ = "/businesses/{businessId}"
DIRECTORY_ROUTES = [
    Route(
        "/businesses/",
        endpoint(list_businesses, query=("locationId", "limit", "skip")),
        methods=["GET"],
    ),
    Route(
        "/businesses",
        endpoint(list_businesses, query=("locationId", "limit", "skip")),
        methods=["GET"],
    ),
    Route("/businesses/", endpoint(create_business), methods=["POST"]),
    Route("/businesses", endpoint(create_business), methods=["POST"]),
    Route(_BIZ, endpoint(get_business), methods=["GET"]),
    Route(_BIZ, endpoint(update_business), methods=["PUT"]),
    Route(_BIZ, endpoint(delete_business), methods=["DELETE"]),
    Route(
        "/users/search", endpoint(search_users, query=_USER_QUERY, access="any"), methods=["GET"]
    ),
    Route(
        "/users/search/filter-by-email",
        endpoint(filter_users_by_email, access="agency"),
        methods=["POST"],
    ),
    Route("/users/{userId}", endpoint(get_user, access="any"), methods=["GET"]),
    Route("/oauth/location-token", endpoint(location_token, access="agency"), methods=["POST"]),
    Route(
        "/oauth/installed-locations",
        endpoint(installed_locations, query=_INSTALLED_QUERY, access="agency"),
        methods=["GET"],
    ),
]
