"""Export dates without the wall clock: the 5-minute overlap and ``{date}`` at midnight UTC.

``time-machine`` moves the clock of this process, so the sandbox (same process, its own
thread) stamps ``dateUpdated`` at the moments the test chooses, and the export reads them.
The test runs its own sandbox: the store's stamps only move forward, so a shared one would
keep dates in 2030 for every later test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import time_machine

from bulkio.api.client import Client
from bulkio.export.run import ExportResult, ExportSpec, expand_target, run_export
from bulkio.sandbox import Sandbox
from tests.conftest import SandboxHandle

T0 = datetime(2030, 3, 9, 8, 0, tzinfo=UTC)


@pytest.fixture
def own_sandbox() -> Iterator[SandboxHandle]:
    """A sandbox server of this test's own (not the session's)."""
    with Sandbox(None, rate_limit=None, daily_limit=None) as server:
        location_id, token = server.admin.create_location()
        yield SandboxHandle(server.url, token, location_id, server.admin, server)


def export(sandbox: Any, target: Path, spec: ExportSpec) -> ExportResult:
    async def go() -> ExportResult:
        async with Client(base_url=sandbox.url, token=sandbox.token,
                          location_id=sandbox.location_id) as client:
            return await run_export(client, target=target, fmt="csv", spec=spec)

    return asyncio.run(go())


def touch(sandbox: Any, contact_id: str, city: str) -> None:
    async def go() -> None:
        async with Client(base_url=sandbox.url, token=sandbox.token,
                          location_id=sandbox.location_id) as client:
            await client.update_contact(contact_id, {"city": city})

    asyncio.run(go())


def ids_in(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    id_col = lines[0].split(",").index("id")
    return {line.split(",")[id_col] for line in lines[1:]}


def test_default_overlap_rereads_exactly_the_last_five_minutes(own_sandbox: SandboxHandle,
                                                              tmp_path: Path) -> None:
    sandbox = own_sandbox
    state = tmp_path / "export.state"
    spec = ExportSpec(since="last", state=state)  # the default overlap
    with time_machine.travel(T0) as clock:
        sandbox.admin.seed(sandbox.location_id, contacts=[
            {"email": f"{name}@ejemplo.mx", "firstName": name} for name in "abcd"])
        ids = {c["email"][0]: c["id"] for c in sandbox.admin.contacts(sandbox.location_id)}
        assert export(sandbox, tmp_path / "1.csv", spec).rows == 4
        clock.move_to(T0 + timedelta(minutes=4))
        touch(sandbox, ids["d"], "Puebla")
        clock.move_to(T0 + timedelta(minutes=6))
        touch(sandbox, ids["c"], "Puebla")
        clock.move_to(T0 + timedelta(minutes=10))
        touch(sandbox, ids["a"], "Puebla")  # the watermark of the next run: 08:10
        assert export(sandbox, tmp_path / "2.csv", spec).rows == 4
        clock.move_to(T0 + timedelta(minutes=20))
        touch(sandbox, ids["b"], "Puebla")
        third = export(sandbox, tmp_path / "3.csv", spec)
    # from 08:05 (watermark 08:10 minus 5 minutes): a (08:10), b (08:20) and c (08:06);
    # d, touched at 08:04, is older than the overlap
    assert ids_in(tmp_path / "3.csv") == {ids["a"], ids["b"], ids["c"]}
    assert third.rows == 3


def test_date_placeholder_is_the_utc_date_either_side_of_midnight() -> None:
    before = datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC)
    with time_machine.travel(before, tick=False):
        assert expand_target("vip-{date}_{time}.csv") == "vip-2030-12-31_235959.csv"
    with time_machine.travel(before + timedelta(seconds=1), tick=False):
        assert expand_target("vip-{date}_{time}.csv") == "vip-2031-01-01_000000.csv"
    # 19:30 on New Year's Eve in Mexico City (UTC-6) is already the next day in UTC
    local = datetime(2030, 12, 31, 19, 30, tzinfo=timezone(timedelta(hours=-6)))
    assert expand_target("{date}", now=local) == "2031-01-01"
