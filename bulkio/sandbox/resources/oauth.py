"""OAuth v3: exchange an agency token for a location token, list the installed locations.

Agency tokens (``agency-...``) are not location tokens: the contacts routes refuse them and
these refuse location tokens (401)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.routing import Route

from bulkio.sandbox.endpoint import Ctx, endpoint, read_json
from bulkio.sandbox.resources.common import forbidden, int_param
from bulkio.sandbox.validation import ApiFailure, bad_request, check_body, unprocessable

STR = "string"


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
        raise forbidden()
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
    size = int_param(q.get("pageSize"), "pageSize", default=20, low=1, high=100)
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


ROUTES = [
    Route("/oauth/location-token", endpoint(location_token, access="agency"), methods=["POST"]),
    Route(
        "/oauth/installed-locations",
        endpoint(installed_locations, query=_INSTALLED_QUERY, access="agency"),
        methods=["GET"],
    ),
]
