"""Rate-limit headers, 429s, the sliding window, and every fault mode."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from bulkio.sandbox.faults import FaultInjector, FaultPlan
from bulkio.sandbox.ratelimit import Limits, RateLimiter

if TYPE_CHECKING:
    from tests.conftest import SandboxHandle

HEADERS = (
    "X-RateLimit-Max", "X-RateLimit-Remaining", "X-RateLimit-Interval-Milliseconds",
    "X-RateLimit-Limit-Daily", "X-RateLimit-Daily-Remaining",
)  # fmt: skip


def client(sb: SandboxHandle) -> httpx.Client:
    return httpx.Client(base_url=sb.url, headers=sb.headers(), timeout=10)


def upsert(http: httpx.Client, sb: SandboxHandle, email: str) -> httpx.Response:
    return http.post("/contacts/upsert", json={"locationId": sb.location_id, "email": email})


def test_headers_count_down_and_429_past_the_limit(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_limits(rate_limit=3, rate_interval_ms=60_000, daily_limit=1000)
    http = client(sandbox)
    seen = []
    for i in range(4):
        r = upsert(http, sandbox, f"r{i}@x.com")
        assert all(h in r.headers for h in HEADERS)
        seen.append((r.status_code, r.headers["X-RateLimit-Remaining"]))
    assert seen == [(200, "2"), (200, "1"), (200, "0"), (429, "0")]
    assert r.headers["X-RateLimit-Max"] == "3"
    assert r.headers["X-RateLimit-Interval-Milliseconds"] == "60000"
    assert r.headers["X-RateLimit-Daily-Remaining"] == "997"
    assert r.json()["statusCode"] == 429
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 3
    # errors carry the headers too, and limits are per location
    _, other_token = sandbox.admin.create_location()
    r = httpx.get(f"{sandbox.url}/contacts/x", headers={"Authorization": f"Bearer {other_token}",
                                                         "Version": "v3"})  # fmt: skip
    assert r.status_code == 400 and r.headers["X-RateLimit-Remaining"] == "2"


def test_daily_limit(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_limits(rate_limit=0, daily_limit=2)
    http = client(sandbox)
    codes = [upsert(http, sandbox, f"d{i}@x.com").status_code for i in range(3)]
    assert codes == [200, 200, 429]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_never_admits_more_than_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr("bulkio.sandbox.ratelimit.time.monotonic", clock)
    limiter = RateLimiter(Limits(rate_limit=5, rate_interval_ms=10_000, daily_limit=None))
    admitted: list[float] = []
    # bursty traffic: 3 requests every 1.5 s for a minute
    for step in range(40):
        clock.now = 1000.0 + step * 1.5
        for _ in range(3):
            if limiter.hit("loc")[0]:
                admitted.append(clock.now)
    for t in admitted:
        assert sum(1 for u in admitted if t <= u < t + 10.0) <= 5
    assert len(admitted) >= 5 * 5  # the window does refill


def test_limits_off_report_large_remaining(sandbox: SandboxHandle) -> None:
    r = upsert(client(sandbox), sandbox, "off@x.com")
    assert int(r.headers["X-RateLimit-Remaining"]) > 1000


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_error_sequence(sandbox: SandboxHandle, status: int) -> None:
    sandbox.admin.set_faults(sequence=[status, "ok", status])
    http = client(sandbox)
    codes = [upsert(http, sandbox, f"s{i}@x.com").status_code for i in range(4)]
    assert codes == [status, 200, status, 200]
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 2


def test_probability_and_path_targeting(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults(probabilities={503: 1.0}, path_contains="/upsert", method="POST")
    http = client(sandbox)
    assert upsert(http, sandbox, "p@x.com").status_code == 503
    r = http.post("/contacts/search", json={"locationId": sandbox.location_id, "pageLimit": 1})
    assert r.status_code == 200
    injected = sandbox.admin.faults()["injected"]
    assert injected[-1] == {"method": "POST", "path": "/contacts/upsert", "fault": 503}


def test_seeded_probabilities_are_reproducible(sandbox: SandboxHandle) -> None:
    def run() -> list[int]:
        sandbox.admin.set_faults(probabilities={500: 0.5}, seed=7, path_contains="/search")
        http = client(sandbox)
        body: dict[str, Any] = {"locationId": sandbox.location_id, "pageLimit": 1}
        return [http.post("/contacts/search", json=body).status_code for _ in range(20)]

    first = run()
    assert first == run()
    assert set(first) == {200, 500}


def test_latency_is_applied_to_matching_requests_only(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults(latency_ms=50, path_contains="/search")
    plan = sandbox.admin.faults()["plan"]
    assert plan["latency_ms"] == 50 and plan["path_contains"] == "/search"
    http = client(sandbox)
    r = http.post("/contacts/search", json={"locationId": sandbox.location_id, "pageLimit": 1})
    assert r.status_code == 200
    # measured by the client's own clock: the sandbox held the matching request >= 50 ms
    assert r.elapsed.total_seconds() >= 0.045
    injector = FaultInjector(FaultPlan(latency_ms=50, path_contains="/search"))
    assert injector.latency_ms("POST", "/contacts/search") == 50
    assert injector.latency_ms("POST", "/contacts/upsert") == 0


# A dropped socket shows up as a closed stream or, if the close races the send, a reset.
DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


def test_drop_before_commit_loses_the_write(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults(sequence=["drop_before_commit"])
    http = client(sandbox)
    with pytest.raises(DROPPED, match=r"(?i)disconnect|closed|reset|broken|incomplete"):
        upsert(http, sandbox, "lost@x.com")
    assert sandbox.admin.contacts(sandbox.location_id) == []
    assert upsert(http, sandbox, "lost@x.com").json()["new"] is True
    log = sandbox.admin.requests(sandbox.location_id)  # this test's own location
    assert [(r["path"], r["status"]) for r in log] == [
        ("/contacts/upsert", -1), ("/contacts/upsert", 200)]


def test_drop_after_commit_keeps_the_write(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults(sequence=["drop_after_commit"])
    http = client(sandbox)
    with pytest.raises(DROPPED, match=r"(?i)disconnect|closed|reset|broken|incomplete"):
        upsert(http, sandbox, "kept@x.com")
    stored = sandbox.admin.contacts(sandbox.location_id)
    assert [c["email"] for c in stored] == ["kept@x.com"]
    # an exactly-once client retries the upsert: same contact, no duplicate
    again = upsert(http, sandbox, "kept@x.com").json()
    assert again["new"] is False and again["contact"]["id"] == stored[0]["id"]


def test_bad_fault_action_is_refused(sandbox: SandboxHandle) -> None:
    from bulkio.sandbox import SandboxAdminError

    with pytest.raises(SandboxAdminError, match="418"):
        sandbox.admin.set_faults(sequence=[418])


def test_fault_plan_at_start_and_bad_plans_refused() -> None:
    from bulkio.sandbox import Sandbox

    with Sandbox(None, faults={"sequence": [502]}) as sb:
        headers = {"Authorization": f"Bearer {sb.token}", "Version": "v3"}
        r = httpx.get(f"{sb.url}/contacts/x", headers=headers)
        assert r.status_code == 502
        assert httpx.get(f"{sb.url}/contacts/x", headers=headers).status_code == 400
    for bad, message in (({"p999": 1}, "unknown fault setting 'p999'"),
                         ({"sequence": [777]}, "unknown fault action 777")):
        with pytest.raises(ValueError, match=message):
            FaultPlan.from_json(bad)
