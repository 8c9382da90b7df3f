"""The run journal: runs, row results, intents, fingerprints, undo records, crash safety."""

from __future__ import annotations

import asyncio
import hashlib
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bulkio.clean.records import PreparedRow
from bulkio.errors import InputError
from bulkio.files.table import SourceRow
from bulkio.runs.journal import (
    Journal,
    RunNotFoundError,
    default_journal_path,
    file_sha256,
    fingerprint,
    fingerprint_row,
    new_run_id,
    scrub_argv,
)
from bulkio.runs.locks import ScopeBusyError, hold_scope

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal.open(tmp_path / ".bulkio" / "journal.db")
    yield j
    j.close()


def _committed_rows(db: Path, run_id: str) -> list[int]:
    """Rows visible to another connection, i.e. committed."""
    conn = sqlite3.connect(db)
    try:
        return [r for (r,) in conn.execute("SELECT row FROM rows WHERE run_id=? ORDER BY row",
                                           (run_id,))]
    finally:
        conn.close()


def test_run_id_is_short_sortable_and_typeable() -> None:
    a = new_run_id(datetime(2026, 11, 26, 4, 29, tzinfo=UTC))
    b = new_run_id(datetime(2026, 11, 26, 4, 30, tzinfo=UTC))
    assert re.fullmatch(r"20261126-0429-[a-z2-9]{4}", a)
    assert not set(a[-4:]) & set("01ilo")
    assert a < b


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["import", "a.csv", "--token", "pit-123"], ["import", "a.csv", "--token", "***"]),
        (["--token=pit-123", "-q"], ["--token=***", "-q"]),
        (["--api-key", "k", "--location-id", "L"], ["--api-key", "***", "--location-id", "L"]),
        (["import", "token.csv"], ["import", "token.csv"]),
    ],
)
def test_scrub_argv(argv: list[str], expected: list[str]) -> None:
    assert scrub_argv(argv) == expected


def test_start_run_never_stores_the_token(journal: Journal, tmp_path: Path) -> None:
    run = journal.start_run(
        command="import", argv=["import", "x.csv", "--token", "pit-SECRET"],
        input_path=tmp_path / "x.csv", location_id="L1", mode="upsert",
        options={"token": "pit-SECRET", "batch_size": 10},
    )
    journal.close()
    raw = (tmp_path / ".bulkio" / "journal.db").read_bytes()
    assert b"pit-SECRET" not in raw
    j2 = Journal.open(tmp_path / ".bulkio" / "journal.db")
    got = j2.get_run(run.id)
    assert got.options == {"token": "***", "batch_size": 10}
    assert got.input_path == str((tmp_path / "x.csv").resolve())
    assert got.status == "running"
    j2.close()


def test_list_latest_and_prefix_lookup(journal: Journal, tmp_path: Path) -> None:
    a = journal.start_run(command="import", input_path=tmp_path / "a.csv", location_id="L1")
    b = journal.start_run(command="import", input_path=tmp_path / "b.csv", location_id="L1")
    c = journal.start_run(command="tags", input_path=tmp_path / "a.csv", location_id="L2")
    assert [r.id for r in journal.list_runs()] == [c.id, b.id, a.id]
    assert [r.id for r in journal.list_runs(location_id="L1")] == [b.id, a.id]
    latest = journal.latest_run(input_path=tmp_path / "a.csv", command="import")
    assert latest is not None and latest.id == a.id
    assert journal.latest_run(location_id="nope") is None
    prefix = a.id[:-1]
    if not (b.id.startswith(prefix) or c.id.startswith(prefix)):
        assert journal.get_run(prefix).id == a.id  # a unique prefix is enough
    with pytest.raises(RunNotFoundError, match="does not exist"):
        journal.get_run("19990101-0000-zzzz")
    with pytest.raises(RunNotFoundError, match="ambiguous"):
        journal.get_run(a.id[:8])  # the date prefix matches all three runs


def test_record_rows_states_and_counts(journal: Journal) -> None:
    run = journal.start_run(command="import", location_id="L1")
    journal.record_row(run.id, 2, status="ok", action="created", contact_id="c2",
                       fingerprint="f2", warnings=[("invalid-website", "dropped")])
    journal.record_row(run.id, 3, status="failed", error_code="api-422",
                       error_message="email invalid", http_status=422)
    journal.record_row(run.id, 4, status="skipped", action="unchanged", contact_id="c4")
    states = journal.row_states(run.id)
    assert states[2].done and states[2].warnings == (("invalid-website", "dropped"),)
    assert states[3].http_status == 422 and not states[3].done
    assert journal.failed_rows(run.id) == [3]
    assert journal.get_run(run.id).counts == {
        "rows": 3,
        "by_status": {"ok": 1, "failed": 1, "skipped": 1},
        "by_action": {"created": 1, "unchanged": 1},
        "by_error": {"api-422": 1},
    }
    # retry: the failed row succeeds; the result replaces the old one
    journal.record_row(run.id, 3, status="ok", action="updated", contact_id="c3")
    states = journal.row_states(run.id)
    assert states[3].status == "ok" and states[3].error_code is None and states[3].attempts == 2
    assert journal.failed_rows(run.id) == []
    done = journal.finish_run(run.id, status="finished")
    assert done.status == "finished" and done.finished_at and done.counts["rows"] == 3
    again = journal.reopen_run(run.id)
    assert again.status == "running" and again.finished_at is None
    assert [r.row for r in journal.iter_rows(run.id)] == [2, 3, 4]


def test_fingerprints_skip_unchanged(journal: Journal) -> None:
    run = journal.start_run(command="import", location_id="L1", mode="upsert")
    journal.record_row(run.id, 2, status="ok", action="created", contact_id="c1", fingerprint="fA")
    journal.record_row(run.id, 3, status="failed", error_code="api-422", fingerprint="fB")
    assert journal.known_fingerprints("L1", ["fA", "fB", "fC"]) == {"fA": "c1"}
    assert journal.known_fingerprints("L2", ["fA"]) == {}
    # the same contact later updated with other data: the old fingerprint must not match
    run2 = journal.start_run(command="import", location_id="L1", mode="upsert")
    journal.record_row(run2.id, 2, status="ok", action="updated", contact_id="c1",
                       fingerprint="fA2")
    assert journal.known_fingerprints("L1", ["fA", "fA2"]) == {"fA2": "c1"}
    assert journal.forget_contacts("L1", ["c1"]) == 1
    assert journal.known_fingerprints("L1", ["fA2"]) == {}


def test_known_fingerprints_large_lookup(journal: Journal) -> None:
    run = journal.start_run(command="import", location_id="L1")
    for i in range(1200):
        journal.record_row(run.id, i + 2, status="ok", action="created", contact_id=f"c{i}",
                           fingerprint=f"f{i}")
    found = journal.known_fingerprints("L1", [f"f{i}" for i in range(0, 2400, 2)])
    assert len(found) == 600 and found["f1198"] == "c1198"


def test_fingerprint_is_stable_and_row_independent() -> None:
    a = fingerprint({"email": "a@x.mx", "tags": ["b"]}, location_id="L", mode="upsert")
    b = fingerprint({"tags": ["b"], "email": "a@x.mx"}, location_id="L", mode="upsert")
    assert a == b and len(a) == 32
    assert a != fingerprint({"email": "a@x.mx", "tags": ["b"]}, location_id="L2", mode="upsert")
    assert a != fingerprint({"email": "a@x.mx", "tags": ["b"]}, location_id="L", mode="create")
    p1 = PreparedRow(SourceRow(2, {}), contact={"email": "a@x.mx"}, tags=["vip", "mx"])
    p2 = PreparedRow(SourceRow(90, {}), contact={"email": "a@x.mx"}, tags=["mx", "vip"])
    p3 = PreparedRow(SourceRow(2, {}), contact={"email": "b@x.mx"}, tags=["mx", "vip"])
    fp = fingerprint_row(p1, location_id="L", mode="upsert")
    assert fp == fingerprint_row(p2, location_id="L", mode="upsert")
    assert fp != fingerprint_row(p3, location_id="L", mode="upsert")


def test_intent_then_outcome_and_ambiguous_steps(journal: Journal) -> None:
    run = journal.start_run(command="import", location_id="L1")
    journal.record_intent(run.id, 5, "note", contact_id="c5", detail={"body_sha": "x"})
    # committed before the request is sent: another connection sees it
    conn = sqlite3.connect(journal.path)
    assert conn.execute("SELECT state FROM steps WHERE row=5").fetchone() == ("intent",)
    conn.close()
    st = journal.row_states(run.id)[5]
    assert st.status == "pending" and st.ambiguous_steps == ["note"] and st.contact_id == "c5"
    journal.record_step(run.id, 5, "note", contact_id="c5", detail={"note_id": "n1"})
    st = journal.row_states(run.id)[5]
    assert st.ambiguous_steps == []
    assert st.steps["note"].detail == {"body_sha": "x", "note_id": "n1"}


def test_steps_for_undo(journal: Journal) -> None:
    run = journal.start_run(command="import", location_id="L1")
    journal.record_step(run.id, 2, "upsert", contact_id="c2", detail={"new": True})
    journal.record_step(run.id, 2, "tags", contact_id="c2", detail={"added": ["vip"]})
    journal.record_row(run.id, 2, status="ok", action="created", contact_id="c2")
    journal.record_step(run.id, 3, "upsert", contact_id="c3", detail={"new": False})
    journal.record_step(run.id, 3, "business", contact_id="c3",
                        detail={"previous": "b0", "business_id": "b1"})
    journal.save_snapshot(run.id, "c3", {"firstName": "Ana"})
    journal.save_snapshot(run.id, "c3", {"firstName": "changed later"})  # first one wins
    journal.record_row(run.id, 3, status="ok", action="updated", contact_id="c3")
    journal.record_row(run.id, 4, status="failed", error_code="invalid-phone")
    entries = journal.steps_for_undo(run.id)
    assert [(e.row, e.contact_id, e.created) for e in entries] == [(2, "c2", True),
                                                                   (3, "c3", False)]
    assert entries[0].steps["tags"].detail == {"added": ["vip"]}
    assert entries[1].snapshot == {"firstName": "Ana"}
    assert entries[1].steps["business"].detail["previous"] == "b0"


def test_batched_commits_then_flush(tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    with Journal.open(db, batch_size=10, flush_interval=3600) as j:
        run = j.start_run(command="import", location_id="L1")
        for r in range(2, 27):  # 25 results: two full batches committed
            j.record_row(run.id, r, status="ok", action="created", contact_id=f"c{r}")
        assert len(_committed_rows(db, run.id)) == 20
        j.flush()
        assert len(_committed_rows(db, run.id)) == 25


def test_autoflush_commits_idle_results(tmp_path: Path) -> None:
    db = tmp_path / "j.db"

    async def scenario(j: Journal, run_id: str) -> list[int]:
        task = asyncio.create_task(j.autoflush(0.01))
        j.record_row(run_id, 2, status="ok", action="created", contact_id="c2")
        for _ in range(200):
            await asyncio.sleep(0.01)
            if _committed_rows(db, run_id):
                break
        task.cancel()
        return _committed_rows(db, run_id)

    with Journal.open(db, batch_size=1000, flush_interval=3600) as j:
        run = j.start_run(command="import", location_id="L1")
        assert asyncio.run(scenario(j, run.id)) == [2]


_CRASHER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bulkio.runs.journal import Journal
    from bulkio.runs.locks import hold_scope
    lock = hold_scope(Path(sys.argv[1]), command="import", location_id="L1", input_path=None)
    held = lock.__enter__()  # the run's OS lock, held until the process dies
    j = Journal.open(sys.argv[1], batch_size=100, flush_interval=3600)
    run = j.start_run(command="import", location_id="L1")
    held.name_run(run.id)
    for r in range(2, 252):  # 250 results: 200 committed in batches, 50 in flight
        j.record_row(run.id, r, status="ok", action="created", contact_id=f"c{r}",
                     fingerprint=f"f{r}")
    if sys.argv[2] == "intent":
        j.record_intent(run.id, 252, "create", detail={"email": "x@y.mx"})
    print(run.id, flush=True)
    time.sleep(60)
    """
)


@pytest.mark.parametrize(("mode", "expected_rows"), [("plain", 200), ("intent", 251)])
def test_sigkill_loses_only_uncommitted_results(
    tmp_path: Path, mode: str, expected_rows: int
) -> None:
    db = tmp_path / "journal.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASHER, str(db), mode],
        stdout=subprocess.PIPE, text=True, cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        run_id = proc.stdout.readline().strip()
        with Journal.open(db) as other:
            live = other.get_run(run_id)
            assert live.active and not live.interrupted and live.pid == proc.pid
            with pytest.raises(ScopeBusyError, match=f"already running: run {run_id}"), \
                    hold_scope(db, command="import", location_id="L1", input_path=None):
                pass
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with Journal.open(db) as j:
        states = j.row_states(run_id)
        assert len(states) == expected_rows
        assert all(states[r].done for r in range(2, 202))
        if mode == "intent":  # the intent forced the in-flight results out too
            assert states[252].ambiguous_steps == ["create"]
            assert j.known_fingerprints("L1", ["f251"]) == {"f251": "c251"}
        killed = j.get_run(run_id)
        assert killed.status == "running" and killed.interrupted  # killed: resumable
        # the OS released the dead process's lock: taken at once, no PID check
        with hold_scope(db, command="import", location_id="L1", input_path=None):
            assert j.reopen_run(run_id).active
        j.record_row(run_id, 300, status="ok", action="created")  # still writable
    assert 300 in _committed_rows(db, run_id)


def test_open_rejects_a_file_that_is_not_a_journal(tmp_path: Path) -> None:
    bad = tmp_path / "journal.db"
    bad.write_bytes(b"this is not sqlite at all, just text" * 100)
    with pytest.raises(InputError, match="cannot open the run journal") as err:
        Journal.open(bad)
    assert err.value.hint


def test_default_path_and_sha(tmp_path: Path) -> None:
    src = tmp_path / "contactos.csv"
    src.write_bytes(b"email\na@x.mx\n")
    # the state home's journal (BULKIO_STATE_DIR is set by the autouse fixture)
    assert default_journal_path() == tmp_path.resolve() / ".bulkio" / "journal.db"
    assert default_journal_path(tmp_path / "st") == tmp_path.resolve() / "st" / "journal.db"
    assert file_sha256(src) == hashlib.sha256(b"email\na@x.mx\n").hexdigest()


def test_in_memory_journal_for_dry_runs() -> None:
    with Journal.open(":memory:") as j:
        run = j.start_run(command="import", location_id="L1")
        j.record_row(run.id, 2, status="ok", action="created", contact_id="c", fingerprint="f")
        assert j.known_fingerprints("L1", ["f"]) == {"f": "c"}
        assert j.row_states(run.id)[2].steps == {}
    assert not Path(":memory:").exists()


def test_locked_journal_is_one_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    with Journal.open(db, busy_timeout=0.05) as j:
        run = j.start_run(command="import", location_id="L1")
        other = sqlite3.connect(db)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            with pytest.raises(InputError, match="cannot write the run journal") as err:
                j.record_row(run.id, 2, status="ok", action="created", contact_id="c2")
            assert err.value.hint == ("another bulkio process may be using it, or the disk is "
                                      "full; fix that, then re-run with --resume")
            assert err.value.path == db
        finally:
            other.rollback()
            other.close()
        j.record_row(run.id, 2, status="ok", action="created", contact_id="c2")
        j.flush()
    assert _committed_rows(db, run.id) == [2]


def test_unsettled_rows_stream_what_a_resume_needs(journal: Journal) -> None:
    run = journal.start_run(command="import", location_id="L1")
    other = journal.start_run(command="import", location_id="L1")
    journal.record_row(run.id, 2, status="ok", action="created", contact_id="c2")
    journal.record_step(run.id, 2, "upsert", contact_id="c2", detail={"new": True})
    journal.record_intent(run.id, 3, "create", detail={"email": "a@b.mx"})  # result lost
    journal.record_step(run.id, 4, "upsert", contact_id="c4", detail={"new": False})
    journal.record_intent(run.id, 4, "note", contact_id="c4", detail={"body_sha": "x"})
    journal.record_row(run.id, 5, status="failed", fingerprint="f5", error_code="api-422",
                       error_message="bad", http_status=422)
    journal.record_step(run.id, 5, "upsert", state="failed", detail={"status": 422})
    journal.record_row(run.id, 6, status="failed", error_code="invalid-email",
                       error_message="no @")
    journal.record_row(run.id, 7, status="skipped", action="unchanged", contact_id="c7")
    journal.record_intent(other.id, 3, "create")  # another run's steps stay out

    rows = journal.unsettled_rows(run.id)
    assert iter(rows) is rows  # a generator: streamed, not a list
    unsettled = list(rows)
    assert [(s.row, s.status, s.contact_id) for s in unsettled] == [
        (3, "pending", None), (4, "pending", "c4")]
    assert unsettled[0].ambiguous_steps == ["create"]
    assert unsettled[1].steps["upsert"].detail == {"new": False}
    assert unsettled[1].ambiguous_steps == ["note"]

    with_failed = list(journal.unsettled_rows(run.id, include_failed=True))
    assert [(s.row, s.status) for s in with_failed] == [
        (3, "pending"), (4, "pending"), (5, "failed"), (6, "failed")]
    five, six = with_failed[2], with_failed[3]
    assert five.fingerprint == "f5" and five.http_status == 422
    assert five.steps["upsert"].state == "failed" and not six.steps
    assert list(journal.unsettled_rows(other.id)) == [
        journal.row_states(other.id)[3]]


def test_no_module_but_the_journal_queries_its_tables() -> None:
    for path in sorted((REPO / "bulkio").rglob("*.py")):
        if path.name.startswith("journal") or "sandbox" in path.as_posix():  # its own db
            continue
        text = path.read_text(encoding="utf-8")
        assert "import sqlite3" not in text, path
        assert not re.search(r"\bFROM (rows|steps|runs|fingerprints|snapshots)\b", text), path


def test_outcome_merges_an_intent_recorded_by_an_earlier_process(tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    with Journal.open(db) as first:
        run = first.start_run(command="notes add", location_id="L1")
        first.record_intent(run.id, 4, "note", contact_id="c4", detail={"fp": "abc"})
    with Journal.open(db) as resumed:
        statements: list[str] = []
        resumed._conn.set_trace_callback(statements.append)
        resumed.record_step(run.id, 3, "upsert", contact_id="c3", detail={"new": True})
        resumed.record_step(run.id, 4, "note", contact_id="c4", detail={"note_id": "n1"})
        resumed.record_step(run.id, 5, "upsert", contact_id="c5", detail={"new": False})
        states = resumed.row_states(run.id)
    assert states[4].steps["note"].detail == {"fp": "abc", "note_id": "n1"}
    assert states[3].steps["upsert"].detail == {"new": True}
    # the earlier detail is looked up only for phases that have intents (one SELECT per
    # step would double the journal's work in the import's hot loop)
    lookups = [s for s in statements if s.lstrip().upper().startswith("SELECT DETAIL_JSON")]
    assert len(lookups) == 1


def test_resume_states_stream_settled_rows_and_keep_steps_of_rows_to_redo(
    journal: Journal,
) -> None:
    from bulkio.runs.state import ResumeStates

    run = journal.start_run(command="notes add", location_id="L1")
    journal.record_row(run.id, 2, status="ok", action="note-added", contact_id="c2")
    journal.record_step(run.id, 2, "note", contact_id="c2", detail={"note_id": "n2"})
    journal.record_intent(run.id, 3, "note", contact_id="c3", detail={"fp": "f3"})
    journal.record_step(run.id, 3, "note", state="failed", contact_id="c3")
    journal.record_row(run.id, 3, status="failed", error_code="api-error", error_message="x")
    journal.record_intent(run.id, 4, "note", contact_id="c4", detail={"fp": "f4"})
    bulk = ResumeStates(journal, run.id, include_failed=True)
    imp = ResumeStates(journal, run.id)
    assert [bulk[r].status for r in (2, 3, 4)] == ["ok", "failed", "pending"]
    assert not bulk[2].steps  # settled: streamed without steps
    assert bulk[3].steps["note"].detail == {"fp": "f3"}  # a bulk --resume re-runs it
    assert not imp[3].steps and imp[4].ambiguous_steps == ["note"]
