"""Client unit tests over httpx.MockTransport: headers, paths, errors, retries, dedup."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from bulkio.api.client import Client
from bulkio.api.pacing import Pacer
from bulkio.errors import (
    ApiError,
    AuthError,
    RateLimitedError,
    ServerError,
    TransportError,
)

TOKEN = "pit-SECRET-0123456789abcdef"
LOC = "loc123"
Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeTime:
    def __init__(self) -> None:
        self.now = 50.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


class FakeApi:
    """Answers by (method, path) from a queue of scripted replies, else a default."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.script: dict[tuple[str, str], list[Reply]] = {}
        self.default: dict[tuple[str, str], Reply] = {}

    def on(self, method: str, path: str, *replies: Reply) -> None:
        self.script.setdefault((method, path), []).extend(replies)

    def always(self, method: str, path: str, reply: Reply) -> None:
        self.default[(method, path)] = reply

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if (r.method, r.url.path) == (method, path)]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.path)
        queue = self.script.get(key)
        reply: Reply = queue.pop(0) if queue else self.default.get(key, ok({}))
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)


def ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=data, headers=headers)


def run(
    api: FakeApi,
    body: Callable[[Client], Awaitable[Any]],
    *,
    ft: FakeTime | None = None,
    **kw: Any,
) -> Any:
    ft = ft or FakeTime()

    async def go() -> Any:
        async with Client(
            base_url="http://api.test",
            token=TOKEN,
            location_id=LOC,
            transport=httpx.MockTransport(api),
            sleep=ft.sleep,
            clock=ft.clock,
            rng=random.Random(7),
            **kw,
        ) as client:
            return await body(client)

    return asyncio.run(go())


def test_every_request_carries_auth_version_and_accept_headers() -> None:
    api = FakeApi()
    run(api, lambda c: c.get_contact("c1"))
    (req,) = api.requests
    assert req.headers["Authorization"] == f"Bearer {TOKEN}"
    assert req.headers["Version"] == "v3"
    assert req.headers["Accept"] == "application/json"
    assert str(req.url) == "http://api.test/contacts/c1"


# (call, method, path, json body or None, query params)
WRAPPERS: list[tuple[Callable[[Client], Awaitable[Any]], str, str, Any, dict[str, str]]] = [
    (lambda c: c.upsert_contact({"email": "a@b.mx"}), "POST", "/contacts/upsert",
     {"locationId": LOC, "email": "a@b.mx"}, {}),
    (lambda c: c.create_contact({"phone": "+5215512345678"}), "POST", "/contacts/",
     {"locationId": LOC, "phone": "+5215512345678"}, {}),
    (lambda c: c.update_contact("c1", {"firstName": "Ana"}), "PUT", "/contacts/c1",
     {"firstName": "Ana"}, {}),
    (lambda c: c.delete_contact("c1"), "DELETE", "/contacts/c1", None, {}),
    (lambda c: c.search({"pageLimit": 100, "page": 1}), "POST", "/contacts/search",
     {"locationId": LOC, "pageLimit": 100, "page": 1}, {}),
    (lambda c: c.find_duplicate(email="a@b.mx", phone="+525512345678"), "GET",
     "/contacts/search/duplicate", None,
     {"locationId": LOC, "email": "a@b.mx", "number": "+525512345678"}),
    (lambda c: c.bulk_tags("add", ["c1", "c2"], ["vip"]), "POST", "/contacts/bulk/tags/update/add",
     {"contacts": ["c1", "c2"], "tags": ["vip"], "locationId": LOC}, {}),
    (lambda c: c.bulk_tags("remove", ["c1"], [], remove_all=True), "POST",
     "/contacts/bulk/tags/update/remove",
     {"contacts": ["c1"], "tags": [], "locationId": LOC, "removeAllTags": True}, {}),
    (lambda c: c.bulk_business(["c1"], "b1"), "POST", "/contacts/bulk/business",
     {"locationId": LOC, "ids": ["c1"], "businessId": "b1"}, {}),
    (lambda c: c.bulk_business(["c1"], None), "POST", "/contacts/bulk/business",
     {"locationId": LOC, "ids": ["c1"], "businessId": None}, {}),
    (lambda c: c.contacts_by_business("b1", limit=10, skip=20), "GET", "/contacts/business/b1",
     None, {"locationId": LOC, "limit": "10", "skip": "20"}),
    (lambda c: c.custom_fields(), "GET", f"/locations/{LOC}/customFields", None,
     {"model": "contact"}),
    (lambda c: c.add_note("c1", {"body": "hola"}), "POST", "/contacts/c1/notes",
     {"body": "hola"}, {}),
    (lambda c: c.list_notes("c1"), "GET", "/contacts/c1/notes", None, {}),
    (lambda c: c.delete_note("c1", "n1"), "DELETE", "/contacts/c1/notes/n1", None, {}),
    (lambda c: c.create_task("c1", {"title": "Llamar", "dueDate": "2026-01-02T10:00:00Z",
                                    "completed": False}),
     "POST", "/contacts/c1/tasks",
     {"title": "Llamar", "dueDate": "2026-01-02T10:00:00Z", "completed": False}, {}),
    (lambda c: c.list_tasks("c1"), "GET", "/contacts/c1/tasks", None, {}),
    (lambda c: c.delete_task("c1", "t1"), "DELETE", "/contacts/c1/tasks/t1", None, {}),
    (lambda c: c.add_tags("c1", ["a"]), "POST", "/contacts/c1/tags", {"tags": ["a"]}, {}),
    (lambda c: c.remove_tags("c1", ["a"]), "DELETE", "/contacts/c1/tags", {"tags": ["a"]}, {}),
    (lambda c: c.add_followers("c1", ["u1"]), "POST", "/contacts/c1/followers",
     {"followers": ["u1"]}, {}),
    (lambda c: c.remove_followers("c1", ["u1"]), "DELETE", "/contacts/c1/followers",
     {"followers": ["u1"]}, {}),
    (lambda c: c.add_to_campaign("c1", "k1"), "POST", "/contacts/c1/campaigns/k1", {}, {}),
    (lambda c: c.remove_from_campaign("c1", "k1"), "DELETE", "/contacts/c1/campaigns/k1",
     None, {}),
    (lambda c: c.add_to_workflow("c1", "w1", event_start_time="2026-01-02T10:00:00-06:00"),
     "POST", "/contacts/c1/workflow/w1", {"eventStartTime": "2026-01-02T10:00:00-06:00"}, {}),
    (lambda c: c.remove_from_workflow("c1", "w1"), "DELETE", "/contacts/c1/workflow/w1", {}, {}),
]


@pytest.mark.parametrize(("call", "method", "path", "body", "params"), WRAPPERS)
def test_wrappers_send_the_spec_paths_and_bodies(
    call: Callable[[Client], Awaitable[Any]],
    method: str,
    path: str,
    body: Any,
    params: dict[str, str],
) -> None:
    api = FakeApi()
    run(api, call)
    (req,) = api.requests
    assert (req.method, req.url.path) == (method, path)
    assert dict(req.url.params) == params
    assert (json.loads(req.content) if req.content else None) == body


def test_wrappers_return_parsed_json_and_count_by_endpoint() -> None:
    api = FakeApi()
    api.always("POST", "/contacts/upsert", ok({"new": True, "contact": {"id": "x"}}))
    api.always(
        "GET", f"/locations/{LOC}/customFields", ok({"customFields": [{"id": "f1", "name": "RFC"}]})
    )

    async def body(c: Client) -> Any:
        up = [await c.upsert_contact({"email": f"{i}@b.mx"}) for i in range(3)]
        return up, await c.custom_fields(), c.stats

    up, fields, stats = run(api, body)
    assert up[0] == {"new": True, "contact": {"id": "x"}}
    assert fields == [{"id": "f1", "name": "RFC"}]
    assert stats.requests["POST /contacts/upsert"] == 3
    assert stats.requests["GET /locations/{locationId}/customFields"] == 1
    assert stats.total_requests == 4 and stats.retries == 0 and stats.statuses[200] == 4


@pytest.mark.parametrize(
    ("status", "payload", "exc_type", "message"),
    [
        (400, {"statusCode": 400, "message": "Contact with id zz not found"}, ApiError,
         "Contact with id zz not found"),
        (422, {"statusCode": 422, "message": ["property foo should not exist", "email must be an "
                                              "email"], "error": "Unprocessable Entity"},
         ApiError, "property foo should not exist; email must be an email"),
        (404, {"statusCode": 404, "message": "Not Found"}, ApiError, "Not Found"),
        (401, {"statusCode": 401, "message": "Invalid JWT", "error": "Unauthorized"}, AuthError,
         "Invalid JWT"),
        (403, {"statusCode": 403, "message": "The token does not have access to this location."},
         AuthError, "does not have access"),
    ],
)
def test_client_errors_map_once_without_retry(
    status: int, payload: dict[str, Any], exc_type: type[ApiError], message: str
) -> None:
    api = FakeApi()
    api.always("GET", "/contacts/zz", ok(payload, status))
    with pytest.raises(exc_type) as info:
        run(api, lambda c: c.get_contact("zz"))
    err = info.value
    assert type(err) is exc_type
    assert (err.status, err.method, err.url) == (status, "GET", "/contacts/zz")
    assert message in str(err)
    assert json.loads(err.body) == payload
    assert len(api.requests) == 1


def test_error_body_is_truncated() -> None:
    api = FakeApi()
    api.always("PUT", "/contacts/c1", httpx.Response(400, text="x" * 5000))
    with pytest.raises(ApiError) as info:
        run(api, lambda c: c.update_contact("c1", {}))
    assert 0 < len(info.value.body) <= 500


def test_5xx_retries_with_full_jitter_backoff_then_succeeds() -> None:
    api = FakeApi()
    api.on("POST", "/contacts/upsert", ok({}, 503), ok({}, 502), ok({}, 500),
           ok({"new": False, "contact": {"id": "c1"}}))
    ft = FakeTime()
    res: Any = None

    async def body(c: Client) -> Any:
        nonlocal res
        res = await c.upsert_contact({"email": "a@b.mx"})
        return c.stats

    stats = run(api, body, ft=ft, backoff_base=0.5)
    assert res["contact"]["id"] == "c1"
    assert stats.retries == 3 and len(api.requests) == 4
    assert len(ft.slept) == 3
    for attempt, delay in enumerate(ft.slept):
        assert 0.0 <= delay <= 0.5 * 2**attempt


def test_persistent_5xx_becomes_server_error_after_max_retries() -> None:
    api = FakeApi()
    api.always("DELETE", "/contacts/c1", ok({"message": "boom"}, 502))
    with pytest.raises(ServerError) as info:
        run(api, lambda c: c.delete_contact("c1"), max_retries=4)
    assert info.value.status == 502
    assert len(api.requests) == 5


def test_429_pauses_the_pacer_and_persistent_429_is_rate_limited_error() -> None:
    api = FakeApi()
    api.always("GET", "/contacts/c1", ok({"message": "Too many requests"}, 429,
                                         {"X-RateLimit-Remaining": "0"}))
    ft = FakeTime()
    start = ft.now
    with pytest.raises(RateLimitedError, match="GET /contacts/c1 -> 429: Too many requests"):
        run(api, lambda c: c.get_contact("c1"), ft=ft, max_retries=2)
    assert len(api.requests) == 3
    # each 429 paused every sender for a full window (10 s + margin) before the retry
    assert ft.now - start >= 2 * 10.0


def test_429_then_success_counts_rate_limited_and_retry() -> None:
    api = FakeApi()
    api.on("POST", "/contacts/search", ok({}, 429), ok({"contacts": [], "total": 0}))

    async def body(c: Client) -> Any:
        return await c.search({"pageLimit": 10}), c.stats

    res, stats = run(api, body)
    assert res == {"contacts": [], "total": 0}
    assert (stats.rate_limited, stats.retries) == (1, 1)


@pytest.mark.parametrize(
    "exc", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"),
            httpx.RemoteProtocolError("dropped")]
)
def test_transport_failures_retry_then_raise_transport_error(exc: Exception) -> None:
    api = FakeApi()
    api.always("GET", "/contacts/c1", exc)

    async def body(c: Client) -> Any:
        await c.get_contact("c0")  # the server has answered once: a failure now is a blip
        return await c.get_contact("c1")
    with pytest.raises(TransportError) as info:
        run(api, body, max_retries=2)
    assert info.value.status is None and not info.value.unreachable
    assert isinstance(info.value.__cause__, httpx.HTTPError)
    assert len(api.calls("GET", "/contacts/c1")) == 3


@pytest.mark.parametrize("idempotent", [True, False])
def test_a_refused_connection_before_any_answer_fails_at_once(idempotent: bool) -> None:
    api = FakeApi()
    api.always("POST", "/contacts/upsert", httpx.ConnectError("refused"))
    api.always("POST", "/contacts/", httpx.ConnectError("refused"))

    async def body(c: Client) -> Any:
        if idempotent:
            return await c.upsert_contact({"email": "a@b.mx"})
        return await c.create_contact({"email": "a@b.mx"})
    ft = FakeTime()
    with pytest.raises(TransportError) as info:
        run(api, body, ft=ft, max_retries=6)
    assert info.value.unreachable
    assert len(api.requests) == 1 and ft.slept == []


@pytest.mark.parametrize("exc", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("x")])
def test_a_failure_after_the_request_was_sent_is_retried_even_before_any_answer(
    exc: Exception,
) -> None:
    api = FakeApi()
    api.on("GET", "/contacts/c1", exc, ok({"contact": {"id": "c1"}}))
    res = run(api, lambda c: c.get_contact("c1"), max_retries=2)
    assert res == {"contact": {"id": "c1"}}


def test_daily_quota_exhaustion_stops_with_a_clear_error() -> None:
    api = FakeApi()
    api.always("GET", "/contacts/c1", ok({}, headers={"X-RateLimit-Daily-Remaining": "0"}))

    async def body(c: Client) -> None:
        await c.get_contact("c1")
        await c.get_contact("c1")

    with pytest.raises(RateLimitedError) as info:
        run(api, body)
    assert "tomorrow" in info.value.hint
    assert len(api.requests) == 1


# -- non-idempotent calls --------------------------------------------------------------


def test_create_contact_after_timeout_finds_the_contact_instead_of_resending() -> None:
    api = FakeApi()
    api.on("POST", "/contacts/", httpx.ReadTimeout("lost"))
    api.on("GET", "/contacts/search/duplicate", ok({"contact": {"id": "c9", "email": "a@b.mx"}}))

    async def body(c: Client) -> Any:
        return await c.create_contact({"email": "a@b.mx", "firstName": "Ana"}), c.stats

    res, stats = run(api, body)
    assert res == {"contact": {"id": "c9", "email": "a@b.mx"}}
    assert len(api.calls("POST", "/contacts/")) == 1
    (dup,) = api.calls("GET", "/contacts/search/duplicate")
    assert dup.url.params["email"] == "a@b.mx"
    assert stats.reconciled == 1


def test_create_contact_after_5xx_resends_when_nothing_was_created() -> None:
    api = FakeApi()
    api.on("POST", "/contacts/", ok({}, 500), ok({"contact": {"id": "new"}}, 201))
    api.on("GET", "/contacts/search/duplicate", ok({"contact": None}))
    res = run(api, lambda c: c.create_contact({"phone": "+5215512345678"}))
    assert res == {"contact": {"id": "new"}}
    assert len(api.calls("POST", "/contacts/")) == 2
    (dup,) = api.calls("GET", "/contacts/search/duplicate")
    assert dup.url.params["number"] == "+5215512345678"


def test_create_contact_resend_refused_as_duplicate_returns_the_lost_attempts_contact() -> None:
    api = FakeApi()
    dup = {"statusCode": 400, "message": "This location does not allow duplicated contacts.",
           "meta": {"contactId": "c7", "matchingField": "email"}}
    api.on("POST", "/contacts/", httpx.ReadTimeout("lost"), ok(dup, 400))
    api.on("GET", "/contacts/search/duplicate", ok({"contact": None}))  # the lookup lagged
    api.on("GET", "/contacts/c7", ok({"contact": {"id": "c7", "email": "a@b.mx"}}))
    ft = FakeTime()

    async def body(c: Client) -> Any:
        return await c.create_contact({"email": "a@b.mx"}), c.stats

    res, stats = run(api, body, ft=ft)
    assert res == {"contact": {"id": "c7", "email": "a@b.mx"}}
    assert (stats.reconciled, len(api.calls("POST", "/contacts/"))) == (1, 2)
    assert len(ft.slept) == 1  # waited once before looking, giving listings time to catch up


def test_create_contact_duplicate_on_first_attempt_is_a_plain_api_error() -> None:
    api = FakeApi()
    dup = {"statusCode": 400, "message": "This location does not allow duplicated contacts.",
           "meta": {"contactId": "c7"}}
    api.on("POST", "/contacts/", ok(dup, 400))
    with pytest.raises(ApiError) as info:
        run(api, lambda c: c.create_contact({"email": "a@b.mx"}))
    assert info.value.status == 400 and "does not allow duplicated" in str(info.value)
    assert api.calls("GET", "/contacts/c7") == []


def test_create_contact_resends_at_once_when_the_connection_was_refused() -> None:
    api = FakeApi()
    api.on("POST", "/contacts/", httpx.ConnectError("refused"), ok({"contact": {"id": "n"}}))

    async def body(c: Client) -> Any:
        await c.get_contact("c0")  # answered once: the refusal is a blip, not a wrong URL
        return await c.create_contact({"email": "a@b.mx"})
    res = run(api, body)
    assert res == {"contact": {"id": "n"}}
    assert api.calls("GET", "/contacts/search/duplicate") == []


def test_create_contact_without_identifier_never_risks_a_duplicate() -> None:
    api = FakeApi()
    api.on("POST", "/contacts/", httpx.ReadTimeout("lost"))
    with pytest.raises(TransportError, match=r"POST /contacts/: timeout \(ReadTimeout\)"):
        run(api, lambda c: c.create_contact({"firstName": "Ana"}))
    assert len(api.calls("POST", "/contacts/")) == 1


def test_add_note_after_ambiguous_failure_returns_the_existing_note() -> None:
    api = FakeApi()
    api.on("POST", "/contacts/c1/notes", ok({}, 504))
    api.on("GET", "/contacts/c1/notes",
           ok({"notes": [{"id": "n0", "body": "otra"}, {"id": "n1", "body": "Llamó el lunes"}]}))
    res = run(api, lambda c: c.add_note("c1", {"body": "Llamó el lunes"}))
    assert res == {"note": {"id": "n1", "body": "Llamó el lunes"}}
    assert len(api.calls("POST", "/contacts/c1/notes")) == 1


def test_add_note_resends_when_the_note_is_not_there() -> None:
    api = FakeApi()
    api.on("POST", "/contacts/c1/notes", httpx.RemoteProtocolError("dropped"),
           ok({"note": {"id": "n2", "body": "hola"}}, 201))
    api.on("GET", "/contacts/c1/notes", ok({"notes": [{"id": "n0", "body": "otra"}]}))
    res = run(api, lambda c: c.add_note("c1", {"body": "hola"}))
    assert res == {"note": {"id": "n2", "body": "hola"}}
    assert len(api.calls("POST", "/contacts/c1/notes")) == 2


def test_create_task_matches_title_and_due_date_as_instants() -> None:
    api = FakeApi()
    api.on("POST", "/contacts/c1/tasks", httpx.ReadTimeout("lost"))
    api.on("GET", "/contacts/c1/tasks", ok({"tasks": [
        {"id": "t0", "title": "Llamar", "dueDate": "2026-01-03T10:00:00.000Z"},
        {"id": "t1", "title": "Llamar", "dueDate": "2026-01-02T10:00:00.000Z"},
    ]}))
    res = run(api, lambda c: c.create_task(
        "c1", {"title": "Llamar", "dueDate": "2026-01-02T10:00:00Z", "completed": False}))
    assert res["task"]["id"] == "t1"
    assert len(api.calls("POST", "/contacts/c1/tasks")) == 1


def test_generic_request_never_repeats_a_non_idempotent_call() -> None:
    api = FakeApi()
    api.on("POST", "/contacts/c1/notes", ok({}, 500))
    with pytest.raises(ServerError, match="POST /contacts/c1/notes -> 500"):
        run(api, lambda c: c.request("POST", "/contacts/c1/notes", json={"body": "x"},
                                     idempotent=False))
    assert len(api.requests) == 1


# -- versions, secrets, logging ----------------------------------------------------------


def test_v2_gets_capitalized_dnd_keys_and_callers_see_v3_keys() -> None:
    api = FakeApi()
    api.always("POST", "/contacts/upsert", ok(
        {"new": True, "contact": {"id": "c1", "dndSettings": {"Call": {"status": "active"}}}}))
    res = run(api, lambda c: c.upsert_contact(
        {"email": "a@b.mx", "dndSettings": {"call": {"status": "active"},
                                            "whatsApp": {"status": "inactive"}}}),
        api_version="2021-07-28")
    (req,) = api.requests
    assert req.headers["Version"] == "2021-07-28"
    sent = json.loads(req.content)
    assert sent["dndSettings"] == {"Call": {"status": "active"}, "WhatsApp": {"status": "inactive"}}
    assert res["contact"]["dndSettings"] == {"call": {"status": "active"}}


def test_the_token_never_leaks_into_errors_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    api = FakeApi()
    # a hostile server echoing the Authorization header back in its error body
    api.always("GET", "/contacts/c1", lambda r: httpx.Response(
        400, json={"message": f"bad header {r.headers['Authorization']}"}))
    api.always("GET", "/contacts/c2", httpx.ConnectError(f"cannot connect with {TOKEN}"))
    caplog.set_level(logging.DEBUG, logger="bulkio")
    errors: list[ApiError] = []

    async def body(c: Client) -> str:
        for cid in ("c1", "c2"):
            try:
                await c.get_contact(cid)
            except ApiError as exc:
                errors.append(exc)
        return repr(c)

    text = run(api, body, max_retries=1)
    assert len(errors) == 2
    for err in errors:
        assert TOKEN not in str(err) and TOKEN not in err.body and TOKEN not in repr(err)
    assert "bad header Bearer ***" in str(errors[0])
    assert TOKEN not in text
    assert caplog.records, "expected request log lines at -v"
    assert any("GET /contacts/c1 -> 400" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert TOKEN not in record.getMessage()


def test_pool_is_sized_to_in_flight_and_in_flight_is_bounded() -> None:
    active = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.001)
        active -= 1
        return httpx.Response(200, json={})

    async def go() -> None:
        async with Client(base_url="http://api.test", token=TOKEN, location_id=LOC,
                          transport=httpx.MockTransport(handler), max_in_flight=3,
                          pacer=Pacer(max_requests=1000, interval_ms=1000)) as c:
            await asyncio.gather(*(c.get_contact(str(i)) for i in range(30)))
            assert c.stats.total_requests == 30

    asyncio.run(go())
    assert peak == 3



# -- in flight and the daily quota ------------------------------------------------------


def test_in_flight_grows_with_the_measured_latency() -> None:
    api = FakeApi()
    ft = FakeTime()

    def slow(request: httpx.Request) -> httpx.Response:
        ft.now += 1.5  # every answer takes 1.5 s (on the pacer's clock)
        return ok({"contact": {"id": "c1"}})

    api.always("GET", "/contacts/c1", slow)

    async def body(c: Client) -> tuple[int, int]:
        before = c.concurrency.limit
        for _ in range(3):
            await c.get_contact("c1")
        return before, c.concurrency.limit

    # 100 per 10.1 s x 1.5 s x 1.25 headroom = 18.6 -> 19, plus 2
    assert run(api, body, ft=ft) == (8, 21)


def test_wait_for_quota_waits_for_the_reset_and_goes_on() -> None:
    api = FakeApi()
    api.on("GET", "/contacts/c1",
           ok({"contact": {}}, headers={"X-RateLimit-Daily-Remaining": "0"}),
           ok({"contact": {}}, headers={"X-RateLimit-Daily-Remaining": "199999"}))
    ft = FakeTime()
    waits: list[float] = []
    noon_utc = 1_764_633_600.0 + 12 * 3600
    pacer = Pacer(clock=ft.clock, sleep=ft.sleep, wait_for_quota=True,
                  on_quota_wait=waits.append, wall_clock=lambda: noon_utc)

    async def body(c: Client) -> None:
        await c.get_contact("c1")
        await c.get_contact("c1")

    run(api, body, ft=ft, pacer=pacer)
    assert len(api.requests) == 2
    assert waits == [12 * 3600 + 60.0]
    assert pacer.daily_remaining == 199_999
