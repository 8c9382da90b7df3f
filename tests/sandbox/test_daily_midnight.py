"""The sandbox's daily quota is a UTC day: it resets at midnight UTC, not 24 h after use.

The clock is moved with ``time-machine`` (the sandbox runs in this process), so the test
holds whatever the wall clock says. It runs its own sandbox: the store's stamps only move
forward, so the session's would keep dates in 2030 for every later test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import time_machine

from bulkio.sandbox import Sandbox
from tests.conftest import SandboxHandle


def test_daily_quota_resets_at_midnight_utc() -> None:
    with Sandbox(None, rate_limit=None, daily_limit=None) as server:
        location_id, token = server.admin.create_location()
        check_midnight(SandboxHandle(server.url, token, location_id, server.admin, server))


def check_midnight(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_limits(rate_limit=0, daily_limit=2)
    before = datetime(2030, 5, 17, 23, 59, 58, tzinfo=UTC)
    with httpx.Client(base_url=sandbox.url, headers=sandbox.headers(), timeout=10) as http:

        def upsert(email: str) -> httpx.Response:
            return http.post("/contacts/upsert",
                             json={"locationId": sandbox.location_id, "email": email})

        with time_machine.travel(before, tick=False):
            codes = [upsert(f"d{i}@x.com").status_code for i in range(3)]
            late = upsert("late@x.com")
        with time_machine.travel(before + timedelta(seconds=3), tick=False):
            after = upsert("next-day@x.com")
    assert codes == [200, 200, 429]
    assert late.status_code == 429 and late.headers["X-RateLimit-Daily-Remaining"] == "0"
    assert after.status_code == 200 and after.headers["X-RateLimit-Daily-Remaining"] == "1"
    assert sorted(c["email"] for c in sandbox.admin.contacts(sandbox.location_id)) == [
        "d0@x.com", "d1@x.com", "next-day@x.com"]
