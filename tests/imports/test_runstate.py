"""Run state you can trust, over real loopback HTTP: concurrent fresh runs, kills at random
moments with an immediate resume (or ``--new``), lost note answers then retry/re-import.

Every scenario ends with the same check: one contact per row, exactly one note and one task
per row (zero duplicates, zero lost rows).
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bulkio.api.client import Client
from bulkio.clean.reading import ReadOptions
from bulkio.cli import main
from bulkio.imports.importer import run_import
from bulkio.imports.options import ImportOptions
from bulkio.imports.rerun import retry_run

REPO = Path(__file__).resolve().parents[2]


def write_followups(path: Path, n: int) -> Path:
    """n rows, each with one note and one task."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["email", "first name", "note", "task title", "task due"])
        for i in range(n):
            writer.writerow([f"r{i}@ejemplo.mx", f"Fila{i}", f"nota {i}", f"llamar {i}",
                             "2027-01-15"])
    return path


def tally(sandbox: Any, n: int) -> dict[str, int]:
    """Contacts, duplicate notes/tasks and lost rows (no contact, note or task)."""
    contacts = sandbox.admin.contacts(sandbox.location_id)
    emails = Counter(c["email"] for c in contacts)
    notes = Counter(x["body"] for x in sandbox.admin.notes(sandbox.location_id))
    tasks = Counter(x["title"] for x in sandbox.admin.tasks(sandbox.location_id))
    lost = sum(1 for i in range(n) if not (emails[f"r{i}@ejemplo.mx"] and notes[f"nota {i}"]
                                          and tasks[f"llamar {i}"]))
    dup = sum(v - 1 for c in (emails, notes, tasks) for v in c.values() if v > 1)
    return {"contacts": len(contacts), "duplicates": dup, "lost": lost}


def cli(sandbox: Any, *args: str) -> Any:
    argv = [*args, "--base-url", sandbox.url, "--location-id", sandbox.location_id]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token},
                              catch_exceptions=False)


def spawn(sandbox: Any, src: Path, *extra: str, prefix: tuple[str, ...] = ()
          ) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BULKIO_TOKEN": sandbox.token,
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "bulkio", "import", str(src), "--base-url",
         sandbox.url, "--location-id", sandbox.location_id, "-q", *extra],
        cwd=src.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def test_two_fresh_runs_of_one_file_at_once_send_nothing_twice(sandbox: Any,
                                                                tmp_path: Path) -> None:
    n = 200
    src = write_followups(tmp_path / "f.csv", n)
    sandbox.admin.set_faults(latency_ms=2)  # keep the first run alive while the second starts
    procs = [spawn(sandbox, src), spawn(sandbox, src)]
    outcomes = []
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        outcomes.append((proc.returncode, err.decode()))
    sandbox.admin.clear_faults()
    codes = sorted(code for code, _ in outcomes)
    assert codes[0] == 0, outcomes
    refused = [err for code, err in outcomes if code == 1]
    for err in refused:  # one line naming the live run, and the way to queue
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and "is already running: run " in lines[0], err
        assert "--wait" in lines[0]
    assert tally(sandbox, n) == {"contacts": n, "duplicates": 0, "lost": 0}


@pytest.mark.parametrize("how", ["kill -9", "timeout -s KILL"])
def test_killed_at_random_moments_resume_or_new_at_once(sandbox: Any, tmp_path: Path,
                                                        how: str) -> None:
    """Several trials: kill the run at a random moment, then immediately --resume (odd
    trials) or --new (even trials); at the end nothing is missing and nothing is twice."""
    n, trials = 24, 3
    rng = random.Random(10 if how == "kill -9" else 11)
    src = write_followups(tmp_path / "f.csv", n)
    sandbox.admin.set_faults(latency_ms=20)
    for trial in range(trials):
        delay = rng.uniform(0.8, 2.0)
        if how == "kill -9":
            proc = spawn(sandbox, src, "--new")
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
        else:
            proc = spawn(sandbox, src, "--new", prefix=("timeout", "-s", "KILL", f"{delay:.2f}"))
        proc.wait(timeout=120)
        way = "--resume" if trial % 2 else "--new"
        # immediately: the dead process's lock is already free
        nxt = cli(sandbox, "import", str(src), way, "--json")
        assert nxt.exit_code == 0, (trial, way, nxt.output)
        assert json.loads(nxt.stdout)["failed"] == 0
    sandbox.admin.clear_faults()
    assert tally(sandbox, n) == {"contacts": n, "duplicates": 0, "lost": 0}


class _QuickTarget:
    """The sandbox location as a target whose client gives up quickly (1 retry, ms backoff):
    a lost answer then stays unknown within the run, as it would after long outages."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox

    @property
    def location_id(self) -> str:
        return str(self.sandbox.location_id)

    def client(self, **overrides: Any) -> Client:
        return Client(base_url=self.sandbox.url, token=self.sandbox.token,
                      location_id=self.sandbox.location_id, max_retries=1,
                      backoff_base=0.001, backoff_cap=0.01)


@pytest.mark.parametrize("then", ["retry", "re-import"])
def test_a_lost_note_answer_is_never_posted_again(sandbox: Any, tmp_path: Path,
                                                  then: str) -> None:
    src = write_followups(tmp_path / "f.csv", 1)
    target = _QuickTarget(sandbox)
    journal = tmp_path / ".bulkio" / "journal.db"
    # the first note is committed but its answer dropped; the look-up then meets 503s
    sandbox.admin.set_faults(sequence=["drop_after_commit", 503, 503, 503, 503],
                             path_contains="/notes")
    first = run_import(src, read=ReadOptions(), options=ImportOptions(), target=target,
                       journal_path=journal)
    sandbox.admin.clear_faults()
    assert first.report.by_error == {"followup-failed": 1}
    assert len(sandbox.admin.notes(sandbox.location_id)) == 1  # the lost one is there
    if then == "retry":
        again = retry_run(first.run_id, journal_path=journal, target=target)
    else:
        again = run_import(src, read=ReadOptions(), options=ImportOptions(), target=target,
                           journal_path=journal)
    assert again.report.failed == 0
    assert tally(sandbox, 1) == {"contacts": 1, "duplicates": 0, "lost": 0}
    # the note found already present is journaled with its id: undo removes it
    undone = CliRunner().invoke(main, ["undo", again.run_id or "", "--journal", str(journal),
                                       "--base-url", sandbox.url, "--location-id",
                                       sandbox.location_id, "--yes"],
                                env={"BULKIO_TOKEN": sandbox.token}, catch_exceptions=False)
    assert undone.exit_code in (0, 3), undone.output
    if then == "retry":  # the retry's run is the first run: its note goes
        assert sandbox.admin.notes(sandbox.location_id) == []
