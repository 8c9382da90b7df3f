"""``bulkio sandbox serve|reset|status`` and persistence of a sandbox database file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]


def test_file_db_keeps_contacts_token_and_location(tmp_path: Path) -> None:
    db = tmp_path / "sb.db"
    with Sandbox(db) as sb:
        token, loc = sb.token, sb.location_id
        sb.admin.seed(loc, count=3)
    with Sandbox(db) as sb:
        assert (sb.token, sb.location_id) == (token, loc)
        assert len(sb.admin.contacts(loc)) == 3


def test_status_and_reset(tmp_path: Path) -> None:
    db = tmp_path / "sb.db"
    with Sandbox(db) as sb:
        loc = sb.location_id
        sb.admin.seed(loc, count=2)
    runner = CliRunner()
    r = runner.invoke(main, ["sandbox", "status", "--db", str(db)])
    assert r.exit_code == 0
    assert "contacts:      2" in r.output and loc in r.output
    r = runner.invoke(main, ["sandbox", "reset", "--db", str(db)])
    assert r.exit_code == 0
    r = runner.invoke(main, ["sandbox", "status", "--db", str(db)])
    assert "contacts:      0" in r.output and loc in r.output


def test_status_without_db_is_one_clear_line(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["sandbox", "status", "--db", str(tmp_path / "none.db")])
    assert r.exit_code == 1
    assert "bulkio sandbox serve" in r.output
    assert "Traceback" not in r.output


def test_help_starts_with_a_line_then_an_example() -> None:
    for cmd in ("serve", "reset", "status"):
        r = CliRunner().invoke(main, ["sandbox", cmd, "-h"])
        assert r.exit_code == 0
        assert "Example:" in r.output and f"bulkio sandbox {cmd}" in r.output


def test_serve_prints_url_location_token_and_serves(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "bulkio", "sandbox", "serve", "--port", "0",
           "--db", str(tmp_path / "serve.db")]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = dict(proc.stdout.readline().split(":", 1) for _ in range(3))
        url, loc, token = (lines[k].strip() for k in ("base URL", "location id", "token"))
        assert url.startswith("http://127.0.0.1:")
        headers = {"Authorization": f"Bearer {token}", "Version": "v3"}
        r = httpx.post(f"{url}/contacts/", headers=headers,
                       json={"locationId": loc, "email": "cli@x.com"})  # fmt: skip
        assert r.status_code == 201
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0
