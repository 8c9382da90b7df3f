# ruff: noqa: E501
"""Hostile but parseable requests (issue 16): never a 5xx, never a non-JSON answer, never a
poisoned location; NestJS's answers for bodies that are not strict JSON and unknown methods."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from tests.conftest import SandboxHandle

BIG = 2**70
SEARCH = "/contacts/search"


def api(sb: SandboxHandle) -> httpx.Client:
    return httpx.Client(base_url=sb.url, headers=sb.headers(), timeout=10)


def search_body(sb: SandboxHandle, **extra: Any) -> dict[str, Any]:
    return {"locationId": sb.location_id, "pageLimit": 10, **extra}


def deep(n: int) -> Any:
    value: Any = "x"
    for _ in range(n):
        value = {"a": value}
    return value


HOSTILE: list[tuple[str, str, Any]] = [
    ("filter value beyond 64 bits", SEARCH, {"filters": [{"field": "dateAdded", "operator": "range", "value": {"gt": BIG}}]}),
    ("range on a text field beyond 64 bits", SEARCH, {"filters": [{"field": "city", "operator": "range", "value": {"gt": BIG}}]}),
    ("eq beyond 64 bits", SEARCH, {"filters": [{"field": "dateAdded", "operator": "eq", "value": BIG}]}),
    ("searchAfter beyond 64 bits", SEARCH, {"searchAfter": [BIG, "abc"]}),
    ("searchAfter with an object", SEARCH, {"searchAfter": [{"a": 1}, ["b"]]}),
    ("pageLimit beyond 64 bits", SEARCH, {"pageLimit": BIG}),
    ("page beyond 64 bits", SEARCH, {"page": BIG}),
    ("sort field a list", SEARCH, {"sort": [{"field": ["dateAdded"], "direction": "asc"}]}),
    ("sort field an object", SEARCH, {"sort": [{"field": {"a": 1}}]}),
    ("sort direction a list", SEARCH, {"sort": [{"field": "dateAdded", "direction": ["asc"]}]}),
    ("range value a list", SEARCH, {"filters": [{"field": "dateAdded", "operator": "range", "value": {"gt": [1]}}]}),
    ("range value an object", SEARCH, {"filters": [{"field": "city", "operator": "range", "value": {"gt": {"a": 1}}}]}),
    ("eq value an object", SEARCH, {"filters": [{"field": "city", "operator": "eq", "value": {"a": 1}}]}),
    ("custom field id a list", SEARCH, {"filters": [{"field": "customFields.x", "operator": "range", "value": {"gt": [1]}}]}),
    ("field a list", SEARCH, {"filters": [{"field": ["city"], "operator": "eq", "value": "a"}]}),
    ("operator a list", SEARCH, {"filters": [{"field": "city", "operator": ["eq"], "value": "a"}]}),
    ("group an object", SEARCH, {"filters": [{"group": {"a": 1}, "filters": []}]}),
    ("query a list", SEARCH, {"query": ["a"]}),
    ("date value a float NaN-like string", SEARCH, {"filters": [{"field": "dateAdded", "operator": "eq", "value": "1e400"}]}),
    ("date value a huge float", SEARCH, {"filters": [{"field": "dateAdded", "operator": "eq", "value": 1e300}]}),
    ("tags values objects", SEARCH, {"filters": [{"field": "tags", "operator": "eq", "value": [{"a": 1}]}]}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "path", "extra"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_search_is_a_4xx_json(sandbox: SandboxHandle, name: str, path: str, extra: Any) -> None:
    r = api(sandbox).post(path, json=search_body(sandbox, **extra))
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["statusCode"] == r.status_code


def test_custom_field_id_list_on_write_is_422(sandbox: SandboxHandle) -> None:
    http = api(sandbox)
    for item in ({"id": ["x"], "value": "a"}, {"id": {"a": 1}, "value": "a"}, {"key": 5, "value": "a"}):
        r = http.post("/contacts/", json={"locationId": sandbox.location_id, "customFields": [item]})
        assert r.status_code == 422, r.text


@pytest.mark.parametrize("start_after", ["١٢٣", "²³", "9" * 40, "-5", "1e5"])
def test_start_after_non_ascii_or_huge_digits(sandbox: SandboxHandle, start_after: str) -> None:
    r = api(sandbox).get("/contacts/business/b1",
                         params={"locationId": sandbox.location_id, "startAfter": start_after})
    assert r.status_code in (400, 422), r.text
    assert r.json()["statusCode"] == r.status_code


@pytest.mark.parametrize("limit", ["١٠", "9" * 40, "-1", "abc"])
def test_business_listing_limit_garbage(sandbox: SandboxHandle, limit: str) -> None:
    r = api(sandbox).get("/contacts/business/b1", params={"locationId": sandbox.location_id, "limit": limit})
    assert r.status_code in (400, 422), r.text


@pytest.mark.parametrize("raw", [
    b'{"locationId": "L", "firstName": NaN}', b'{"locationId": "L", "x": Infinity}',
    b'{"locationId": "L", "firstName": "a",}', b'{"locationId": "L", "firstName": -Infinity}',
    b'\xff\xfe{"a": 1}', b'[1, 2,]',
])  # fmt: skip
def test_body_that_is_not_strict_json_is_400_and_poisons_nothing(
    sandbox: SandboxHandle, raw: bytes
) -> None:
    http = api(sandbox)
    body = raw.replace(b'"L"', f'"{sandbox.location_id}"'.encode())
    r = http.post("/contacts/", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["statusCode"] == 400
    assert http.post(SEARCH, json=search_body(sandbox)).status_code == 200
    assert sandbox.admin.contacts(sandbox.location_id) == []


def test_too_deep_and_too_large_bodies(sandbox: SandboxHandle) -> None:
    http = api(sandbox)
    r = http.post(SEARCH, json=search_body(sandbox, filters=[deep(200)]))
    assert r.status_code == 400
    nested = b"[" * 100_000 + b"]" * 100_000
    r = http.post(SEARCH, content=nested, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = http.post("/contacts/", json={"locationId": sandbox.location_id, "firstName": "a" * 2_000_000})
    assert r.status_code == 413
    assert r.json() == {"statusCode": 413, "message": "request entity too large", "error": "Payload Too Large"}


def test_huge_integers_in_contact_fields(sandbox: SandboxHandle) -> None:
    http = api(sandbox)
    r = http.post("/contacts/", json={"locationId": sandbox.location_id, "firstName": BIG})
    assert r.status_code == 422
    assert r.json()["message"] == ["firstName must be a string"]
    r = http.post("/contacts/", json={"locationId": sandbox.location_id, "dateOfBirth": BIG})
    assert r.status_code == 422
    assert http.post(SEARCH, json=search_body(sandbox)).status_code == 200


def test_unknown_method_is_the_nestjs_404(sandbox: SandboxHandle) -> None:
    r = api(sandbox).request("PATCH", "/contacts/abc")
    assert r.status_code == 404
    assert r.json() == {"statusCode": 404, "message": "Cannot PATCH /contacts/abc", "error": "Not Found"}
    r = api(sandbox).get("/nowhere")
    assert r.json() == {"statusCode": 404, "message": "Cannot GET /nowhere", "error": "Not Found"}


def _raw(sb: SandboxHandle, request: bytes) -> bytes:
    host, port = sb.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
            if b"\r\n\r\n" in b"".join(chunks) and b"}" in data:
                break
        return b"".join(chunks)


def test_non_utf8_header_bytes_are_a_401_json_and_the_connection_lives(sandbox: SandboxHandle) -> None:
    answer = _raw(sandbox, b"GET /contacts/abc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\n"
                           b"Version: v3\r\n\r\n")  # fmt: skip
    assert answer.startswith(b"HTTP/1.1 401")
    assert b'"statusCode": 401' in answer or b'"statusCode":401' in answer
    answer = _raw(sandbox, b"GET /contacts/abc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                  + sandbox.token.encode() + b"\r\nVersion: v\xe9\r\n\r\n")  # fmt: skip
    assert answer.startswith(b"HTTP/1.1 400")
    http = api(sandbox)
    for _ in range(3):  # the same keep-alive connection keeps answering after bad requests
        assert http.post(SEARCH, content=b"{NaN}", headers={"Content-Type": "application/json"}).status_code == 400
        assert http.post(SEARCH, json=search_body(sandbox)).status_code == 200


@pytest.mark.parametrize(("kind", "value"), [
    ("NUMERICAL", "1e400"), ("NUMERICAL", "nan"), ("MONETORY", "-inf"), ("NUMERICAL", BIG * BIG),
    ("DATE", BIG), ("DATE", 1e300), ("DATE", -(10**17)),
])  # fmt: skip
def test_custom_field_numbers_out_of_range_are_422(sandbox: SandboxHandle, kind: str, value: Any) -> None:
    field = sandbox.admin.create_custom_field(sandbox.location_id, name=f"f {kind}", data_type=kind)
    http = api(sandbox)
    r = http.post("/contacts/", json={"locationId": sandbox.location_id,
                                      "customFields": [{"id": field["id"], "value": value}]})  # fmt: skip
    assert r.status_code == 422, r.text
    assert http.post(SEARCH, json=search_body(sandbox)).status_code == 200
