"""Behaviour of the sandbox over real HTTP: duplicates, upsert matching, tags, auth, bulk."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from tests.conftest import SandboxHandle


def client(sb: SandboxHandle, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=sb.url, headers={**sb.headers(), **headers}, timeout=10)


def create(http: httpx.Client, sb: SandboxHandle, **fields: Any) -> httpx.Response:
    return http.post("/contacts/", json={"locationId": sb.location_id, **fields})


def upsert(http: httpx.Client, sb: SandboxHandle, **fields: Any) -> dict[str, Any]:
    r = http.post("/contacts/upsert", json={"locationId": sb.location_id, **fields})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_duplicate_create_refused_by_email_case_insensitive(sandbox: SandboxHandle) -> None:
    http = client(sandbox)
    first = create(http, sandbox, firstName="Ana", lastName="López", email="Ana@Example.com")
    assert first.status_code == 201
    r = create(http, sandbox, email="ana@example.COM")
    assert r.status_code == 400
    assert r.json() == {
        "statusCode": 400,
        "message": "This location does not allow duplicated contacts.",
        "meta": {
            "contactId": first.json()["contact"]["id"],
            "contactName": "Ana López",
            "matchingField": "email",
        },
    }


def test_duplicate_by_phone_matches_e164(sandbox: SandboxHandle) -> None:
    http = client(sandbox)
    assert create(http, sandbox, phone="+52 55 1234 5678").status_code == 201
    r = create(http, sandbox, phone="+52-55-1234-5678")
    assert r.status_code == 400
    assert r.json()["meta"]["matchingField"] == "phone"


def test_duplicates_allowed_when_location_allows(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_settings(sandbox.location_id, allow_duplicates=True)
    http = client(sandbox)
    assert create(http, sandbox, email="a@x.com").status_code == 201
    assert create(http, sandbox, email="a@x.com").status_code == 201
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 2


def test_upsert_creates_then_updates(sandbox: SandboxHandle) -> None:
    http = client(sandbox)
    first = upsert(http, sandbox, email="u@x.com", firstName="U")
    again = upsert(http, sandbox, email="U@X.com", city="Monterrey")
    assert first["new"] is True and again["new"] is False
    assert again["contact"]["id"] == first["contact"]["id"]
    assert again["contact"]["firstName"] == "U" and again["contact"]["city"] == "Monterrey"


def test_upsert_email_wins_and_phone_is_dropped(sandbox: SandboxHandle) -> None:
    http = client(sandbox)
    by_email = upsert(http, sandbox, email="e@x.com")["contact"]
    by_phone = upsert(http, sandbox, phone="+15555550100")["contact"]
    result = upsert(http, sandbox, email="e@x.com", phone="+15555550100", city="X")
    assert result["new"] is False
    assert result["contact"]["id"] == by_email["id"]
    assert "phone" not in result["contact"]
    stored = {c["id"]: c for c in sandbox.admin.contacts(sandbox.location_id)}
    assert stored[by_phone["id"]]["phone"] == "+15555550100"
    assert len(stored) == 2


def test_upsert_phone_first_priority(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_settings(sandbox.location_id, priority=["phone", "email"])
    http = client(sandbox)
    upsert(http, sandbox, email="e@x.com")
    by_phone = upsert(http, sandbox, phone="+15555550100")["contact"]
    result = upsert(http, sandbox, email="e@x.com", phone="+15555550100")
    assert result["contact"]["id"] == by_phone["id"]


@pytest.mark.parametrize(
    ("allow", "flag", "expect_new"),
    [(True, True, True), (False, True, False), (True, False, False), (False, False, False)],
)
def test_create_new_if_duplicate_allowed_scenarios(
    sandbox: SandboxHandle, allow: bool, flag: bool, expect_new: bool
) -> None:
    sandbox.admin.set_settings(sandbox.location_id, allow_duplicates=allow)
    http = client(sandbox)
    upsert(http, sandbox, email="s@x.com")
    result = upsert(http, sandbox, email="s@x.com", createNewIfDuplicateAllowed=flag)
    assert result["new"] is expect_new
    assert len(sandbox.admin.contacts(sandbox.location_id)) == (2 if expect_new else 1)


def test_tags_replace_on_update_and_upsert_but_not_on_tag_endpoints(sandbox: SandboxHandle) -> None:
    http = client(sandbox)
    cid = upsert(http, sandbox, email="t@x.com", tags=["A", "b"])["contact"]["id"]
    assert http.post(f"/contacts/{cid}/tags", json={"tags": ["c"]}).json() == {
        "tags": ["a", "b", "c"]
    }
    assert http.request("DELETE", f"/contacts/{cid}/tags", json={"tags": ["a"]}).json() == {
        "tags": ["b", "c"]
    }
    assert upsert(http, sandbox, email="t@x.com", tags=["z"])["contact"]["tags"] == ["z"]
    r = http.put(f"/contacts/{cid}", json={"tags": ["y"]})
    assert r.json()["contact"]["tags"] == ["y"]
    r = http.put(f"/contacts/{cid}", json={"city": "Oaxaca"})
    assert r.json()["contact"]["tags"] == ["y"]


def test_bulk_tags_per_contact_results_and_remove_all(sandbox: SandboxHandle) -> None:
    http = client(sandbox)
    a = upsert(http, sandbox, email="a@x.com", tags=["keep"])["contact"]["id"]
    b = upsert(http, sandbox, email="b@x.com")["contact"]["id"]
    body = {"locationId": sandbox.location_id, "contacts": [a, "nope", b], "tags": ["New"]}
    r = http.post("/contacts/bulk/tags/update/add", json=body)
    assert r.status_code == 201
    data = r.json()
    assert data["errorCount"] == 1 and data["succeeded"] is False and data["succeded"] is False
    assert [(x["contactId"], x["type"]) for x in data["responses"]] == [
        (a, "success"), ("nope", "error"), (b, "success")
    ]  # fmt: skip
    tags = {c["id"]: c["tags"] for c in sandbox.admin.contacts(sandbox.location_id)}
    assert tags == {a: ["keep", "new"], b: ["new"]}
    body = {"locationId": sandbox.location_id, "contacts": [a], "tags": [], "removeAllTags": True}
    r = http.post("/contacts/bulk/tags/update/remove", json=body)
    assert r.json()["succeeded"] is True
    assert http.get(f"/contacts/{a}").json()["contact"]["tags"] == []


def test_bulk_tags_max_ids_is_configurable(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_limits(max_bulk_tag_ids=3)
    http = client(sandbox)
    body = {"locationId": sandbox.location_id, "contacts": ["a"] * 4, "tags": ["x"]}
    r = http.post("/contacts/bulk/tags/update/add", json=body)
    assert r.status_code == 422
    assert r.json()["message"] == ["contacts must contain no more than 3 elements"]
    body["contacts"] = ["a"] * 3
    assert http.post("/contacts/bulk/tags/update/add", json=body).status_code == 201


def test_bulk_business_assign_and_remove(sandbox: SandboxHandle) -> None:
    http = client(sandbox)
    ids = []
    for i in range(3):  # distinct milliseconds: the listing's cursor is dateAdded in ms
        ids += sandbox.admin.seed(sandbox.location_id, contacts=[{"email": f"b{i}@x.com"}])
        time.sleep(0.003)
    body = {"locationId": sandbox.location_id, "ids": ids[:2], "businessId": "biz9"}
    assert http.post("/contacts/bulk/business", json=body).json() == {
        "success": True, "ids": ids[:2]
    }  # fmt: skip
    listing = http.get("/contacts/business/biz9", params={"locationId": sandbox.location_id})
    assert listing.json()["count"] == 2
    first = listing.json()["contacts"][0]
    assert "searchAfter" not in first
    added = datetime.fromisoformat(first["dateAdded"].replace("Z", "+00:00"))
    params = {"locationId": sandbox.location_id, "startAfter": str(int(added.timestamp() * 1000))}
    assert [c["id"] for c in http.get("/contacts/business/biz9", params=params).json()[
        "contacts"]] == ids[1:2]  # fmt: skip
    params = {"locationId": sandbox.location_id, "limit": "1", "skip": "1"}
    assert http.get("/contacts/business/biz9", params=params).json()["contacts"][0]["id"] == ids[1]
    body = {"locationId": sandbox.location_id, "ids": ids[:1], "businessId": None}
    http.post("/contacts/bulk/business", json=body)
    assert "businessId" not in http.get(f"/contacts/{ids[0]}").json()["contact"]


def test_token_is_scoped_to_its_location(sandbox: SandboxHandle) -> None:
    other_loc, other_token = sandbox.admin.create_location()
    http = client(sandbox)
    cid = create(http, sandbox, email="mine@x.com").json()["contact"]["id"]
    other = httpx.Client(
        base_url=sandbox.url, headers={"Authorization": f"Bearer {other_token}", "Version": "v3"}
    )
    r = other.get(f"/contacts/{cid}")
    assert r.status_code == 400
    assert r.json()["message"] == f"Contact with id {cid} not found"
    r = other.post("/contacts/", json={"locationId": sandbox.location_id, "email": "z@x.com"})
    assert r.status_code == 403
    r = other.post("/contacts/search", json={"locationId": sandbox.location_id, "pageLimit": 1})
    assert r.status_code == 403
    assert other.post(
        "/contacts/", json={"locationId": other_loc, "email": "mine@x.com"}
    ).status_code == 201  # same email, other location: not a duplicate


@pytest.mark.parametrize(("version", "status"), [("v3", 200), ("2021-07-28", 200), ("v2", 400)])
def test_version_header(sandbox: SandboxHandle, version: str, status: int) -> None:
    http = client(sandbox, Version=version)
    r = http.post("/contacts/search", json={"locationId": sandbox.location_id, "pageLimit": 1})
    assert r.status_code == status


def test_missing_version_header(sandbox: SandboxHandle) -> None:
    http = httpx.Client(base_url=sandbox.url, headers={"Authorization": f"Bearer {sandbox.token}"})
    r = http.get("/contacts/x")
    assert r.status_code == 400
    assert r.json() == {"statusCode": 400, "message": "Version header was not found"}


def test_unknown_properties_and_types_are_422(sandbox: SandboxHandle) -> None:
    http = client(sandbox)
    r = create(http, sandbox, additionalEmails=["x@y.com"])
    assert r.json() == {
        "statusCode": 422,
        "message": ["property additionalEmails should not exist"],
        "error": "Unprocessable Entity",
    }
    assert create(http, sandbox, country="MX").status_code == 201
    assert create(http, sandbox, country="Mexico").status_code == 422
    r = http.post("/contacts/", json={"email": "a@b.com"})
    assert r.status_code == 422 and "locationId should not be empty" in r.json()["message"]


def test_custom_field_values_validated_by_type(sandbox: SandboxHandle) -> None:
    admin, loc = sandbox.admin, sandbox.location_id
    color = admin.create_custom_field(
        loc, name="Color", data_type="SINGLE_OPTIONS", options=["Rojo", "Azul"]
    )
    age = admin.create_custom_field(loc, name="Edad", data_type="NUMERICAL")
    http = client(sandbox)
    ok = create(http, sandbox, customFields=[
        {"id": color["id"], "fieldValue": "Rojo"}, {"key": "contact.edad", "fieldValue": 30}])
    assert ok.status_code == 201
    got = {cf["id"]: cf["value"] for cf in ok.json()["contact"]["customFields"]}
    assert got == {color["id"]: "Rojo", age["id"]: 30}
    bad = create(http, sandbox, customFields=[{"id": color["id"], "fieldValue": "Verde"}])
    assert bad.status_code == 422
    bad = create(http, sandbox, customFields=[{"id": age["id"], "fieldValue": "treinta"}])
    assert bad.status_code == 422


def test_notes_tasks_followers_memberships_visible_in_admin(sandbox: SandboxHandle) -> None:
    http = client(sandbox)
    cid = create(http, sandbox, email="n@x.com").json()["contact"]["id"]
    http.post(f"/contacts/{cid}/notes", json={"body": "primera nota"})
    http.post(f"/contacts/{cid}/tasks",
              json={"title": "Llamar", "dueDate": "2030-01-01T00:00:00Z", "completed": False})
    http.post(f"/contacts/{cid}/campaigns/c1", json={})
    http.post(f"/contacts/{cid}/workflow/w1", json={})
    assert [n["body"] for n in sandbox.admin.notes(sandbox.location_id)] == ["primera nota"]
    assert [t["title"] for t in sandbox.admin.tasks(sandbox.location_id)] == ["Llamar"]
    kinds = {(m["kind"], m["id"]) for m in sandbox.admin.memberships(sandbox.location_id)}
    assert kinds == {("campaign", "c1"), ("workflow", "w1")}
    http.delete(f"/contacts/{cid}/campaigns/remove-all")
    kinds = {(m["kind"], m["id"]) for m in sandbox.admin.memberships(sandbox.location_id)}
    assert kinds == {("workflow", "w1")}
    log = sandbox.admin.requests()
    mine = sandbox.admin.requests(sandbox.location_id)
    assert [(r["method"], r["path"], r["status"]) for r in mine] == [
        ("POST", "/contacts/", 201),
        ("POST", f"/contacts/{cid}/notes", 201),
        ("POST", f"/contacts/{cid}/tasks", 201),
        ("POST", f"/contacts/{cid}/campaigns/c1", 201),
        ("POST", f"/contacts/{cid}/workflow/w1", 200),
        ("DELETE", f"/contacts/{cid}/campaigns/remove-all", 200),
    ]
    assert mine == [r for r in log if r["location_id"] == sandbox.location_id]


def test_duplicate_search_endpoint(sandbox: SandboxHandle) -> None:
    http = client(sandbox)
    cid = create(http, sandbox, email="d@x.com", phone="+525511112222").json()["contact"]["id"]
    params = {"locationId": sandbox.location_id, "number": "+525511112222"}
    assert http.get("/contacts/search/duplicate", params=params).json()["contact"]["id"] == cid
    params = {"locationId": sandbox.location_id, "email": "nobody@x.com"}
    assert http.get("/contacts/search/duplicate", params=params).json() == {"contact": None}
