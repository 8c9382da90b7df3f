"""``search_lag_ms``: search and duplicate lookups see writes late, as the real API's index."""

from __future__ import annotations

import errno
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.sandbox import Sandbox, SandboxAdminError

if TYPE_CHECKING:
    from tests.conftest import SandboxHandle


def api(sb: SandboxHandle) -> httpx.Client:
    return httpx.Client(base_url=sb.url, headers=sb.headers(), timeout=10)


def emails(http: httpx.Client, sb: SandboxHandle) -> list[str]:
    body = {"locationId": sb.location_id, "pageLimit": 100}
    return [c.get("email", "") for c in http.post("/contacts/search", json=body).json()["contacts"]]


def duplicate(http: httpx.Client, sb: SandboxHandle, email: str) -> Any:
    params = {"locationId": sb.location_id, "email": email}
    return http.get("/contacts/search/duplicate", params=params).json()["contact"]


@pytest.mark.parametrize("search_lag_ms", [60_000])
def test_writes_are_invisible_to_search_until_the_lag_passes(
    sandbox: SandboxHandle, search_lag_ms: int
) -> None:
    (seeded,) = sandbox.admin.seed(sandbox.location_id, contacts=[{"email": "old@x.com"}])
    http = api(sandbox)
    r = http.post("/contacts/", json={"locationId": sandbox.location_id, "email": "new@x.com"})
    cid = r.json()["contact"]["id"]
    assert emails(http, sandbox) == ["old@x.com"]  # seeded data is pre-existing: visible
    assert duplicate(http, sandbox, "new@x.com") is None
    assert http.get(f"/contacts/{cid}").json()["contact"]["email"] == "new@x.com"
    # writes themselves are consistent: upsert matches, create refuses the duplicate
    body = {"locationId": sandbox.location_id, "email": "new@x.com"}
    assert http.post("/contacts/upsert", json=body).json()["new"] is False
    again = http.post("/contacts/", json=body)
    assert again.status_code == 400
    assert http.delete(f"/contacts/{seeded}").status_code == 200
    assert emails(http, sandbox) == ["old@x.com"]  # the delete is not seen yet either


@pytest.mark.parametrize("search_lag_ms", [300])
def test_writes_become_visible_after_the_lag(sandbox: SandboxHandle, search_lag_ms: int) -> None:
    http = api(sandbox)
    http.post("/contacts/", json={"locationId": sandbox.location_id, "email": "late@x.com"})
    deadline = time.monotonic() + 20
    while emails(http, sandbox) != ["late@x.com"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert emails(http, sandbox) == ["late@x.com"]
    assert duplicate(http, sandbox, "late@x.com")["email"] == "late@x.com"


def test_lag_is_off_by_default_and_set_by_the_constructor_and_admin(sandbox: SandboxHandle) -> None:
    assert sandbox.admin.limits()["search_lag_ms"] == 0
    with Sandbox(None, search_lag_ms=45_000) as sb:
        assert sb.admin.limits()["search_lag_ms"] == 45_000
        assert sb.admin.set_limits(search_lag_ms=0)["search_lag_ms"] == 0
        with pytest.raises(SandboxAdminError, match="search_lag_ms"):
            sb.admin.set_limits(search_lag_ms=-1)


def test_serve_search_lag_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Sandbox] = []

    def refuse(self: Sandbox) -> Sandbox:
        started.append(self)
        raise OSError(errno.EADDRINUSE, "Address already in use")

    monkeypatch.setattr(Sandbox, "start", refuse)
    args = ["sandbox", "serve", "--search-lag-ms", "2500", "--db", str(tmp_path / "sb.db")]
    assert CliRunner().invoke(main, args).exit_code == 1  # the patched start: port in use
    assert [sb.store.search_lag_ms for sb in started] == [2500]
    r = CliRunner().invoke(main, ["sandbox", "serve", "--search-lag-ms", "-1"])
    assert r.exit_code == 2
