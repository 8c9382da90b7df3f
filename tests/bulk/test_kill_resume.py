"""``kill -9`` mid-run, then ``--resume``, for tasks, workflows, campaigns and followers.

Each run is held at a request budget below what it needs (the location takes ``BUDGET``
requests, then none for ten minutes), so the kill lands mid-run however loaded the machine;
after the resume the sandbox must hold every effect exactly once: one task per contact, one
enrolment per contact, followers set exactly. The same end state is checked after a run
under 20 % injected faults (5xx, 429, connections dropped before and after the commit).
"""

from __future__ import annotations

import collections
import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bulkio.cli import main

N = 40
#: requests the killed run may send: fewer than the N it needs, so it cannot finish
BUDGET = 25


def run(sandbox: Any, *args: str) -> Result:
    argv = [*args, "--base-url", sandbox.url, "--location-id", sandbox.location_id]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token},
                              catch_exceptions=False)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def tasks_done(sandbox: Any) -> list[str]:
    return [t["contactId"] for t in sandbox.admin.tasks(sandbox.location_id)]


def enrolled(kind: str) -> Callable[[Any], list[str]]:
    def get(sandbox: Any) -> list[str]:
        return [m["contactId"] for m in sandbox.admin.memberships(sandbox.location_id)
                if m["kind"] == kind]
    return get


def followed(sandbox: Any) -> list[str]:
    return [c["id"] for c in sandbox.admin.contacts(sandbox.location_id) for _ in c["followers"]]


SCENARIOS: dict[str, tuple[list[str], list[str], str, Callable[[Any], list[str]]]] = {
    # name: (command, columns beyond contact_id, path fragment of its writes, effects)
    "tasks": (["tasks", "add"], ["title", "due date"], "/tasks", tasks_done),
    "workflow": (["workflow", "add", "--workflow-id", "wf_1"], [], "/workflow/",
                 enrolled("workflow")),
    "campaign": (["campaign", "add", "--campaign-id", "camp_1"], [], "/campaigns/",
                 enrolled("campaign")),
    "followers": (["followers", "add", "--followers", "usr_1"], [], "/followers", followed),
}


def _wait_until_stalled(sandbox: Any, proc: subprocess.Popen[bytes],
                        effects: Callable[[Any], list[str]]) -> int:
    """Wait until the run has some effects and sent nothing for 2 s (held at its budget)."""
    deadline = time.monotonic() + 120
    sent, changed = -1, time.monotonic()
    while time.monotonic() < deadline:
        done = len(effects(sandbox))
        now_sent = len(sandbox.admin.requests(sandbox.location_id))
        if now_sent != sent:
            sent, changed = now_sent, time.monotonic()
        elif done and time.monotonic() - changed > 2.0:
            return done
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise AssertionError(f"the run ended before the kill: {err}")
        time.sleep(0.02)
    raise AssertionError("the run made no progress")


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_kill_9_then_resume_leaves_every_effect_exactly_once(sandbox: Any, tmp_path: Path,
                                                             name: str) -> None:
    command, extra, fragment, effects = SCENARIOS[name]
    ids = sandbox.admin.seed(sandbox.location_id, contacts=[
        {"firstName": f"P{i}", "email": f"p{i}@ejemplo.mx"} for i in range(N)])
    rows = [[cid, *(f"Llamar {i}" if c == "title" else "2030-01-15" for c in extra)]
            for i, cid in enumerate(ids)]
    src = write_csv(tmp_path / f"{name}.csv", ["contact_id", *extra], rows)
    sandbox.admin.set_faults(latency_ms=20, path_contains=fragment)
    sandbox.admin.set_limits(rate_limit=BUDGET, rate_interval_ms=600_000)
    env = {**os.environ, "BULKIO_TOKEN": sandbox.token, "BULKIO_BASE_URL": sandbox.url,
           "BULKIO_LOCATION_ID": sandbox.location_id}
    proc = subprocess.Popen([sys.executable, "-m", "bulkio", *command, str(src), "-q"],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        seen = _wait_until_stalled(sandbox, proc, effects)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert 0 < seen < N
    sandbox.admin.clear_faults()
    sandbox.admin.set_limits(off=True)
    resumed = run(sandbox, *command, str(src), "--resume", "--json")
    assert resumed.exit_code == 0, resumed.output
    summary = json.loads(resumed.stdout)
    assert summary["resumed"] is True and summary["succeeded"] == N
    per_contact = collections.Counter(effects(sandbox))
    assert per_contact == collections.Counter(set(ids)), "missing or repeated effects"
    if name == "followers":
        assert all(c["followers"] == ["usr_1"]
                   for c in sandbox.admin.contacts(sandbox.location_id))
    if name == "tasks":
        titles = sorted(t["title"] for t in sandbox.admin.tasks(sandbox.location_id))
        assert titles == sorted(f"Llamar {i}" for i in range(N))
    # running it again changes nothing in the sandbox (a finished run is not resumed: the
    # idempotent enrolments are sent again, tasks are found and never created twice)
    sandbox.admin.clear_requests()
    again = run(sandbox, *command, str(src), "--resume", "--json")
    assert again.exit_code == 0, again.output
    assert collections.Counter(effects(sandbox)) == per_contact
    if name == "tasks":
        assert [r for r in sandbox.admin.requests(sandbox.location_id)
                if r["path"].endswith("/tasks") and r["method"] == "POST"] == []


FAULTS: dict[str, tuple[list[str], list[str], Callable[[Any], list[str]]]] = {
    # name: (command, columns beyond contact_id, effects)
    "tags": (["tags", "add", "--tags", "lote-7", "--chunk-size", "5"], [],
             lambda sb: [c["id"] for c in sb.admin.contacts(sb.location_id)
                         for t in c["tags"] if t == "lote-7"]),
    "tasks": (["tasks", "add"], ["title", "due date"], tasks_done),
    "workflow": (["workflow", "add", "--workflow-id", "wf_1"], [], enrolled("workflow")),
    "followers": (["followers", "add", "--followers", "usr_1"], [], followed),
}


@pytest.mark.parametrize("search_lag_ms", [0, 1500])  # the real index lags writes (#16)
@pytest.mark.parametrize("name", list(FAULTS))
def test_bulk_commands_under_20_percent_faults_leave_every_effect_exactly_once(
        sandbox: Any, tmp_path: Path, name: str, search_lag_ms: int) -> None:
    command, extra, effects = FAULTS[name]
    ids = sandbox.admin.seed(sandbox.location_id, contacts=[
        {"firstName": f"F{i}", "email": f"f{i}@ejemplo.mx"} for i in range(N)])
    rows = [[cid, *(f"Llamar {i}" if c == "title" else "2030-01-15" for c in extra)]
            for i, cid in enumerate(ids)]
    src = write_csv(tmp_path / f"{name}.csv", ["contact_id", *extra], rows)
    # a 429 pauses the client for the window: keep the window at 1 s
    sandbox.admin.set_limits(rate_limit=100_000, rate_interval_ms=1_000, daily_limit=0)
    sandbox.admin.set_faults(
        probabilities={500: 0.04, 502: 0.02, 503: 0.02, 429: 0.04},
        drop_before_commit=0.04, drop_after_commit=0.04, seed=11,
    )
    result = run(sandbox, *command, str(src), "--json")
    sandbox.admin.clear_faults()
    log = sandbox.admin.requests(sandbox.location_id)  # this test's location only
    assert any(r["status"] in (500, 502, 503, 429, -1) for r in log), "no fault injected"
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["succeeded"] == N
    assert collections.Counter(effects(sandbox)) == collections.Counter(set(ids))
    if name == "tasks":
        titles = sorted(t["title"] for t in sandbox.admin.tasks(sandbox.location_id))
        assert titles == sorted(f"Llamar {i}" for i in range(N))
