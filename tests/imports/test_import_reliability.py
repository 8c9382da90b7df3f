"""The product promise under stress: faults at 20% and ``kill -9`` mid-run, then resume.

After every scenario the sandbox must hold exactly the expected contacts (none missing, no
duplicates, tags, business and notes complete, no note twice) and the reports must list
every input row exactly once.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bulkio.cli import main

REPO = Path(__file__).resolve().parents[2]
N_ROWS = 48


def write_input(path: Path, n: int = N_ROWS) -> Path:
    """Rows with two tag sets, three businesses and a note on every third row."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["email", "first name", "tags", "businessId", "note"])
        for i in range(n):
            tags = "lote-a, vip" if i % 2 else "lote-b"
            note = f"nota {i}" if i % 3 == 0 else ""
            writer.writerow([f"c{i}@ejemplo.mx", f"Nombre{i}", tags, f"biz-{i % 3}", note])
    return path


def check_sandbox(sandbox: Any, n: int = N_ROWS) -> None:
    contacts = sandbox.admin.contacts(sandbox.location_id)
    emails = Counter(c["email"] for c in contacts)
    assert len(contacts) == n, "missing or duplicate contacts"
    assert set(emails) == {f"c{i}@ejemplo.mx" for i in range(n)}
    for c in contacts:
        i = int(c["email"][1:].split("@")[0])
        expected = ["lote-a", "vip"] if i % 2 else ["lote-b"]
        assert sorted(c["tags"]) == expected, c["email"]
        assert c["businessId"] == f"biz-{i % 3}"
        assert c["firstName"] == f"Nombre{i}"
    notes = Counter(note["body"] for note in sandbox.admin.notes(sandbox.location_id))
    assert notes == Counter({f"nota {i}": 1 for i in range(0, n, 3)})


def check_reports(folder: Path, stem: str, n: int = N_ROWS) -> list[dict[str, str]]:
    with (folder / f"{stem}.success.csv").open(encoding="utf-8-sig", newline="") as fh:
        success = list(csv.DictReader(fh))
    with (folder / f"{stem}.failures.csv").open(encoding="utf-8-sig", newline="") as fh:
        failures = list(csv.DictReader(fh))
    assert failures == []
    assert sorted(int(r["_row"]) for r in success) == list(range(2, n + 2))
    assert all(r["contact_id"] for r in success)
    return success


def run_cli(sandbox: Any, *args: str) -> Any:
    argv = [*args, "--base-url", sandbox.url, "--location-id", sandbox.location_id]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token},
                              catch_exceptions=False)


@pytest.fixture
def fast_429(sandbox: Any) -> Any:
    """Limits high enough never to bind, with a 1 s window: a 429 pauses the client 1 s."""
    sandbox.admin.set_limits(rate_limit=100_000, rate_interval_ms=1_000, daily_limit=0)
    return sandbox


@pytest.mark.parametrize("search_lag_ms", [0, 1500])  # the real index lags writes (#16)
@pytest.mark.parametrize("mode", ["upsert", "create"])
def test_faults_at_20_percent(fast_429: Any, tmp_path: Path, mode: str,
                              search_lag_ms: int) -> None:
    sandbox = fast_429
    src = write_input(tmp_path / "contactos.csv")
    sandbox.admin.set_faults(
        probabilities={500: 0.04, 502: 0.02, 503: 0.02, 429: 0.04},
        drop_before_commit=0.04, drop_after_commit=0.04, latency_ms=15, seed=7,
    )
    result = run_cli(sandbox, "import", str(src), "--mode", mode, "--tag-chunk", "5", "--json")
    sandbox.admin.clear_faults()
    injected = sandbox.admin.requests(sandbox.location_id)  # this test's location only
    assert any(r["status"] in (500, 502, 503, 429, -1) for r in injected), "no fault injected"
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    # "created" only on the API's own `new: true`: an upsert whose answer was dropped after
    # the commit and that was resent comes back new: false and is reported "updated"
    assert sum(doc["by_action"].values()) == N_ROWS
    assert set(doc["by_action"]) <= {"created", "updated"}
    assert doc["requests"]["retries"] > 0
    check_sandbox(sandbox)
    check_reports(tmp_path, "contactos")


def _spawn(sandbox: Any, src: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BULKIO_TOKEN": sandbox.token,
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "bulkio", "import", str(src), "--base-url", sandbox.url,
         "--location-id", sandbox.location_id, "--tag-chunk", "5", "-q", *extra],
        cwd=src.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


#: requests the killed import may send: fewer than the 48 upserts the run needs, so however
#: slow the test process is to notice, the run cannot finish (or create every contact)
#: before the kill lands
REQUEST_BUDGET = N_ROWS - 1


def _cap_requests(sandbox: Any, budget: int = REQUEST_BUDGET) -> None:
    """Let the location take ``budget`` requests and then none for ten minutes."""
    sandbox.admin.set_limits(rate_limit=budget, rate_interval_ms=600_000)


def _wait_for_contacts(sandbox: Any, proc: subprocess.Popen[bytes], at_least: int | None,
                       ) -> int:
    """Wait until ``at_least`` contacts exist, or the run has stalled at its request budget.

    No race with the end of the run: the budget stops the run short of the end, so a loaded
    machine only moves the kill later, never past the run's end. Stalled = at least one
    contact, and no new request for 2 s (the pacer holds the rest back for ten minutes).
    """
    deadline = time.monotonic() + 120
    sent, changed = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = int(sandbox.admin.counts(sandbox.location_id).get("contacts", 0))
        if at_least is not None and count >= at_least:
            return count
        now_sent = len(sandbox.admin.requests(sandbox.location_id))
        if now_sent != sent:
            sent, changed = now_sent, time.monotonic()
        elif count and time.monotonic() - changed > 2.0:
            return count
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise AssertionError(f"the import ended before the kill: {err}")
        time.sleep(0.01)
    raise AssertionError("the import made no progress")


# None: kill once the run has spent its whole budget (contacts, tags and notes part done)
@pytest.mark.parametrize("search_lag_ms", [0, 1500])  # the real index lags writes (#16)
@pytest.mark.parametrize(("kill_at", "mode"), [(3, "upsert"), (20, "create"), (None, "upsert")])
def test_kill_9_then_resume(sandbox: Any, tmp_path: Path, kill_at: int | None, mode: str,
                            search_lag_ms: int) -> None:
    src = write_input(tmp_path / "contactos.csv")
    # slow responses so that the kill lands mid-run, with tags/business/notes in flight
    sandbox.admin.set_faults(latency_ms=25)
    _cap_requests(sandbox)
    proc = _spawn(sandbox, src, "--mode", mode)
    try:
        seen = _wait_for_contacts(sandbox, proc, kill_at)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert 0 < seen < N_ROWS
    sandbox.admin.clear_faults()
    sandbox.admin.set_limits(off=True)
    result = run_cli(sandbox, "import", str(src), "--mode", mode, "--tag-chunk", "5",
                     "--resume", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["resumed"] is True
    assert doc["rows"] == N_ROWS and doc["failed"] == 0, result.output
    check_sandbox(sandbox)
    success = check_reports(tmp_path, "contactos")
    by_row = {r["_row"]: r["contact_id"] for r in success}
    contacts = {c["email"]: c["id"] for c in sandbox.admin.contacts(sandbox.location_id)}
    assert by_row == {str(i + 2): contacts[f"c{i}@ejemplo.mx"] for i in range(N_ROWS)}
    # and a re-run has nothing left to do: one search confirms the 48 contacts are intact
    # (under search lag, contacts the stale search shows unchanged yet are read by id)
    again = run_cli(sandbox, "import", str(src), "--mode", mode, "--json")
    sent = json.loads(again.stdout)["requests"]["by_endpoint"]
    if search_lag_ms:
        assert sent["POST /contacts/search"] == 1
        assert set(sent) <= {"POST /contacts/search", "GET /contacts/{contactId}"}, sent
    else:
        assert sent == {"POST /contacts/search": 1}
    trusted = run_cli(sandbox, "import", str(src), "--mode", mode, "--trust-journal", "--json")
    assert json.loads(trusted.stdout)["requests"]["total"] == 0


def test_ctrl_c_ends_the_run_cleanly_and_resume_finishes_it(sandbox: Any, tmp_path: Path) -> None:
    src = write_input(tmp_path / "contactos.csv")
    sandbox.admin.set_faults(latency_ms=25)
    _cap_requests(sandbox)
    proc = _spawn(sandbox, src)
    try:
        _wait_for_contacts(sandbox, proc, 5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1
    message = err.decode()
    assert "interrupted" in message and "bulkio resume" in message and "Traceback" not in message
    with (tmp_path / "contactos.failures.csv").open(encoding="utf-8-sig", newline="") as fh:
        left = list(csv.DictReader(fh))
    assert left and {r["_error_code"] for r in left} == {"not-processed"}
    sandbox.admin.clear_faults()
    sandbox.admin.set_limits(off=True)
    result = run_cli(sandbox, "import", str(src), "--tag-chunk", "5", "--resume", "--json")
    assert result.exit_code == 0, result.output
    check_sandbox(sandbox)
    check_reports(tmp_path, "contactos")


def test_resume_states_keep_only_unsettled_rows_in_memory(tmp_path: Path) -> None:
    from bulkio.runs.journal import Journal
    from bulkio.runs.state import ResumeStates, StreamedStates, failed_states

    with Journal.open(tmp_path / "j.db") as journal:
        run = journal.start_run(command="import", location_id="L", mode="upsert")
        for row in range(2, 12):
            journal.record_step(run.id, row, "upsert", contact_id=f"c{row}", detail={"new": True})
            if row < 9:  # rows 9-11: the process died before their result was written
                status = "failed" if row == 4 else "ok"
                journal.record_row(run.id, row, status=status, contact_id=f"c{row}",
                                   fingerprint=f"fp{row}",
                                   error_code="tag-failed" if row == 4 else None)
        journal.record_intent(run.id, 10, "note", contact_id="c10")
        states = ResumeStates(journal, run.id)
        assert sorted(states._open) == [9, 10, 11]
        assert states[10].status == "pending" and states[10].contact_id == "c10"
        assert states[10].ambiguous_steps == ["note"]
        assert [states[r].status for r in (2, 3, 4)] == ["ok", "ok", "failed"]
        assert states.get(99) is None
        streamed = StreamedStates(journal, run.id)
        assert streamed[8].fingerprint == "fp8" and streamed[3].fingerprint == "fp3"  # rewinds
        assert list(streamed) == list(range(2, 9))
        failed = failed_states(journal, run.id)
        assert list(failed) == [4] and set(failed[4].steps) == {"upsert"}
