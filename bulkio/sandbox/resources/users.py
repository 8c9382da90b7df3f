"""Users API v3: search an agency's users (a location token sees its location's), filter by
email, read one. What turns an "Asignado a" column into a user id."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from bulkio.sandbox.endpoint import Ctx, endpoint, read_json
from bulkio.sandbox.resources.common import forbidden, int_param
from bulkio.sandbox.storage import Store, new_id
from bulkio.sandbox.validation import bad_request, check_body, unprocessable

STR = "string"
USER_ROLES = ("admin", "user")


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
        raise forbidden()
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
    skip = int_param(q.get("skip"), "skip", default=0, low=0, high=10**8)
    limit = int_param(q.get("limit"), "limit", default=25, low=1, high=100)
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
    skip = int_param(body.get("skip"), "skip", default=0, low=0, high=10**8)
    limit = int_param(body.get("limit"), "limit", default=25, low=1, high=100)
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


ROUTES = [
    Route(
        "/users/search", endpoint(search_users, query=_USER_QUERY, access="any"), methods=["GET"]
    ),
    Route(
        "/users/search/filter-by-email",
        endpoint(filter_users_by_email, access="agency"),
        methods=["POST"],
    ),
    Route("/users/{userId}", endpoint(get_user, access="any"), methods=["GET"]),
]
