"""Scheduled exports never destroy an earlier result: distinct names, {run}/{time}, the
watermark taken from the server before the first page, and full-disk runs over the CLI."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from bulkio.api.client import Client
from bulkio.cli import main
from bulkio.export.run import ExportResult, ExportSpec, expand_target, run_export


def _export(sandbox: Any, target: Path, spec: ExportSpec,
            progress: Any = None) -> ExportResult:
    async def go() -> ExportResult:
        async with Client(base_url=sandbox.url, token=sandbox.token,
                          location_id=sandbox.location_id) as client:
            return await run_export(client, target=target, fmt="csv", spec=spec,
                                    progress=progress)

    return asyncio.run(go())


def _ids(path: Path) -> set[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return {row["id"] for row in csv.DictReader(f)}


def _seed(sandbox: Any, n: int) -> None:
    sandbox.admin.seed(sandbox.location_id, contacts=[
        {"firstName": f"P{i}", "email": f"p{i}@ejemplo.mx"} for i in range(n)])


def test_placeholders_date_time_and_run() -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert expand_target("c-{date}-{time}-{run}.csv", now=moment, run=12) == \
        "c-2026-03-04-050607-12.csv"


@pytest.mark.parametrize("search_lag_ms", [0, 1500])  # the real index lags writes (#16)
def test_two_same_day_scheduled_runs_keep_both_files(sandbox: Any, tmp_path: Path,
                                                     search_lag_ms: int) -> None:
    _seed(sandbox, 57)
    state = tmp_path / "export.state"
    args = ["export", "-o", str(tmp_path / "contacts-{date}.csv"), "--since", "last",
            "--state", str(state), "--base-url", sandbox.url, "--location-id",
            sandbox.location_id]
    env = {"BULKIO_TOKEN": sandbox.token}
    first = CliRunner().invoke(main, args, env=env)
    assert first.exit_code == 0, first.output
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    first_file = tmp_path / f"contacts-{day}.csv"
    assert len(_ids(first_file)) == 57
    httpx.post(f"{sandbox.url}/contacts/", headers=sandbox.headers(), json={
        "locationId": sandbox.location_id, "email": "late@ejemplo.mx"}).raise_for_status()
    second = CliRunner().invoke(main, args, env=env)
    assert second.exit_code == 0, second.output
    assert len(_ids(first_file)) == 57  # untouched
    second_file = tmp_path / f"contacts-{day}-2.csv"
    assert second_file.is_file()
    assert json.loads(state.read_text(encoding="utf-8"))["runs"] == 2


def test_run_placeholder_counts_runs_from_the_state(sandbox: Any, tmp_path: Path) -> None:
    _seed(sandbox, 3)
    state = tmp_path / "s.json"
    env = {"BULKIO_TOKEN": sandbox.token}
    for _ in range(2):
        r = CliRunner().invoke(main, [
            "export", "-o", str(tmp_path / "c-{run}.csv"), "--since", "last", "--state",
            str(state), "--base-url", sandbox.url, "--location-id", sandbox.location_id],
            env=env)
        assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.glob("c-*.csv")) == ["c-1.csv", "c-2.csv"]


def test_an_update_during_a_long_export_is_in_the_next_run(
    sandbox: Any, tmp_path: Path
) -> None:
    """Old rule (newest dateUpdated exported) lost X: X's page was read before X changed,
    then Y changed and was exported with a later stamp. No wall clock is involved: the
    updates happen between two pages, and overlap is 0."""
    _seed(sandbox, 3)
    contacts = sorted(sandbox.admin.contacts(sandbox.location_id), key=lambda c: c["dateAdded"])
    x, y = contacts[0]["id"], contacts[2]["id"]
    state = tmp_path / "s.json"
    spec = ExportSpec(since="last", state=state, overlap=timedelta(0), page_limit=1,
                      sort=())
    pages = 0

    def between_pages(rows: int, total: int | None) -> None:
        nonlocal pages
        pages += 1
        if pages == 1:  # X already written; now X and then Y change on the server
            for cid in (x, y):
                httpx.put(f"{sandbox.url}/contacts/{cid}", headers=sandbox.headers(),
                          json={"city": "Puebla"}).raise_for_status()

    _export(sandbox, tmp_path / "1.csv", ExportSpec(state=state, page_limit=1),
            progress=between_pages)
    second = _export(sandbox, tmp_path / "2.csv", spec)
    assert {x, y} <= _ids(tmp_path / "2.csv")
    assert second.rows == 2


_FULL_DISK_CLI = textwrap.dedent("""
    import resource, signal, sys
    from bulkio.cli import main
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4_000, 4_000))
    sys.argv = ["bulkio", *sys.argv[1:]]
    main()
""")


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX-only")
def test_full_disk_export_keeps_previous_file_and_state(sandbox: Any, tmp_path: Path) -> None:
    _seed(sandbox, 200)
    target, state = tmp_path / "contacts.csv", tmp_path / "s.json"
    target.write_bytes(b"previous")
    state.write_text('{"version": 1, "watermark": null, "runs": 4}\n', encoding="utf-8")
    before = state.read_bytes()
    env = {**os.environ, "BULKIO_TOKEN": sandbox.token}
    proc = subprocess.run(
        [sys.executable, "-c", _FULL_DISK_CLI, "export", "-o", str(target), "--since", "last",
         "--state", str(state), "--base-url", sandbox.url, "--location-id",
         sandbox.location_id], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    written = tmp_path / "contacts-2.csv"  # scheduled: the existing file is not the target
    assert lines[-1].startswith(f"Error: {written}: cannot write the file: File too large")
    assert "Traceback" not in proc.stderr
    assert target.read_bytes() == b"previous" and state.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contacts.csv", "s.json",
                                                          "s.json.lock"]


def test_run_placeholder_needs_a_state_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "-o", str(tmp_path / "c-{run}.csv"),
                                       "--sandbox"])
    assert result.exit_code == 2
    assert "{run} counts runs in the state file: add --state FILE" in result.output
