# ruff: noqa: E501
"""Businesses, Users and OAuth over real HTTP, each answer validated against the schema that
businesses-v3, users-v3 and oauth-v3.openapi.json declare for its status."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.spec import SPEC as _SPEC

if TYPE_CHECKING:
    from tests.conftest import SandboxHandle

# ../shared/spec beside the checkout (found from a git worktree too)
SPEC = _SPEC
COMMON = SPEC.parent / "common" / "common-schemas.json"
NAMES = ("businesses-v3.openapi.json", "users-v3.openapi.json", "oauth-v3.openapi.json")
if not all((SPEC / n).exists() for n in NAMES) or not COMMON.exists():
    pytest.skip("shared/spec not available", allow_module_level=True)

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")

DOCS = {n: json.loads((SPEC / n).read_text()) for n in NAMES}
REGISTRY = referencing.Registry().with_resources(
    [(f"https://spec.local/spec/{n}", referencing.Resource.from_contents(d, referencing.jsonschema.DRAFT7))
     for n, d in DOCS.items()]
    + [("https://spec.local/common/common-schemas.json",
        referencing.Resource.from_contents(json.loads(COMMON.read_text()), referencing.jsonschema.DRAFT7))]
)  # fmt: skip


def check(name: str, path: str, method: str, r: httpx.Response) -> Any:
    """Assert the status is documented and the body matches its schema; returns the body."""
    responses = DOCS[name]["paths"][path][method]["responses"]
    assert str(r.status_code) in responses, f"{method} {path}: undocumented {r.status_code} {r.text}"
    schema = responses[str(r.status_code)]["content"]["application/json"]["schema"]
    ref = {"$ref": f"https://spec.local/spec/{name}{schema['$ref']}" if schema["$ref"].startswith("#")
           else "https://spec.local/common/" + schema["$ref"].split("/", 2)[-1]}  # fmt: skip
    jsonschema.Draft7Validator(ref, registry=REGISTRY).validate(r.json())
    return r.json()


def http(sb: SandboxHandle, token: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=sb.url, timeout=10, headers={
        "Authorization": f"Bearer {token or sb.token}", "Version": "v3"})  # fmt: skip


def agency(sb: SandboxHandle) -> tuple[str, str]:
    info = sb.admin.info()
    return str(info["companyId"]), str(info["agencyToken"])


def test_businesses_crud_matches_the_spec(sandbox: SandboxHandle) -> None:
    b, loc, api = "businesses-v3.openapi.json", sandbox.location_id, http(sandbox)
    created = check(b, "/businesses/", "post", api.post("/businesses/", json={"locationId": loc, "name": "Acme SA", "city": "CDMX"}))
    bid = created["buiseness"]["id"]
    assert created["buiseness"]["name"] == "Acme SA"
    assert check(b, "/businesses/", "post", api.post("/businesses/", json={"locationId": loc})).get("statusCode") == 422
    assert api.post("/businesses/", json={"locationId": loc, "name": "X", "vat": "1"}).json()["message"] == ["property vat should not exist"]
    listed = check(b, "/businesses/", "get", api.get("/businesses/", params={"locationId": loc}))
    assert [x["name"] for x in listed["businesses"]] == ["Acme SA"]
    assert check(b, "/businesses/{businessId}", "get", api.get(f"/businesses/{bid}"))["business"]["city"] == "CDMX"
    updated = check(b, "/businesses/{businessId}", "put", api.put(f"/businesses/{bid}", json={"name": "Acme"}))
    assert updated["buiseness"]["name"] == "Acme"
    check(b, "/businesses/{businessId}", "put", api.put(f"/businesses/{bid}", json={"name": 5}))
    assert check(b, "/businesses/{businessId}", "delete", api.delete(f"/businesses/{bid}")) == {"success": True}
    missing = check(b, "/businesses/{businessId}", "get", api.get(f"/businesses/{bid}"))
    assert missing["message"] == f"Business with id {bid} not found"
    assert api.get("/businesses/", params={"locationId": loc}).json() == {"businesses": []}


def test_businesses_made_by_admin_are_listed_and_scoped(sandbox: SandboxHandle) -> None:
    sandbox.admin.create_business(sandbox.location_id, name="Tacos Don Pepe", phone="+525511112222")
    other, _ = sandbox.admin.create_location(name="Sucursal Norte")
    sandbox.admin.create_business(other, name="Otra")
    names = [x["name"] for x in http(sandbox).get("/businesses/", params={"locationId": sandbox.location_id}).json()["businesses"]]
    assert names == ["Tacos Don Pepe"]
    assert http(sandbox).get("/businesses/", params={"locationId": other}).status_code == 403
    assert [x["name"] for x in sandbox.admin.businesses(other)] == ["Otra"]


def test_users_search_and_filter_by_email_match_the_spec(sandbox: SandboxHandle) -> None:
    u = "users-v3.openapi.json"
    company, agency_token = agency(sandbox)
    juan = sandbox.admin.create_user(first_name="Juan", last_name="Pérez", email="Juan@Agencia.mx",
                                     location_ids=[sandbox.location_id])
    other, _ = sandbox.admin.create_location(name="Otra sucursal")
    sandbox.admin.create_user(first_name="Ana", email="ana@agencia.mx", location_ids=[other])
    found = check(u, "/users/search", "get", http(sandbox).get("/users/search", params={"companyId": company}))
    assert [x["name"] for x in found["users"]] == ["Juan Pérez"]  # a location token sees its sub-account's users
    found = check(u, "/users/search", "get", http(sandbox, agency_token).get(
        "/users/search", params={"companyId": company, "locationId": sandbox.location_id, "query": "pérez"}))
    assert [x["id"] for x in found["users"]] == [juan["id"]]
    assert check(u, "/users/search", "get", http(sandbox).get("/users/search"))["message"] == ["companyId should not be empty"]
    by_email = check(u, "/users/search/filter-by-email", "post", http(sandbox, agency_token).post(
        "/users/search/filter-by-email", json={"companyId": company, "emails": "juan@agencia.mx, nadie@x.mx"}))
    assert by_email == {"users": [{"id": juan["id"], "email": "juan@agencia.mx"}], "count": 1}
    check(u, "/users/search/filter-by-email", "post", http(sandbox, agency_token).post(
        "/users/search/filter-by-email", json={"companyId": company}))
    assert check(u, "/users/{userId}", "get", http(sandbox).get(f"/users/{juan['id']}"))["email"] == "juan@agencia.mx"
    check(u, "/users/{userId}", "get", http(sandbox).get("/users/nobody"))


def test_oauth_location_token_and_installed_locations(sandbox: SandboxHandle) -> None:
    o = "oauth-v3.openapi.json"
    company, agency_token = agency(sandbox)
    name = f"Norte {sandbox.location_id}"  # unique on the session's shared sandbox
    norte, norte_token = sandbox.admin.create_location(name=name, address="Av. Norte 1")
    api = http(sandbox, agency_token)
    r = api.post("/oauth/location-token", data={"companyId": company, "locationId": norte})
    token = check(o, "/oauth/location-token", "post", r)
    assert token["accessToken"] == norte_token
    assert token["locationId"] == norte
    # the exchanged token works on the contacts API, the agency token does not
    assert http(sandbox, token["accessToken"]).post("/contacts/", json={"locationId": norte, "email": "a@b.co"}).status_code == 201
    refused = http(sandbox, agency_token).post("/contacts/", json={"locationId": norte})
    assert refused.status_code == 401
    assert refused.json()["error"] == "Unauthorized"
    assert http(sandbox).post("/oauth/location-token", data={"companyId": company, "locationId": norte}).status_code == 401
    check(o, "/oauth/location-token", "post", api.post("/oauth/location-token", data={"companyId": company}))
    check(o, "/oauth/location-token", "post", api.post("/oauth/location-token", data={"companyId": company, "locationId": "nope"}))
    page = check(o, "/oauth/installed-locations", "get", api.get(
        "/oauth/installed-locations", params={"companyId": company, "appId": "app", "query": name.upper()}))
    assert page["items"] == [{"_id": norte, "name": name, "address": "Av. Norte 1", "isInstalled": True}]
    seen: list[str] = []
    params: dict[str, Any] = {"companyId": company, "appId": "app", "pageSize": 1}
    while True:
        page = check(o, "/oauth/installed-locations", "get", api.get("/oauth/installed-locations", params=params))
        seen += [x["_id"] for x in page["items"]]
        if not page["pagination"]["hasNextPage"]:
            break
        params["pageToken"] = page["pagination"]["nextPageToken"]
    assert norte in seen and sandbox.location_id in seen and len(seen) == len(set(seen))
    check(o, "/oauth/installed-locations", "get", api.get("/oauth/installed-locations", params={"companyId": "other", "appId": "a"}))
    check(o, "/oauth/installed-locations", "get", api.get("/oauth/installed-locations", params={"appId": "a"}))
