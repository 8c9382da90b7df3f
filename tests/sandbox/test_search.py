"""POST /contacts/search: filters, sort, page and searchAfter pagination past 10,000."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from bulkio.sandbox.contacts import new_contact

if TYPE_CHECKING:
    from tests.conftest import SandboxHandle


def search(sb: SandboxHandle, **body: Any) -> httpx.Response:
    http = httpx.Client(base_url=sb.url, headers=sb.headers(), timeout=30)
    return http.post("/contacts/search", json={"locationId": sb.location_id, **body})


@pytest.fixture
def people(sandbox: SandboxHandle) -> dict[str, str]:
    admin, loc = sandbox.admin, sandbox.location_id
    level = admin.create_custom_field(loc, name="Nivel", data_type="SINGLE_OPTIONS",
                                      options=["oro", "plata"])  # fmt: skip
    rows = [
        {"firstName": "Ana", "email": "ana@gmail.com", "tags": ["vip", "mx"], "city": "Puebla",
         "customFields": [{"id": level["id"], "value": "oro"}]},
        {"firstName": "Beto", "email": "beto@yahoo.com", "tags": ["mx"], "city": "León"},
        {"firstName": "Carla", "phone": "+525511112222", "tags": [], "city": "Puebla",
         "customFields": [{"id": level["id"], "value": "plata"}]},
    ]  # fmt: skip
    ids = admin.seed(loc, contacts=rows)
    return {"Ana": ids[0], "Beto": ids[1], "Carla": ids[2], "level": level["id"]}


def names(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [c["firstName"] for c in r.json()["contacts"]]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([{"field": "tags", "operator": "eq", "value": "vip"}], ["Ana"]),
        ([{"field": "tags", "operator": "eq", "value": "mx"}], ["Ana", "Beto"]),
        ([{"field": "tags", "operator": "not_exists"}], ["Carla"]),
        ([{"field": "tags", "operator": "not_eq", "value": "vip"}], ["Beto", "Carla"]),
        ([{"field": "email", "operator": "contains", "value": "GMAIL"}], ["Ana"]),
        ([{"field": "email", "operator": "not_contains", "value": "gmail"}], ["Beto", "Carla"]),
        ([{"field": "email", "operator": "exists"}], ["Ana", "Beto"]),
        ([{"field": "phone", "operator": "exists"}], ["Carla"]),
        ([{"field": "city", "operator": "eq", "value": "puebla"}], ["Ana", "Carla"]),
        ([{"field": "city", "operator": "eq", "value": "Puebla"},
          {"field": "tags", "operator": "eq", "value": "mx"}], ["Ana"]),
        ([{"group": "OR", "filters": [
            {"field": "firstName", "operator": "eq", "value": "Beto"},
            {"field": "phone", "operator": "exists"}]}], ["Beto", "Carla"]),
        ([{"field": "customFields.{level}", "operator": "eq", "value": "oro"}], ["Ana"]),
        ([{"field": "customFields.{level}", "operator": "exists"}], ["Ana", "Carla"]),
        ([{"field": "customFields.{level}", "operator": "not_exists"}], ["Beto"]),
        ([{"field": "dateAdded", "operator": "range", "value": {"gte": "2000-01-01T00:00:00Z"}}],
         ["Ana", "Beto", "Carla"]),
        ([{"field": "dateAdded", "operator": "range", "value": {"lt": "2000-01-01"}}], []),
    ],
)  # fmt: skip
def test_filters(
    sandbox: SandboxHandle, people: dict[str, str], filters: list[Any], expected: list[str]
) -> None:
    for f in filters:
        if f.get("field", "").startswith("customFields."):
            f["field"] = f["field"].format(level=people["level"])
    r = search(sandbox, pageLimit=10, filters=filters)
    assert names(r) == expected
    assert r.json()["total"] == len(expected)


def test_sort_two_keys_and_query(sandbox: SandboxHandle, people: dict[str, str]) -> None:
    sort = [{"field": "city", "direction": "desc"}, {"field": "firstName", "direction": "desc"}]
    assert names(search(sandbox, pageLimit=10, sort=sort)) == ["Carla", "Ana", "Beto"]
    assert names(search(sandbox, pageLimit=10, query="beto")) == ["Beto"]
    r = search(sandbox, pageLimit=10, sort=sort * 2)
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "pageLimit should not be empty"),
        ({"pageLimit": 501}, "pageLimit must not be greater than 500"),
        ({"pageLimit": 10, "filters": [{"field": "x", "operator": "eq", "value": 1}]},
         "field x is not supported for filtering"),
        ({"pageLimit": 10, "filters": [{"field": "email", "operator": "like", "value": 1}]},
         "operator must be one of: eq, not_eq, contains, not_contains, exists, not_exists, range"),
    ],
)  # fmt: skip
def test_search_validation(sandbox: SandboxHandle, body: dict[str, Any], message: str) -> None:
    r = search(sandbox, **body)
    assert r.status_code == 422
    assert message in r.json()["message"]


def test_location_id_required(sandbox: SandboxHandle) -> None:
    http = httpx.Client(base_url=sandbox.url, headers=sandbox.headers())
    r = http.post("/contacts/search", json={"pageLimit": 10})
    assert r.status_code == 422 and "locationId should not be empty" in r.json()["message"]


def test_both_pagination_modes_past_10000(sandbox: SandboxHandle) -> None:
    store, loc = sandbox.server.store, sandbox.location_id
    n = 10_250
    stamps = store.backdated(n)
    store.save_many(
        [new_contact(store, loc, {"firstName": f"P{i}"}, stamp=stamps[i]) for i in range(n)]
    )
    # page pagination: fine up to 10,000, refused past it
    r = search(sandbox, pageLimit=500, page=20)
    assert r.status_code == 200 and len(r.json()["contacts"]) == 500
    assert r.json()["total"] == n
    r = search(sandbox, pageLimit=500, page=21)
    assert r.status_code == 400
    assert "searchAfter" in r.json()["message"]
    # searchAfter walks every contact exactly once, beyond the cap
    seen: list[str] = []
    after = None
    while True:
        body: dict[str, Any] = {"pageLimit": 500}
        if after is not None:
            body["searchAfter"] = after
        page = search(sandbox, **body).json()["contacts"]
        if not page:
            break
        seen.extend(c["id"] for c in page)
        after = page[-1]["searchAfter"]
    assert len(seen) == n and len(set(seen)) == n
    assert seen[:2] == [c["id"] for c in search(sandbox, pageLimit=2).json()["contacts"]]
    # seeded contacts keep their order without pushing dateAdded into the future
    assert [c["firstName"] for c in search(sandbox, pageLimit=3).json()["contacts"]] == [
        "P0", "P1", "P2"]  # fmt: skip
    last = store.all_contacts(loc)[-1]["dateAdded"]
    assert datetime.fromisoformat(last.replace("Z", "+00:00")) <= datetime.now(UTC) + timedelta(
        seconds=1
    )


def test_search_after_with_two_sort_keys(sandbox: SandboxHandle) -> None:
    rows = [{"firstName": f"N{i % 7}", "city": f"C{i % 3}"} for i in range(60)]
    ids = sandbox.admin.seed(sandbox.location_id, contacts=rows)
    sort = [{"field": "city", "direction": "asc"}, {"field": "firstName", "direction": "desc"}]
    full = search(sandbox, pageLimit=100, sort=sort).json()["contacts"]
    walked: list[str] = []
    after = None
    while True:
        body: dict[str, Any] = {"pageLimit": 7, "sort": sort}
        if after:
            body["searchAfter"] = after
        page = search(sandbox, **body).json()["contacts"]
        if not page:
            break
        walked += [c["id"] for c in page]
        after = page[-1]["searchAfter"]
    assert walked == [c["id"] for c in full]
    assert sorted(walked) == sorted(ids)
