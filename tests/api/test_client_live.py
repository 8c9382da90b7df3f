"""Client over real loopback HTTP against the sandbox: pacing, faults, dedup, quotas."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from bulkio.api.client import Client, ClientStats
from bulkio.errors import AuthError, RateLimitedError


def live(sandbox: Any, body: Callable[[Client], Awaitable[Any]], **kw: Any) -> Any:
    async def go() -> Any:
        async with Client(base_url=sandbox.url, token=sandbox.token,
                          location_id=sandbox.location_id, **kw) as client:
            return await body(client)

    return asyncio.run(go())


def mine(sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in sandbox.admin.requests() if r["location_id"] == sandbox.location_id]


def test_sandbox_round_trip_through_every_wrapper(sandbox: Any) -> None:
    async def body(c: Client) -> dict[str, Any]:
        out: dict[str, Any] = {}
        up = await c.upsert_contact({"email": "ana@ejemplo.mx", "firstName": "Ana",
                                     "dndSettings": {"sms": {"status": "active"}}})
        cid = up["contact"]["id"]
        out["new"] = up["new"]
        out["again"] = (await c.upsert_contact({"email": "ana@ejemplo.mx"}))["new"]
        out["dup"] = (await c.find_duplicate(email="ana@ejemplo.mx"))
        out["nodup"] = await c.find_duplicate(email="nadie@ejemplo.mx")
        await c.update_contact(cid, {"lastName": "López"})
        await c.add_tags(cid, ["vip", "cdmx"])
        await c.remove_tags(cid, ["cdmx"])
        await c.bulk_tags("add", [cid], ["importado"])
        out["contact"] = (await c.get_contact(cid))["contact"]
        note = (await c.add_note(cid, {"body": "Llamó el lunes"}))["note"]
        out["notes"] = (await c.list_notes(cid))["notes"]
        await c.delete_note(cid, note["id"])
        task = (await c.create_task(cid, {"title": "Llamar", "dueDate": "2026-01-02T10:00:00Z",
                                          "completed": False}))["task"]
        out["tasks"] = (await c.list_tasks(cid))["tasks"]
        await c.delete_task(cid, task["id"])
        out["fields"] = await c.custom_fields()
        created = await c.create_contact({"phone": "+52 55 1234 5678", "firstName": "Beto"})
        await c.delete_contact(created["contact"]["id"])
        out["stats"] = c.stats
        return out

    out = live(sandbox, body)
    assert (out["new"], out["again"]) == (True, False)
    assert out["dup"]["email"] == "ana@ejemplo.mx" and out["nodup"] is None
    contact = out["contact"]
    assert contact["lastName"] == "López"
    assert sorted(contact["tags"]) == ["importado", "vip"]
    assert [n["body"] for n in out["notes"]] == ["Llamó el lunes"]
    assert [t["title"] for t in out["tasks"]] == ["Llamar"]
    assert isinstance(out["fields"], list)
    assert out["stats"].errors == {} and out["stats"].retries == 0
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 1


def test_sandbox_wrong_token_is_an_auth_error_without_the_token(sandbox: Any) -> None:
    async def go() -> None:
        async with Client(base_url=sandbox.url, token="pit-wrong-secret",
                          location_id=sandbox.location_id) as c:
            await c.get_contact("x")

    with pytest.raises(AuthError) as info:
        asyncio.run(go())
    assert info.value.status == 401 and "pit-wrong-secret" not in str(info.value)


def test_sandbox_pacing_adapts_to_the_server_limit_without_429s(sandbox: Any) -> None:
    sandbox.admin.set_limits(rate_limit=20, rate_interval_ms=1000)

    async def body(c: Client) -> ClientStats:
        await asyncio.gather(*(c.upsert_contact({"email": f"p{i}@ejemplo.mx"})
                               for i in range(50)))
        return c.stats

    stats = live(sandbox, body, max_in_flight=8)
    assert stats.rate_limited == 0
    assert (stats.total_requests, stats.errors) == (50, {})
    statuses = [r["status"] for r in mine(sandbox)]
    assert statuses.count(200) + statuses.count(201) == 50 and 429 not in statuses
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 50


def test_sandbox_shared_budget_429s_pause_then_every_request_succeeds(sandbox: Any) -> None:
    # a 3 s window so the other client's usage is still in it when ours starts
    sandbox.admin.set_limits(rate_limit=20, rate_interval_ms=3000)
    # another client of the same location spends 18 of the 20 slots first
    with httpx.Client(base_url=sandbox.url, headers=sandbox.headers()) as other:
        for _ in range(18):
            other.get(f"/contacts/search/duplicate?locationId={sandbox.location_id}"
                      "&email=x@ejemplo.mx")

    async def body(c: Client) -> ClientStats:
        await asyncio.gather(*(c.upsert_contact({"email": f"s{i}@ejemplo.mx"})
                               for i in range(12)))
        return c.stats

    stats = live(sandbox, body, max_in_flight=6, backoff_base=0.01)
    log = mine(sandbox)
    ours = [r for r in log if r["path"] == "/contacts/upsert"]
    # the client counted exactly the 429s the sandbox sent it
    assert stats.rate_limited == sum(r["status"] == 429 for r in ours)
    # and met at least one if, by the sandbox's own clock, ours started while the other
    # client's 18 requests were still in the 3 s window (a stalled machine may move it later)
    if ours[0]["time"] - log[0]["time"] < 3.0:
        assert stats.rate_limited >= 1
    assert stats.errors == {}
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 12


def test_sandbox_retries_injected_5xx(sandbox: Any) -> None:
    sandbox.admin.set_faults(sequence=[503, 502, 500], path_contains="/contacts/upsert")

    async def body(c: Client) -> ClientStats:
        await c.upsert_contact({"email": "r@ejemplo.mx"})
        return c.stats

    stats = live(sandbox, body, backoff_base=0.01)
    assert (stats.retries, stats.statuses[503], stats.statuses[502]) == (3, 1, 1)
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 1


@pytest.mark.parametrize(("drop", "reconciled"),
                         [("drop_after_commit", 1), ("drop_before_commit", 0)])
def test_sandbox_dropped_create_makes_exactly_one_contact(
    sandbox: Any, drop: str, reconciled: int
) -> None:
    sandbox.admin.set_faults(sequence=[drop], method="POST", path_contains="/contacts/")

    async def body(c: Client) -> tuple[Any, ClientStats]:
        return await c.create_contact({"email": "uno@ejemplo.mx", "firstName": "Uno"}), c.stats

    res, stats = live(sandbox, body, backoff_base=0.01)
    contacts = sandbox.admin.contacts(sandbox.location_id)
    assert [c["id"] for c in contacts] == [res["contact"]["id"]]
    assert stats.reconciled == reconciled


def test_sandbox_dropped_note_and_task_are_not_duplicated(sandbox: Any) -> None:
    async def setup(c: Client) -> str:
        return str((await c.upsert_contact({"email": "n@ejemplo.mx"}))["contact"]["id"])

    cid = live(sandbox, setup)
    sandbox.admin.set_faults(sequence=["drop_after_commit", "drop_after_commit"], method="POST",
                             path_contains=f"/contacts/{cid}/")

    async def body(c: Client) -> ClientStats:
        await c.add_note(cid, {"body": "Cliente desde 2019"})
        await c.create_task(cid, {"title": "Enviar cotización",
                                  "dueDate": "2026-02-01T16:00:00Z", "completed": False})
        return c.stats

    stats = live(sandbox, body, backoff_base=0.01)
    assert stats.reconciled == 2
    assert len(sandbox.admin.notes(sandbox.location_id)) == 1
    assert len(sandbox.admin.tasks(sandbox.location_id)) == 1


def test_sandbox_daily_quota_stops_before_sending_more(sandbox: Any) -> None:
    sandbox.admin.set_limits(daily_limit=5)

    async def body(c: Client) -> None:
        for i in range(10):
            await c.upsert_contact({"email": f"d{i}@ejemplo.mx"})

    with pytest.raises(RateLimitedError) as info:
        live(sandbox, body)
    assert "daily" in str(info.value) and "tomorrow" in info.value.hint
    statuses = [r["status"] for r in mine(sandbox)]
    assert len(statuses) == 5 and 429 not in statuses
