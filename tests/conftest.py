"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bulkio.sandbox import Sandbox, SandboxAdmin


@pytest.fixture(autouse=True)
def _state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's bulkio state (journal, sandbox database, locks) in its own tmp folder,
    never in the checkout the tests run from (tests of the state home unset it)."""
    home = tmp_path / ".bulkio"
    monkeypatch.setenv("BULKIO_STATE_DIR", str(home))
    return home


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Sandbox]:
    """One real uvicorn sandbox on 127.0.0.1:<free port> for the whole session.

    Rate limits are OFF here (tests stay fast); a test that wants them calls
    ``sandbox.admin.set_limits(...)`` and the ``sandbox`` fixture switches them off again.
    """
    with Sandbox(None, rate_limit=None, daily_limit=None) as sb:
        yield sb


@dataclass
class SandboxHandle:
    """What a test gets: a fresh location on the shared sandbox."""

    url: str
    token: str
    location_id: str
    admin: SandboxAdmin
    server: Sandbox

    def headers(self) -> dict[str, str]:
        """Authorization and Version headers for raw HTTP calls."""
        return {"Authorization": f"Bearer {self.token}", "Version": "v3"}


@pytest.fixture
def search_lag_ms() -> int:
    """Search lag of the ``sandbox`` fixture, in ms: 0 (searches see writes at once).

    Reliability tests run under the real API's lag by parametrizing it by name, e.g.
    ``@pytest.mark.parametrize("search_lag_ms", [0, 1500])``: POST /contacts/search,
    GET /contacts/search/duplicate and the business listing then see each write only
    that long after it.
    """
    return 0


@pytest.fixture
def sandbox(sandbox_server: Sandbox, search_lag_ms: int) -> Iterator[SandboxHandle]:
    """A FRESH location on the session sandbox; faults, limits and the search lag
    (see ``search_lag_ms``) are reset afterwards."""
    admin = sandbox_server.admin
    location_id, token = admin.create_location()
    if search_lag_ms:
        admin.set_limits(search_lag_ms=search_lag_ms)
    yield SandboxHandle(sandbox_server.url, token, location_id, admin, sandbox_server)
    admin.clear_faults()
    admin.set_limits(off=True, rate_interval_ms=10_000, max_bulk_tag_ids=500, search_lag_ms=0)
