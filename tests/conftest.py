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
def sandbox(sandbox_server: Sandbox) -> Iterator[SandboxHandle]:
    """A FRESH location on the session sandbox; faults and limits are reset afterwards."""
    admin = sandbox_server.admin
    location_id, token = admin.create_location()
    yield SandboxHandle(sandbox_server.url, token, location_id, admin, sandbox_server)
    admin.clear_faults()
    admin.set_limits(off=True, rate_interval_ms=10_000, max_bulk_tag_ids=500)
