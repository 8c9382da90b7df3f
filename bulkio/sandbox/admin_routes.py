"""Admin HTTP endpoints under ``/_admin/`` (no auth: the sandbox listens on loopback only)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bulkio.sandbox import contacts as C
from bulkio.sandbox.faults import FaultPlan
from bulkio.sandbox.resources.businesses import BUSINESS_FIELDS, new_business
from bulkio.sandbox.resources.users import USER_ROLES, new_user
from bulkio.sandbox.state import SandboxState
from bulkio.sandbox.storage import new_id
from bulkio.sandbox.validation import ApiFailure, check_contact_values


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def _err(status: int, message: str) -> JSONResponse:
    return JSONResponse({"statusCode": status, "message": message}, status_code=status)


def _wrap(
    fn: Callable[[Request], Awaitable[Any]],
) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        try:
            result = await fn(request)
        except ApiFailure as failure:
            return JSONResponse(failure.body, status_code=failure.status)
        except (ValueError, KeyError, TypeError) as exc:
            return _err(400, f"invalid admin request: {exc}")
        return JSONResponse(result)

    return endpoint


async def _body_of(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw else {}
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def _location(request: Request) -> str:
    store = _state(request).store
    loc = str(request.path_params["locationId"])
    if not store.location_exists(loc):
        raise ApiFailure(404, {"statusCode": 404, "message": f"unknown location {loc}"})
    return loc


async def info(request: Request) -> Any:
    store = _state(request).store
    return {
        "locationId": store.default_location_id,
        "token": store.default_token,
        "companyId": store.default_company_id,
        "agencyToken": store.default_agency_token,
        "db": str(store.path) if store.path else None,
    }


async def create_location(request: Request) -> Any:
    store = _state(request).store
    body = await _body_of(request)
    company = str(body.get("company_id") or store.default_company_id)
    if store.query("SELECT 1 FROM companies WHERE id = ?", (company,)) == []:
        raise ValueError(f"unknown company {company}")
    loc, token = store.create_location(
        allow_duplicates=bool(body.get("allow_duplicates", False)),
        priority=tuple(body.get("priority") or ("email", "phone")),
        name=str(body.get("name") or "Sandbox location"),
        address=str(body.get("address") or ""),
        company_id=company,
    )
    return {"locationId": loc, "token": token, "companyId": company}


async def list_locations(request: Request) -> Any:
    store = _state(request).store
    company = request.query_params.get("companyId") or store.default_company_id
    return store.locations_of(company)


async def create_company(request: Request) -> Any:
    store = _state(request).store
    body = await _body_of(request)
    company, token = store.create_company(str(body.get("name") or "Sandbox Agency"))
    return {"companyId": company, "agencyToken": token}


async def users(request: Request) -> Any:
    store = _state(request).store
    if request.method == "GET":
        company = request.query_params.get("companyId") or store.default_company_id
        return store.records("users", company)
    body = await _body_of(request)
    company = str(body.get("company_id") or store.default_company_id)
    ids = body.get("location_ids") or [store.default_location_id]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ValueError("location_ids must be a list of location ids")
    for loc in ids:
        info = store.location_info(loc)
        if info is None or info["companyId"] != company:
            raise ValueError(f"location {loc} is not a sub-account of company {company}")
    role = str(body.get("role") or "user")
    if role not in USER_ROLES:
        raise ValueError(f"role must be one of: {', '.join(USER_ROLES)}")
    return new_user(
        store, company, first_name=str(body["first_name"]),
        last_name=str(body.get("last_name") or ""), email=str(body["email"]),
        location_ids=ids, role=role, phone=str(body.get("phone") or ""),
    )  # fmt: skip


async def businesses(request: Request) -> Any:
    store = _state(request).store
    loc = _location(request)
    if request.method == "GET":
        return store.records("businesses", loc)
    body = await _body_of(request)
    fields = {k: v for k, v in body.items() if k in BUSINESS_FIELDS}
    if not isinstance(fields.get("name"), str) or not fields["name"].strip():
        raise ValueError("a business needs a name")
    if not all(isinstance(v, str) for v in fields.values()):
        raise ValueError("business fields are strings")
    return new_business(store, loc, fields)


async def settings(request: Request) -> Any:
    store = _state(request).store
    loc = _location(request)
    if request.method == "PUT":
        body = await _body_of(request)
        priority = body.get("priority")
        if priority is not None and (
            not priority or not set(priority) <= {"email", "phone"}
        ):
            raise ValueError("priority must list 'email' and/or 'phone'")
        store.set_settings(
            loc, allow_duplicates=body.get("allow_duplicates"), priority=priority
        )
    allow, priority = store.settings(loc)
    return {"allow_duplicates": allow, "priority": priority}


async def limits(request: Request) -> Any:
    state = _state(request)
    store = state.store
    lim = state.limiter.limits
    if request.method == "PUT":
        body = await _body_of(request)
        if "rate_limit" in body:
            lim.rate_limit = body["rate_limit"] or None
        if body.get("rate_interval_ms"):
            lim.rate_interval_ms = int(body["rate_interval_ms"])
        if "daily_limit" in body:
            lim.daily_limit = body["daily_limit"] or None
        if "max_bulk_tag_ids" in body:
            state.config.max_bulk_tag_ids = int(body["max_bulk_tag_ids"])
        if "search_lag_ms" in body:
            lag = body["search_lag_ms"]
            if not isinstance(lag, int) or isinstance(lag, bool) or not 0 <= lag <= 600_000:
                raise ValueError("search_lag_ms must be a number of ms from 0 to 600000")
            store.set_search_lag(lag)
        state.limiter.reset()
    return {
        "rate_limit": lim.rate_limit,
        "rate_interval_ms": lim.rate_interval_ms,
        "daily_limit": lim.daily_limit,
        "max_bulk_tag_ids": state.config.max_bulk_tag_ids,
        "search_lag_ms": store.search_lag_ms,
    }


async def faults(request: Request) -> Any:
    state = _state(request)
    if request.method == "PUT":
        state.faults.set(FaultPlan.from_json(await _body_of(request)))
    elif request.method == "DELETE":
        state.faults.clear()
    return {"plan": state.faults.plan.to_json(), "injected": state.faults.injected[-1000:]}


async def contacts(request: Request) -> Any:
    store = _state(request).store
    return [C.render(d) for d in store.all_contacts(_location(request))]


async def children(request: Request) -> Any:
    store = _state(request).store
    kind = request.path_params["kind"]
    if kind == "memberships":
        return store.memberships(_location(request))
    if kind not in ("notes", "tasks", "appointments"):
        raise ValueError(f"unknown collection {kind}")
    return store.location_children(kind, _location(request))


async def add_appointment(request: Request) -> Any:
    store = _state(request).store
    loc = _location(request)
    body = await _body_of(request)
    cid = body["contactId"]
    if store.get_contact(loc, cid) is None:
        raise ValueError(f"unknown contact {cid}")
    event = {"id": new_id(), "locationId": loc, "status": "booked", **body}
    store.add_child("appointments", loc, cid, event)
    return event


async def custom_field(request: Request) -> Any:
    store = _state(request).store
    loc = _location(request)
    body = await _body_of(request)
    return C.create_custom_field(
        store, loc, name=body["name"], data_type=body["data_type"],
        options=body.get("options"), field_key=body.get("field_key"),
    )  # fmt: skip


async def seed(request: Request) -> Any:
    """Insert many contacts at once: ``{"contacts": [{...}, ...]}`` or ``{"count": n}``."""
    store = _state(request).store
    loc = _location(request)
    body = await _body_of(request)
    items = body.get("contacts")
    if items is None:
        n = int(body.get("count", 0))
        items = [
            {"firstName": f"Seed{i}", "email": f"seed{i}@example.com", "tags": ["seed"]}
            for i in range(n)
        ]
    stamps = store.backdated(len(items))
    docs = [
        C.new_contact(store, loc, check_contact_values(item), stamp=stamp)
        for item, stamp in zip(items, stamps, strict=True)
    ]
    store.save_many(docs)
    return {"ids": [d["id"] for d in docs]}


async def requests(request: Request) -> Any:
    state = _state(request)
    if request.method == "DELETE":
        state.gateway.requests.clear()
        return {"cleared": True}
    loc = request.query_params.get("locationId")
    return [r for r in state.gateway.requests if loc is None or r["location_id"] == loc]


async def counts(request: Request) -> Any:
    store = _state(request).store
    loc = request.query_params.get("locationId")
    return store.counts(loc)


async def reset(request: Request) -> Any:
    state = _state(request)
    store = state.store
    store.reset()
    state.gateway.requests.clear()
    state.gateway.forget_tokens()
    state.faults.clear()
    state.limiter.reset()
    return {"reset": True}


_LOC = "/_admin/locations/{locationId}"
ROUTES = [
    Route("/_admin/info", _wrap(info), methods=["GET"]),
    Route("/_admin/locations", _wrap(create_location), methods=["POST"]),
    Route("/_admin/locations", _wrap(list_locations), methods=["GET"]),
    Route("/_admin/companies", _wrap(create_company), methods=["POST"]),
    Route("/_admin/users", _wrap(users), methods=["GET", "POST"]),
    Route(f"{_LOC}/businesses", _wrap(businesses), methods=["GET", "POST"]),
    Route(f"{_LOC}/settings", _wrap(settings), methods=["GET", "PUT"]),
    Route(f"{_LOC}/contacts", _wrap(contacts), methods=["GET"]),
    Route(f"{_LOC}/customFields", _wrap(custom_field), methods=["POST"]),
    Route(f"{_LOC}/appointments", _wrap(add_appointment), methods=["POST"]),
    Route(f"{_LOC}/seed", _wrap(seed), methods=["POST"]),
    Route(f"{_LOC}/{{kind}}", _wrap(children), methods=["GET"]),
    Route("/_admin/limits", _wrap(limits), methods=["GET", "PUT"]),
    Route("/_admin/faults", _wrap(faults), methods=["GET", "PUT", "DELETE"]),
    Route("/_admin/requests", _wrap(requests), methods=["GET", "DELETE"]),
    Route("/_admin/counts", _wrap(counts), methods=["GET"]),
    Route("/_admin/reset", _wrap(reset), methods=["POST"]),
]


def build_admin(state: SandboxState) -> Starlette:
    """The admin Starlette app bound to one sandbox's state."""
    app = Starlette(routes=ROUTES)
    app.state.sandbox = state
    return app
