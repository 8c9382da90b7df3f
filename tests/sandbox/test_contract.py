# ruff: noqa: E501
"""Contract tests: every operation of contacts-v3.openapi.json over real HTTP, each response
body validated against the schema the spec declares for that status.

Spec errata (the spec contradicts its own examples and the README; the sandbox follows the
API's real behaviour and the test patches the schema accordingly):
- ``UpdateTagsResponseDTO.responses.items`` says ``string``; its example (and the API) are
  objects ``{contactId, message, type, ...}``.
- ``CustomFieldSchema.value`` says ``string``; numeric and multi-option fields return numbers
  and arrays.
- legacy ``Contact.searchAfter.items`` says ``string``; its example holds a number (dates).
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from tests.conftest import SandboxHandle

from tests.spec import SPEC, missing

COMMON = SPEC.parent / "common" / "common-schemas.json"
if not (SPEC / "contacts-v3.openapi.json").exists():
    pytest.skip(missing("contacts-v3.openapi.json"), allow_module_level=True)
if not COMMON.exists():
    pytest.skip(missing("../common/common-schemas.json"), allow_module_level=True)

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")

V3_URI = "https://spec.local/spec/contacts-v3.openapi.json"
LEGACY_URI = "https://spec.local/spec/contacts-v2-legacy.openapi.json"
LOC_URI = "https://spec.local/spec/locations-v2.openapi.json"
COMMON_URI = "https://spec.local/common/common-schemas.json"


def _load(name: str) -> dict[str, Any]:
    return dict(json.loads((SPEC / name).read_text()))


def _patched() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    v3 = _load("contacts-v3.openapi.json")
    legacy = _load("contacts-v2-legacy.openapi.json")
    loc = _load("locations-v2.openapi.json")
    common = json.loads(COMMON.read_text())
    for doc in (v3, legacy):
        schemas = doc["components"]["schemas"]
        schemas["CustomFieldSchema"]["properties"]["value"] = {}
        if "UpdateTagsResponseDTO" in schemas:
            schemas["UpdateTagsResponseDTO"]["properties"]["responses"]["items"] = {
                "type": "object",
                "required": ["contactId", "message", "type"],
                "properties": {"type": {"enum": ["success", "error"]}},
            }
    legacy["components"]["schemas"]["Contact"]["properties"]["searchAfter"]["items"] = {
        "type": ["string", "number"]
    }
    return v3, legacy, loc, common


V3, LEGACY, LOCATIONS, COMMON_DOC = _patched()
REGISTRY = referencing.Registry().with_resources(
    [
        (uri, referencing.Resource.from_contents(doc, referencing.jsonschema.DRAFT7))
        for uri, doc in (
            (V3_URI, V3), (LEGACY_URI, LEGACY), (LOC_URI, LOCATIONS), (COMMON_URI, COMMON_DOC)
        )
    ]
)  # fmt: skip


def schema_for(doc_uri: str, doc: dict[str, Any], path: str, method: str, status: int) -> Any:
    """The declared response schema (a $ref made absolute); None when the spec has none."""
    response = doc["paths"][path][method]["responses"].get(str(status))
    if response is None:
        return None
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    ref = str(schema["$ref"])
    if ref.startswith("#"):
        return {"$ref": doc_uri + ref}
    return {"$ref": COMMON_URI + "#" + ref.split("#", 1)[1]}


def validate(body: Any, schema: Any) -> None:
    """Validate a body with OpenAPI 3.0 ``nullable`` honoured loosely (draft 7 rules)."""
    validator = jsonschema.Draft7Validator(schema, registry=REGISTRY)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


class Api:
    """Tiny helper: raw calls with the fixture's token."""

    def __init__(self, sb: SandboxHandle) -> None:
        self.sb = sb
        self.http = httpx.Client(base_url=sb.url, headers=sb.headers(), timeout=10)

    def contact(self, **fields: Any) -> str:
        body = {"locationId": self.sb.location_id, **fields}
        r = self.http.post("/contacts/", json=body)
        assert r.status_code == 201, r.text
        return str(r.json()["contact"]["id"])


MISSING = "AAAAAAAAAAAAAAAAAAAA"


def _cases(api: Api) -> list[tuple[str, str, str, dict[str, Any], int]]:
    """(spec path, method, concrete url, request kwargs, expected status) for every op."""
    sb = api.sb
    loc = sb.location_id
    cid = api.contact(firstName="Ana", email="ana@example.com", phone="+525512345678")
    other = api.contact(firstName="Beto", email="beto@example.com")
    note = api.http.post(f"/contacts/{cid}/notes", json={"body": "hola"}).json()["note"]["id"]
    task = api.http.post(
        f"/contacts/{cid}/tasks", json={"title": "Call", "dueDate": "2030-01-01T10:00:00Z",
                                        "completed": False},
    ).json()["task"]["id"]  # fmt: skip
    sb.admin.add_appointment(loc, cid, title="Visit", startTime="2030-01-02 10:00:00")
    bad_json = {"content": b"{not json", "headers": {"content-type": "application/json"}}
    c = "/contacts/{contactId}"
    return [
        ("/contacts/", "post", "/contacts/", {"json": {"locationId": loc, "email": "n@x.com"}}, 201),
        ("/contacts/", "post", "/contacts/", {"json": {"locationId": loc, "email": "ANA@example.com"}}, 400),
        ("/contacts/", "post", "/contacts/", {"json": {"locationId": loc, "nope": 1}}, 422),
        (c, "get", f"/contacts/{cid}", {}, 200),
        (c, "get", f"/contacts/{MISSING}", {}, 400),
        (c, "put", f"/contacts/{cid}", {"json": {"city": "Puebla", "tags": ["vip"]}}, 200),
        (c, "put", f"/contacts/{MISSING}", {"json": {"city": "Puebla"}}, 400),
        (c, "put", f"/contacts/{cid}", {"json": {"country": "ZZ"}}, 422),
        ("/contacts/upsert", "post", "/contacts/upsert", {"json": {"locationId": loc, "email": "ana@example.com", "city": "León"}}, 200),
        ("/contacts/upsert", "post", "/contacts/upsert", {"json": {"locationId": loc, "phone": "12"}}, 400),
        ("/contacts/upsert", "post", "/contacts/upsert", {"json": {"locationId": loc, "dateOfBirth": "31/12/1990"}}, 422),
        ("/contacts/search", "post", "/contacts/search", {"json": {"locationId": loc, "pageLimit": 5}}, 200),
        ("/contacts/search", "post", "/contacts/search", {"json": {"locationId": loc, "pageLimit": 500, "page": 21}}, 400),
        ("/contacts/search/duplicate", "get", "/contacts/search/duplicate", {"params": {"locationId": loc, "email": "ana@example.com"}}, 200),
        ("/contacts/search/duplicate", "get", "/contacts/search/duplicate", {"params": {"locationId": loc, "number": "12"}}, 400),
        ("/contacts/business/{businessId}", "get", "/contacts/business/biz1", {"params": {"locationId": loc}}, 200),
        ("/contacts/business/{businessId}", "get", "/contacts/business/biz1", {"params": {"locationId": loc, "skip": "x"}}, 400),
        ("/contacts/business/{businessId}", "get", "/contacts/business/biz1", {"params": {"locationId": loc, "limit": 101}}, 422),
        ("/contacts/bulk/tags/update/{type}", "post", "/contacts/bulk/tags/update/add", {"json": {"locationId": loc, "contacts": [cid, "bad"], "tags": ["x"]}}, 201),
        ("/contacts/bulk/tags/update/{type}", "post", "/contacts/bulk/tags/update/add", bad_json, 400),
        ("/contacts/bulk/tags/update/{type}", "post", "/contacts/bulk/tags/update/remove", {"json": {"locationId": loc, "contacts": [cid]}}, 422),
        ("/contacts/bulk/business", "post", "/contacts/bulk/business", {"json": {"locationId": loc, "ids": [cid], "businessId": "biz1"}}, 200),
        ("/contacts/bulk/business", "post", "/contacts/bulk/business", {"json": {"locationId": loc, "ids": [cid] * 51, "businessId": None}}, 422),
        (f"{c}/tags", "post", f"/contacts/{cid}/tags", {"json": {"tags": ["a"]}}, 201),
        (f"{c}/tags", "post", f"/contacts/{MISSING}/tags", {"json": {"tags": ["a"]}}, 400),
        (f"{c}/tags", "post", f"/contacts/{cid}/tags", {"json": {"tag": ["a"]}}, 422),
        (f"{c}/tags", "delete", f"/contacts/{cid}/tags", {"json": {"tags": ["a"]}}, 200),
        (f"{c}/tags", "delete", f"/contacts/{MISSING}/tags", {"json": {"tags": ["a"]}}, 400),
        (f"{c}/tags", "delete", f"/contacts/{cid}/tags", {"json": {}}, 422),
        (f"{c}/notes", "get", f"/contacts/{cid}/notes", {}, 200),
        (f"{c}/notes", "get", f"/contacts/{MISSING}/notes", {}, 400),
        (f"{c}/notes", "post", f"/contacts/{cid}/notes", {"json": {"body": "x", "pinned": True}}, 201),
        (f"{c}/notes", "post", f"/contacts/{MISSING}/notes", {"json": {"body": "x"}}, 400),
        (f"{c}/notes", "post", f"/contacts/{cid}/notes", {"json": {}}, 422),
        (f"{c}/notes/{{id}}", "get", f"/contacts/{cid}/notes/{note}", {}, 200),
        (f"{c}/notes/{{id}}", "get", f"/contacts/{cid}/notes/{MISSING}", {}, 400),
        (f"{c}/notes/{{id}}", "put", f"/contacts/{cid}/notes/{note}", {"json": {"body": "y"}}, 200),
        (f"{c}/notes/{{id}}", "put", f"/contacts/{MISSING}/notes/{note}", {"json": {"body": "y"}}, 400),
        (f"{c}/notes/{{id}}", "put", f"/contacts/{cid}/notes/{note}", {"json": {"body": 5}}, 422),
        (f"{c}/tasks", "get", f"/contacts/{cid}/tasks", {}, 200),
        (f"{c}/tasks", "get", f"/contacts/{MISSING}/tasks", {}, 400),
        (f"{c}/tasks", "post", f"/contacts/{cid}/tasks", {"json": {"title": "t", "dueDate": "2030-01-01T00:00:00Z", "completed": True}}, 201),
        (f"{c}/tasks", "post", f"/contacts/{MISSING}/tasks", {"json": {"title": "t", "dueDate": "2030-01-01T00:00:00Z", "completed": True}}, 400),
        (f"{c}/tasks", "post", f"/contacts/{cid}/tasks", {"json": {"title": "t"}}, 422),
        (f"{c}/tasks/{{taskId}}", "get", f"/contacts/{cid}/tasks/{task}", {}, 200),
        (f"{c}/tasks/{{taskId}}", "get", f"/contacts/{cid}/tasks/{MISSING}", {}, 400),
        (f"{c}/tasks/{{taskId}}", "put", f"/contacts/{cid}/tasks/{task}", {"json": {"title": "u"}}, 200),
        (f"{c}/tasks/{{taskId}}", "put", f"/contacts/{MISSING}/tasks/{task}", {"json": {"title": "u"}}, 400),
        (f"{c}/tasks/{{taskId}}", "put", f"/contacts/{cid}/tasks/{task}", {"json": {"done": True}}, 422),
        (f"{c}/tasks/{{taskId}}/completed", "put", f"/contacts/{cid}/tasks/{task}/completed", {"json": {"completed": True}}, 200),
        (f"{c}/tasks/{{taskId}}/completed", "put", f"/contacts/{MISSING}/tasks/{task}/completed", {"json": {"completed": True}}, 400),
        (f"{c}/tasks/{{taskId}}/completed", "put", f"/contacts/{cid}/tasks/{task}/completed", {"json": {}}, 422),
        (f"{c}/appointments", "get", f"/contacts/{cid}/appointments", {}, 200),
        (f"{c}/appointments", "get", f"/contacts/{MISSING}/appointments", {}, 400),
        (f"{c}/followers", "post", f"/contacts/{cid}/followers", {"json": {"followers": ["u1", "u2"]}}, 201),
        (f"{c}/followers", "post", f"/contacts/{MISSING}/followers", {"json": {"followers": ["u1"]}}, 400),
        (f"{c}/followers", "post", f"/contacts/{cid}/followers", {"json": {"followers": "u1"}}, 422),
        (f"{c}/followers", "delete", f"/contacts/{cid}/followers", {"json": {"followers": ["u1"]}}, 200),
        (f"{c}/followers", "delete", f"/contacts/{MISSING}/followers", {"json": {"followers": ["u1"]}}, 400),
        (f"{c}/followers", "delete", f"/contacts/{cid}/followers", {"json": {}}, 422),
        (f"{c}/campaigns/{{campaignId}}", "post", f"/contacts/{cid}/campaigns/camp1", {"json": {}}, 201),
        (f"{c}/campaigns/{{campaignId}}", "post", f"/contacts/{MISSING}/campaigns/camp1", {"json": {}}, 400),
        (f"{c}/campaigns/{{campaignId}}", "post", f"/contacts/{cid}/campaigns/camp1", {"json": {"x": 1}}, 422),
        (f"{c}/campaigns/{{campaignId}}", "delete", f"/contacts/{cid}/campaigns/camp1", {}, 200),
        (f"{c}/campaigns/{{campaignId}}", "delete", f"/contacts/{MISSING}/campaigns/camp1", {}, 400),
        (f"{c}/campaigns/remove-all", "delete", f"/contacts/{cid}/campaigns/remove-all", {}, 200),
        (f"{c}/campaigns/remove-all", "delete", f"/contacts/{MISSING}/campaigns/remove-all", {}, 400),
        (f"{c}/workflow/{{workflowId}}", "post", f"/contacts/{cid}/workflow/wf1", {"json": {"eventStartTime": "2030-01-01T00:00:00Z"}}, 200),
        (f"{c}/workflow/{{workflowId}}", "post", f"/contacts/{MISSING}/workflow/wf1", {"json": {}}, 400),
        (f"{c}/workflow/{{workflowId}}", "post", f"/contacts/{cid}/workflow/wf1", {"json": {"eventStartTime": 5}}, 422),
        (f"{c}/workflow/{{workflowId}}", "delete", f"/contacts/{cid}/workflow/wf1", {"json": {}}, 200),
        (f"{c}/workflow/{{workflowId}}", "delete", f"/contacts/{MISSING}/workflow/wf1", {}, 400),
        (f"{c}/workflow/{{workflowId}}", "delete", f"/contacts/{cid}/workflow/wf1", {"json": {"a": 1}}, 422),
        (f"{c}/notes/{{id}}", "delete", f"/contacts/{cid}/notes/{note}", {}, 200),
        (f"{c}/notes/{{id}}", "delete", f"/contacts/{cid}/notes/{note}", {}, 400),
        (f"{c}/tasks/{{taskId}}", "delete", f"/contacts/{cid}/tasks/{task}", {}, 200),
        (f"{c}/tasks/{{taskId}}", "delete", f"/contacts/{cid}/tasks/{task}", {}, 400),
        (c, "delete", f"/contacts/{other}", {}, 200),
        (c, "delete", f"/contacts/{other}", {}, 400),
    ] + [
        (path, method, url.replace("{id}", note).replace("{contactId}", cid).replace("{taskId}", task).replace("{campaignId}", "camp1").replace("{workflowId}", "wf1"), {"params": {"unknown": "1"}}, 422)
        for path, method in (
            (c, "get"), (c, "delete"), (f"{c}/appointments", "get"), (f"{c}/notes/{{id}}", "get"),
            (f"{c}/notes/{{id}}", "delete"), (f"{c}/campaigns/{{campaignId}}", "delete"),
            (f"{c}/campaigns/remove-all", "delete"), (f"{c}/tasks/{{taskId}}", "get"),
        )
        for url in [path]
    ]  # fmt: skip


def _schema(path: str, method: str, status: int) -> Any:
    if path == "/contacts/search" and status == 200:
        return schema_for(LEGACY_URI, LEGACY, path, method, status)
    return schema_for(V3_URI, V3, path, method, status)


def test_every_operation_and_documented_status(sandbox: SandboxHandle) -> None:
    api = Api(sandbox)
    cases = _cases(api)
    seen: set[tuple[str, str, int]] = set()
    for path, method, url, kwargs, status in cases:
        r = api.http.request(method.upper(), url, **kwargs)
        assert r.status_code == status, f"{method.upper()} {url}: {r.status_code} {r.text}"
        seen.add((path, method, status))
        schema = _schema(path, method, status)
        if schema is not None:
            validate(r.json(), schema)
        assert "X-RateLimit-Remaining" in r.headers
    # every operation of the spec, and each documented success/400/422, was exercised
    for path, ops in V3["paths"].items():
        for method, op in ops.items():
            for code in op["responses"]:
                if code != "401" and (path, method, int(code)) not in seen:
                    pytest.fail(f"{method.upper()} {path} {code} not exercised")


def test_401_for_every_operation(sandbox: SandboxHandle) -> None:
    http = httpx.Client(base_url=sandbox.url, headers={"Version": "v3"}, timeout=10)
    for path, ops in V3["paths"].items():
        url = path.replace("{contactId}", MISSING).replace("{type}", "add")
        for method, op in ops.items():
            for auth in ({}, {"Authorization": "Bearer wrong"}):
                r = http.request(method.upper(), url.replace("{", "").replace("}", ""),
                                 headers=auth, json={})  # fmt: skip
                assert r.status_code == 401, (method, url, r.text)
                assert r.json()["error"] == "Unauthorized"
                schema = _schema(path, method, 401) if "401" in op["responses"] else None
                if schema is not None:
                    validate(r.json(), schema)


def test_custom_fields_listing_matches_locations_spec(sandbox: SandboxHandle) -> None:
    sandbox.admin.create_custom_field(
        sandbox.location_id, name="Color", data_type="SINGLE_OPTIONS", options=["Rojo", "Azul"]
    )
    http = httpx.Client(base_url=sandbox.url, headers=sandbox.headers(), timeout=10)
    r = http.get(f"/locations/{sandbox.location_id}/customFields")
    assert r.status_code == 200
    validate(r.json(), schema_for(LOC_URI, LOCATIONS, "/locations/{locationId}/customFields",
                                  "get", 200))  # fmt: skip
    assert [f["name"] for f in r.json()["customFields"]] == ["Color"]


def test_contact_with_every_custom_field_type_validates(sandbox: SandboxHandle) -> None:
    admin, loc = sandbox.admin, sandbox.location_id
    values: list[dict[str, Any]] = []
    table = [
        ("TEXT", None, "hola"), ("LARGE_TEXT", None, "texto largo"), ("NUMERICAL", None, "42"),
        ("MONETORY", None, 10.5), ("DATE", None, "2024-02-29"),
        ("SINGLE_OPTIONS", ["a", "b"], "a"), ("MULTIPLE_OPTIONS", ["a", "b"], ["a", "b"]),
        ("CHECKBOX", ["x", "y"], ["y"]), ("RADIO", ["si", "no"], "no"),
        ("PHONE", None, "+52 55 1234 5678"),
    ]  # fmt: skip
    for kind, options, value in table:
        field = admin.create_custom_field(loc, name=f"f {kind}", data_type=kind, options=options)
        values.append({"key": field["fieldKey"], "field_value": value})
    http = httpx.Client(base_url=sandbox.url, headers=sandbox.headers(), timeout=10)
    r = http.post("/contacts/", json={"locationId": loc, "customFields": values})
    assert r.status_code == 201, r.text
    validate(r.json(), _schema("/contacts/", "post", 201))
    stored = [cf["value"] for cf in r.json()["contact"]["customFields"]]
    assert stored == ["hola", "texto largo", 42, 10.5, "2024-02-29", "a", ["a", "b"], ["y"],
                      "no", "+525512345678"]  # fmt: skip


def test_spec_errata_are_still_errata() -> None:
    """If upstream fixes the spec, the patches above must go: fail loudly then."""
    raw = _load("contacts-v3.openapi.json")["components"]["schemas"]
    assert raw["UpdateTagsResponseDTO"]["properties"]["responses"]["items"] == {"type": "string"}
    assert raw["CustomFieldSchema"]["properties"]["value"]["type"] == "string"
    assert copy.deepcopy(V3) != raw
