"""Behaviours of the real API reported on its public tracker (GoHighLevel/highlevel-api-docs
issues), reproduced by the sandbox; each test names its issue number. Plus the null fields
of a created task, stripped as the API does for contacts and notes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from tests.conftest import SandboxHandle


def client(sb: SandboxHandle) -> httpx.Client:
    return httpx.Client(base_url=sb.url, headers=sb.headers(), timeout=10)


def upsert(http: httpx.Client, sb: SandboxHandle, **fields: Any) -> dict[str, Any]:
    r = http.post("/contacts/upsert", json={"locationId": sb.location_id, **fields})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_issue_313_upsert_keeps_stored_gender_and_put_rejects_gender(
    sandbox: SandboxHandle,
) -> None:
    http = client(sandbox)
    first = upsert(http, sandbox, email="g@x.com", gender="female")
    assert first["new"] is True
    assert first["contact"]["gender"] == "female"
    again = upsert(http, sandbox, email="g@x.com", gender="male", firstName="Gala")
    assert again["new"] is False
    assert again["contact"]["gender"] == "female"
    assert again["contact"]["firstName"] == "Gala"
    cid = first["contact"]["id"]
    r = http.put(f"/contacts/{cid}", json={"gender": "male"})
    assert r.status_code == 422
    assert r.json() == {
        "statusCode": 422,
        "message": ["property gender should not exist"],
        "error": "Unprocessable Entity",
    }
    assert sandbox.admin.contacts(sandbox.location_id)[0]["gender"] == "female"


def test_issue_337_upsert_email_equal_to_additional_email_becomes_primary(
    sandbox: SandboxHandle,
) -> None:
    (cid,) = sandbox.admin.seed(sandbox.location_id, contacts=[{
        "firstName": "Ana", "email": "ana@old.com",
        "additionalEmails": ["ana@work.com", "ana@home.com"],
    }])  # fmt: skip
    http = client(sandbox)
    out = upsert(http, sandbox, email="ana@work.com", lastName="Ruiz")
    assert out["new"] is False
    assert out["contact"]["id"] == cid
    (stored,) = sandbox.admin.contacts(sandbox.location_id)
    assert stored["email"] == "ana@work.com"
    assert stored["additionalEmails"] == ["ana@home.com"]
    assert stored["lastName"] == "Ruiz"
    # the old primary is gone: an upsert with it now creates a new contact
    assert upsert(http, sandbox, email="ana@old.com")["new"] is True


def test_issue_37_email_matches_a_phone_matches_b_phone_dropped(sandbox: SandboxHandle) -> None:
    http = client(sandbox)
    a = upsert(http, sandbox, email="a@x.com", firstName="A")["contact"]["id"]
    b = upsert(http, sandbox, phone="+525511112222", firstName="B")["contact"]["id"]
    out = upsert(http, sandbox, email="a@x.com", phone="+525511112222", lastName="Updated")
    assert out["new"] is False
    assert out["contact"]["id"] == a
    stored = {c["id"]: c for c in sandbox.admin.contacts(sandbox.location_id)}
    assert stored[a]["lastName"] == "Updated"
    assert "phone" not in stored[a]
    assert stored[b]["phone"] == "+525511112222"
    assert "lastName" not in stored[b]


def test_issue_314_put_accepts_undocumented_fields_and_search_shapes(
    sandbox: SandboxHandle,
) -> None:
    http = client(sandbox)
    new = {"locationId": sandbox.location_id, "email": "s@x.com", "dateOfBirth": "1990-09-25",
           "address1": "Reforma 1"}  # fmt: skip
    r = http.post("/contacts/", json=new)
    assert r.status_code == 201, r.text
    cid = r.json()["contact"]["id"]
    body = {"companyName": "Acme", "ssn": "123-45-6789", "keyword": "vip", "type": "customer"}
    r = http.put(f"/contacts/{cid}", json=body)
    assert r.status_code == 200, r.text
    got = http.get(f"/contacts/{cid}").json()["contact"]
    assert {k: got[k] for k in body} == body
    r = http.put(f"/contacts/{cid}", json={"nickname": "x"})
    assert r.status_code == 422
    assert r.json()["message"] == ["property nickname should not exist"]
    found = http.post("/contacts/search", json={"locationId": sandbox.location_id,
                                                "pageLimit": 10}).json()["contacts"]  # fmt: skip
    assert found[0]["dateOfBirth"] == 654220800000  # 1990-09-25T00:00:00Z in epoch ms
    assert found[0]["address"] == "Reforma 1"
    assert got["dateOfBirth"] == "1990-09-25"


def test_issue_262_additional_emails_readable_but_not_writable(sandbox: SandboxHandle) -> None:
    (cid,) = sandbox.admin.seed(sandbox.location_id, contacts=[
        {"email": "r@x.com", "additionalEmails": ["r2@x.com"]}])  # fmt: skip
    http = client(sandbox)
    assert http.get(f"/contacts/{cid}").json()["contact"]["additionalEmails"] == ["r2@x.com"]
    extra = {"additionalEmails": ["z@x.com"]}
    loc = {"locationId": sandbox.location_id}
    for method, url, body in (
        ("POST", "/contacts/", {**loc, "email": "n@x.com", **extra}),
        ("PUT", f"/contacts/{cid}", extra),
        ("POST", "/contacts/upsert", {**loc, "email": "r@x.com", **extra}),
    ):
        r = http.request(method, url, json=body)
        assert r.status_code == 422, (method, r.text)
        assert r.json()["message"] == ["property additionalEmails should not exist"]
    (stored,) = sandbox.admin.contacts(sandbox.location_id)
    assert stored["additionalEmails"] == ["r2@x.com"]


def test_null_fields_of_a_created_task_are_stripped(sandbox: SandboxHandle) -> None:
    http = client(sandbox)
    r = http.post("/contacts/", json={"locationId": sandbox.location_id, "email": "t@x.com"})
    cid = r.json()["contact"]["id"]
    body = {"title": "Llamar", "body": None, "assignedTo": None,
            "dueDate": "2030-01-01T10:00:00Z", "completed": False}  # fmt: skip
    r = http.post(f"/contacts/{cid}/tasks", json=body)
    assert r.status_code == 201, r.text
    task = r.json()["task"]
    assert task == {"id": task["id"], "contactId": cid, "title": "Llamar",
                    "dueDate": "2030-01-01T10:00:00Z", "completed": False}  # fmt: skip
    assert sandbox.admin.tasks(sandbox.location_id) == [task]
