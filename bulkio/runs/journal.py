"""The run journal: one SQLite file recording every run, row, step and fingerprint.

It makes ``--resume``, ``bulkio retry``, skip-unchanged, ``bulkio runs`` and ``bulkio undo``
possible. Default location: ``journal.db`` in the state home (:mod:`bulkio.runs.home`,
:func:`default_journal_path`).

Tables::

    runs(id, command, argv_json, input_path, input_sha256, location_id, mode, options_json,
         status running|finished|aborted, started_at, finished_at, counts_json, pid, host)
    rows(run_id, row, fingerprint, status pending|ok|failed|skipped, action, contact_id,
         error_code, error_message, http_status, warnings_json, attempts, updated_at)
    steps(run_id, row, phase, state intent|done|failed, contact_id, detail_json, updated_at)
    fingerprints(location_id, fingerprint, contact_id, run_id, row)
    snapshots(run_id, contact_id, before_json)

Durability window. Row results and ``done``/``failed`` steps are written inside an open
transaction that is committed every :attr:`Journal.batch_size` results, whenever one
arrives :attr:`Journal.flush_interval` seconds after the last commit, on :meth:`Journal.flush`
and on close. A ``kill -9`` therefore loses at most the results of the last ~0.2 s (or the
results since the last write, if the run went idle: run :meth:`Journal.autoflush` as a task
to bound that too). A lost result is harmless: on resume the row has no result, so it is
sent again, and upserts are idempotent. Non-idempotent steps (create, note, task) are
different: :meth:`Journal.record_intent` commits *before* the request goes out, so a resume
sees ``intent`` without ``done`` and knows the step was possibly sent (ambiguous) and must
be checked (search the contact's notes/tasks, duplicate search) before resending.

The journal is used synchronously from the import's asyncio loop (one connection, WAL
mode, each call is microseconds). It never stores the API token: ``argv`` and ``options``
are scrubbed of anything whose name mentions a token, secret, password or key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from bulkio.errors import InputError
from bulkio.i18n import _
from bulkio.runs.locks import scope_held
from bulkio.runs.records import (
    NO_STEPS,
    ROW_COLUMNS,
    SCHEMA_SQL,
    SCHEMA_VERSION,
    RowState,
    RowStatus,
    RunInfo,
    RunInUseError,
    RunNotFoundError,
    RunStatus,
    StepRecord,
    StepState,
    UndoEntry,
    default_journal_path,
    dumps_json,
    file_sha256,
    fingerprint,
    fingerprint_row,
    new_run_id,
    row_state_from_sql,
    scrub_argv,
    scrub_options,
    utc_now,
)

log = logging.getLogger("bulkio.journal")

_IN_CHUNK = 500  # stays far below SQLite's bound-parameter limit

__all__ = [
    "SCHEMA_VERSION",
    "Journal",
    "RowState",
    "RowStatus",
    "RunInUseError",
    "RunInfo",
    "RunNotFoundError",
    "RunStatus",
    "StepRecord",
    "StepState",
    "UndoEntry",
    "default_journal_path",
    "file_sha256",
    "fingerprint",
    "fingerprint_row",
    "new_run_id",
    "scrub_argv",
]



class Journal:
    """A run journal over one SQLite file. Use :meth:`open`, preferably as a context manager."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        batch_size: int = 500,
        flush_interval: float = 0.2,
    ) -> None:
        self._conn = conn
        self.path = path
        #: commit after this many uncommitted writes
        self.batch_size = batch_size
        #: commit on the first write at least this many seconds after the last commit
        self.flush_interval = flush_interval
        self._dirty = 0
        self._closed = False
        self._last_commit = time.monotonic()
        self._run_locations: dict[str, str | None] = {}
        #: per run, the phases that have (or had) an ``intent`` step: only their outcomes
        #: need the earlier detail merged in (saves one SELECT per step of the others)
        self._intent_phases: dict[str, set[str]] = {}

    # -- lifecycle -----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        batch_size: int = 500,
        flush_interval: float = 0.2,
        busy_timeout: float = 5.0,
    ) -> Journal:
        """Open (creating if needed) the journal at ``path``; raises InputError if unusable."""
        p = Path(path)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(p, isolation_level=None, check_same_thread=False)
            # another process (bulkio runs, a second import) may hold the lock briefly
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                conn.close()
                raise InputError(
                    _("journal schema {version} is newer than this bulkio "
                      "({SCHEMA_VERSION})").format(version=version, SCHEMA_VERSION=SCHEMA_VERSION),
                    path=p,
                    hint=_("upgrade bulkio or pass another --journal path"),
                )
            conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode survives a process kill; only power loss can drop the tail.
            conn.execute("PRAGMA synchronous = NORMAL")
            if version < SCHEMA_VERSION:  # skip when current: opening must not need a write lock
                conn.executescript(SCHEMA_SQL)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise InputError(
                _("cannot open the run journal: {exc}").format(exc=exc),
                path=p,
                hint=_("pass another --journal path, or move the damaged file away"),
            ) from exc
        except OSError as exc:
            raise InputError(_("cannot create the run journal: {exc}").format(
                exc=exc), path=p) from exc
        return cls(conn, p, batch_size=batch_size, flush_interval=flush_interval)

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Commit pending writes and close the connection (idempotent)."""
        if self._closed:
            return
        self.flush()
        self._conn.close()
        self._closed = True

    def flush(self) -> None:
        """Commit every pending write now (no-op once closed)."""
        if self._closed:
            return
        if self._conn.in_transaction:
            with self._guard():
                self._conn.commit()
        self._dirty = 0
        self._last_commit = time.monotonic()

    async def autoflush(self, interval: float | None = None) -> None:
        """Run as a task beside an import: commits pending writes every ``interval`` s."""
        while True:
            await asyncio.sleep(interval if interval is not None else self.flush_interval)
            if self._dirty:
                self.flush()

    def _write(self, sql: str, params: Sequence[Any]) -> None:
        try:
            if not self._conn.in_transaction:
                # IMMEDIATE: take the write lock now (waiting busy_timeout), never mid-transaction
                self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute(sql, params)
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as exc:  # disk full, I/O error, read-only, locked
            raise self._write_error(exc) from exc

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as exc:  # disk full, I/O error, read-only, locked
            raise self._write_error(exc) from exc

    def _write_error(self, exc: sqlite3.DatabaseError) -> InputError:
        """SQLite write failures (locked, disk full, I/O) as one clear InputError."""
        return InputError(
            _("cannot write the run journal: {exc}").format(exc=exc),
            path=self.path,
            hint=_("another bulkio process may be using it, or the disk is full; fix that, then "
                   "re-run with --resume"),
        )

    def _maybe_commit(self) -> None:
        self._dirty += 1  # one result (row, step, snapshot), whatever its statement count
        if (
            self._dirty >= self.batch_size
            or time.monotonic() - self._last_commit >= self.flush_interval
        ):
            self.flush()

    # -- runs ----------------------------------------------------------------------------

    def start_run(
        self,
        *,
        command: str,
        argv: Sequence[str] = (),
        input_path: str | Path | None = None,
        input_sha256: str | None = None,
        location_id: str | None = None,
        mode: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> RunInfo:
        """Create a ``running`` run with a fresh id (committed immediately)."""
        path = str(Path(input_path).resolve()) if input_path is not None else None
        started = utc_now()
        argv_clean = scrub_argv(list(argv))
        opts = scrub_options(options or {})
        self.flush()
        for _attempt in range(20):
            run_id = new_run_id()
            try:
                with self._guard():
                    self._conn.execute(
                        "INSERT INTO runs (id, command, argv_json, input_path, input_sha256,"
                        " location_id, mode, options_json, status, started_at, pid, host)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
                        (run_id, command, dumps_json(argv_clean), path, input_sha256,
                         location_id, mode, dumps_json(opts), started, os.getpid(),
                         socket.gethostname()),
                    )
            except sqlite3.IntegrityError:
                continue
            self._run_locations[run_id] = location_id
            return self.get_run(run_id)
        raise RuntimeError("could not allocate a unique run id")  # 31**4 ids per minute

    def reopen_run(self, run_id: str) -> RunInfo:
        """Mark a run ``running`` again (resume/retry), clearing its end time and counts.

        The caller holds the run's scope lock (:func:`bulkio.runs.locks.hold_scope`): that
        lock, not this call, keeps two processes from running one run.
        """
        run = self.require_run(run_id)
        self.flush()
        with self._guard():
            self._conn.execute(
                "UPDATE runs SET status='running', finished_at=NULL, counts_json=NULL,"
                " pid=?, host=? WHERE id=?",
                (os.getpid(), socket.gethostname(), run.id),
            )
        return self.get_run(run.id)

    def finish_run(
        self,
        run_id: str,
        *,
        status: RunStatus = "finished",
        counts: Mapping[str, Any] | None = None,
    ) -> RunInfo:
        """Set the final status and counts (default: counts computed from the rows)."""
        self.flush()
        final = dict(counts) if counts is not None else self.row_counts(run_id)
        with self._guard():
            self._conn.execute(
                "UPDATE runs SET status=?, finished_at=?, counts_json=? WHERE id=?",
                (status, utc_now(), dumps_json(final), run_id),
            )
        return self.get_run(run_id)

    def get_run(self, run_id: str) -> RunInfo:
        """The run with this exact id or unique id prefix; raises RunNotFoundError."""
        return self.require_run(run_id)

    def require_run(self, run_id: str) -> RunInfo:
        """Same as :meth:`get_run`."""
        rows = self._conn.execute(
            "SELECT * FROM runs WHERE id = ? OR id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 2",
            (run_id, run_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"),
        ).fetchall()
        exact = [r for r in rows if r[0] == run_id]
        if exact:
            return self._run_info(exact[0])
        if len(rows) == 1 and run_id:
            return self._run_info(rows[0])
        message = (_("run {run} is ambiguous in this journal") if rows
                   else _("run {run} does not exist in this journal"))
        raise RunNotFoundError(message.format(run=repr(run_id)), path=self.path)

    def latest_run(
        self,
        *,
        input_path: str | Path | None = None,
        location_id: str | None = None,
        command: str | None = None,
        status: RunStatus | None = None,
    ) -> RunInfo | None:
        """The most recent run matching every given filter, or None."""
        runs = self.list_runs(
            input_path=input_path, location_id=location_id, command=command, status=status,
            limit=1,
        )
        return runs[0] if runs else None

    def list_runs(
        self,
        *,
        input_path: str | Path | None = None,
        location_id: str | None = None,
        command: str | None = None,
        status: RunStatus | None = None,
        limit: int | None = None,
    ) -> list[RunInfo]:
        """Runs newest first, filtered by the given fields."""
        where: list[str] = []
        params: list[Any] = []
        for col, value in (
            ("input_path", str(Path(input_path).resolve()) if input_path is not None else None),
            ("location_id", location_id),
            ("command", command),
            ("status", status),
        ):
            if value is not None:
                where.append(f"{col} = ?")
                params.append(value)
        sql = "SELECT * FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at DESC, rowid DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [self._run_info(r) for r in self._conn.execute(sql, params).fetchall()]

    def _run_info(self, r: tuple[Any, ...]) -> RunInfo:
        counts = json.loads(r[11]) if r[11] else self.row_counts(r[0])
        return RunInfo(
            id=r[0], command=r[1], argv=json.loads(r[2]), input_path=r[3], input_sha256=r[4],
            location_id=r[5], mode=r[6], options=json.loads(r[7]), status=r[8],
            started_at=r[9], finished_at=r[10], counts=counts, pid=r[12], host=r[13],
            active=r[8] == "running" and scope_held(
                self.path, command=r[1], location_id=r[5], input_path=r[3]),
        )

    def did_anything(self, run_id: str) -> bool:
        """Whether the run recorded any row or step (an abort before the first row did not)."""
        return any(
            self._conn.execute(f"SELECT 1 FROM {table} WHERE run_id=? LIMIT 1", (run_id,))
            .fetchone() is not None
            for table in ("rows", "steps")
        )

    def row_counts(self, run_id: str) -> dict[str, Any]:
        """Live counts: ``rows``, ``by_status``, ``by_action``, ``by_error``."""
        by_status: dict[str, int] = {}
        by_action: dict[str, int] = {}
        by_error: dict[str, int] = {}
        for status, action, code, n in self._conn.execute(
            "SELECT status, action, error_code, COUNT(*) FROM rows WHERE run_id=?"
            " GROUP BY status, action, error_code",
            (run_id,),
        ):
            by_status[status] = by_status.get(status, 0) + n
            if status in ("ok", "skipped") and action:
                by_action[action] = by_action.get(action, 0) + n
            if status == "failed":
                key = code or "api-error"
                by_error[key] = by_error.get(key, 0) + n
        return {
            "rows": sum(by_status.values()),
            "by_status": by_status,
            "by_action": by_action,
            "by_error": by_error,
        }

    def _location_of(self, run_id: str) -> str | None:
        if run_id not in self._run_locations:
            found = self._conn.execute(
                "SELECT location_id FROM runs WHERE id=?", (run_id,)
            ).fetchone()
            self._run_locations[run_id] = found[0] if found else None
        return self._run_locations[run_id]

    # -- rows and steps ------------------------------------------------------------------

    def record_row(
        self,
        run_id: str,
        row: int,
        *,
        status: RowStatus,
        action: str | None = None,
        contact_id: str | None = None,
        fingerprint: str | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        http_status: int | None = None,
        warnings: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Record (or replace, on resume/retry) the outcome of one row.

        ``status="ok"`` with a ``fingerprint`` and ``contact_id`` also remembers the
        fingerprint for skip-unchanged in the run's location, replacing any older
        fingerprint of that contact. Call it once the row's every phase is settled.
        """
        now = utc_now()
        warn = list(warnings)
        self._write(
            "INSERT INTO rows (run_id, row, fingerprint, status, action, contact_id, error_code,"
            " error_message, http_status, warnings_json, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (run_id, row) DO UPDATE SET fingerprint=excluded.fingerprint,"
            " status=excluded.status, action=excluded.action,"
            " contact_id=COALESCE(excluded.contact_id, rows.contact_id),"
            " error_code=excluded.error_code, error_message=excluded.error_message,"
            " http_status=excluded.http_status, warnings_json=excluded.warnings_json,"
            " attempts=rows.attempts + 1, updated_at=excluded.updated_at",
            (run_id, row, fingerprint, status, action, contact_id, error_code, error_message,
             http_status, dumps_json(warn) if warn else None, now),
        )
        location = self._location_of(run_id)
        if status == "ok" and fingerprint and contact_id and location is not None:
            self._write(
                "DELETE FROM fingerprints WHERE location_id=? AND contact_id=? AND fingerprint<>?",
                (location, contact_id, fingerprint),
            )
            self._write(
                "INSERT OR REPLACE INTO fingerprints (location_id, fingerprint, contact_id,"
                " run_id, row) VALUES (?, ?, ?, ?, ?)",
                (location, fingerprint, contact_id, run_id, row),
            )
        self._maybe_commit()

    def record_intent(
        self,
        run_id: str,
        row: int,
        phase: str,
        *,
        contact_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Durably note that a non-idempotent request is about to be sent (commits now).

        Call it right before sending a create, note or task; then :meth:`record_step`
        with ``done``/``failed``. A resume that finds ``intent`` must check before resending.
        """
        self._write(
            "INSERT OR REPLACE INTO steps (run_id, row, phase, state, contact_id, detail_json,"
            " updated_at) VALUES (?, ?, ?, 'intent', ?, ?, ?)",
            (run_id, row, phase, contact_id, dumps_json(dict(detail or {})), utc_now()),
        )
        self._phases_with_intents(run_id).add(phase)
        self.flush()

    def _phases_with_intents(self, run_id: str) -> set[str]:
        found = self._intent_phases.get(run_id)
        if found is None:  # once per run: intents an earlier process recorded
            found = {
                phase for (phase,) in self._conn.execute(
                    "SELECT DISTINCT phase FROM steps WHERE run_id=? AND state='intent'",
                    (run_id,),
                )
            }
            self._intent_phases[run_id] = found
        return found

    def record_step(
        self,
        run_id: str,
        row: int,
        phase: str,
        *,
        state: StepState = "done",
        contact_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a phase outcome; ``detail`` is what undo needs.

        Phases and the detail undo expects: ``upsert``/``create`` ``{"new": bool}``;
        ``tags`` ``{"added": [...]}`` (only tags the contact lacked, when known);
        ``business`` ``{"previous": id|None, "business_id": id}``; ``followers``
        ``{"added": [...]}``; ``note`` ``{"note_id": id}``; ``task`` ``{"task_id": id}``;
        ``workflow``/``campaign`` ``{"workflow_id"|"campaign_id": id}``; ``delete`` ``{}``.
        A detail given with an earlier intent is kept and updated by this one.
        """
        merged: dict[str, Any] = {}
        if state != "intent" and phase in self._phases_with_intents(run_id):
            prev = self._conn.execute(
                "SELECT detail_json, state FROM steps WHERE run_id=? AND row=? AND phase=?",
                (run_id, row, phase),
            ).fetchone()
            if prev and prev[1] == "intent" and prev[0]:
                merged.update(json.loads(prev[0]))
        merged.update(detail or {})
        self._write(
            "INSERT OR REPLACE INTO steps (run_id, row, phase, state, contact_id, detail_json,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run_id, row, phase, state, contact_id, dumps_json(merged), utc_now()),
        )
        self._maybe_commit()

    # -- skip-unchanged ------------------------------------------------------------------

    def known_fingerprints(self, location_id: str, fps: Iterable[str]) -> dict[str, str]:
        """Which of ``fps`` already succeeded into ``location_id``: fingerprint -> contact id."""
        wanted = list(dict.fromkeys(fps))
        found: dict[str, str] = {}
        for i in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[i : i + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                self._conn.execute(
                    "SELECT fingerprint, contact_id FROM fingerprints"
                    f" WHERE location_id=? AND fingerprint IN ({marks})",
                    (location_id, *chunk),
                ).fetchall()
            )
        return found

    def earlier_steps(
        self, location_id: str, fps: Iterable[str], *, exclude_run: str,
        phases: Sequence[str] = ("create", "note", "task"),
        statuses: Sequence[str] = ("failed", "pending"),
    ) -> dict[str, dict[str, StepRecord]]:
        """Non-idempotent steps that earlier import runs into ``location_id`` sent (``done``)
        or possibly sent (``intent``) for rows with these fingerprints that did not succeed:
        fingerprint -> phase -> step, the newest run winning. A new run honours them (no
        second note after a lost answer and a re-import). ``statuses``: of those rows."""
        wanted = list(dict.fromkeys(fps))
        found: dict[str, dict[str, StepRecord]] = {}
        phase_marks = ",".join("?" * len(phases))
        status_marks = ",".join("?" * len(statuses))
        for i in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[i : i + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            for fp, phase, state, cid, detail in self._conn.execute(
                "SELECT r.fingerprint, s.phase, s.state, s.contact_id, s.detail_json"
                " FROM rows AS r JOIN runs AS u ON u.id = r.run_id"
                " JOIN steps AS s ON s.run_id = r.run_id AND s.row = r.row"
                " WHERE u.location_id = ? AND u.command = 'import' AND u.id <> ?"
                f" AND r.status IN ({status_marks}) AND s.state IN ('intent', 'done')"
                f" AND s.phase IN ({phase_marks}) AND r.fingerprint IN ({marks})"
                " ORDER BY u.started_at, u.rowid",
                (location_id, exclude_run, *statuses, *phases, *chunk),
            ):
                found.setdefault(fp, {})[phase] = StepRecord(
                    phase, state, cid, json.loads(detail) if detail else {})
        return found

    def forget_contacts(self, location_id: str, contact_ids: Iterable[str]) -> int:
        """Drop skip-unchanged fingerprints of contacts changed by other means.

        Bulk commands (tags, business, delete, undo, ...) call it for every contact they
        touch, so that re-importing the original file sends those rows again.
        """
        ids = list(dict.fromkeys(contact_ids))
        removed = 0
        for i in range(0, len(ids), _IN_CHUNK):
            chunk = ids[i : i + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            before = self._conn.total_changes
            self._write(
                f"DELETE FROM fingerprints WHERE location_id=? AND contact_id IN ({marks})",
                (location_id, *chunk),
            )
            removed += self._conn.total_changes - before
        self.flush()
        return removed

    # -- undo ----------------------------------------------------------------------------

    def later_runs_touching(self, run_id: str, contact_ids: Iterable[str]
                            ) -> list[tuple[str, str]]:
        """(id, command) of runs started after ``run_id`` (undos of it aside) that
        touched any of these contacts, oldest first."""
        ids = list(dict.fromkeys(contact_ids))
        run = self.require_run(run_id)
        found: dict[str, str] = {}
        for i in range(0, len(ids), _IN_CHUNK):
            chunk = ids[i : i + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            for rid, command, options in self._conn.execute(
                "SELECT u.id, u.command, u.options_json FROM runs AS u WHERE u.id <> ?"
                " AND u.started_at > ? AND (EXISTS (SELECT 1 FROM rows AS r WHERE"
                f" r.run_id = u.id AND r.contact_id IN ({marks})) OR EXISTS (SELECT 1 FROM"
                f" steps AS s WHERE s.run_id = u.id AND s.contact_id IN ({marks})))"
                " ORDER BY u.started_at",
                (run.id, run.started_at, *chunk, *chunk),
            ):
                if json.loads(options or "{}").get("undo_of") != run.id:
                    found[rid] = command
        return list(found.items())

    def save_snapshot(self, run_id: str, contact_id: str, before: Mapping[str, Any]) -> None:
        """Store the contact as it was before this run touched it (first snapshot wins)."""
        self._write(
            "INSERT OR IGNORE INTO snapshots (run_id, contact_id, before_json) VALUES (?, ?, ?)",
            (run_id, contact_id, dumps_json(dict(before))),
        )
        self._maybe_commit()

    # -- reads: row states, what a resume or retry needs, what undo needs ---------------

    def row_states(self, run_id: str, *, with_steps: bool = True) -> dict[int, RowState]:
        """Every recorded row of a run, keyed by row number (steps attached if asked)."""
        steps: dict[int, dict[str, StepRecord]] = {}
        if with_steps:
            for row, phase, state, cid, detail in self._conn.execute(
                "SELECT row, phase, state, contact_id, detail_json FROM steps WHERE run_id=?",
                (run_id,),
            ):
                steps.setdefault(row, {})[phase] = StepRecord(
                    phase, state, cid, json.loads(detail) if detail else {}
                )
        out: dict[int, RowState] = {}
        for r in self._conn.execute(f"SELECT {ROW_COLUMNS} FROM rows WHERE run_id=?", (run_id,)):
            out[r[0]] = row_state_from_sql(r, steps.pop(r[0], NO_STEPS))
        # steps of rows whose final result was lost in a crash: the row is still pending
        for row, row_steps in steps.items():
            cid = next((s.contact_id for s in row_steps.values() if s.contact_id), None)
            out[row] = RowState(row=row, status="pending", contact_id=cid, steps=row_steps)
        return out

    def unsettled_rows(self, run_id: str, *, include_failed: bool = False) -> Iterator[RowState]:
        """What a resume (or, with ``include_failed``, a retry) must look at, in row order,
        with steps: rows still ``pending``, rows with steps but no result (the result was
        lost in a crash: reported ``pending``) and, if asked, ``failed`` rows.

        Streamed from one cursor (memory stays flat however large the run); settled rows are
        not read at all (:meth:`iter_rows` streams those). Call :meth:`flush` first if this
        connection has results not yet committed that should count.
        """
        statuses = "('pending', 'failed')" if include_failed else "('pending')"
        cur = self._conn.execute(
            f"SELECT {_ROW_COLUMNS_R}, s.phase, s.state, s.contact_id, s.detail_json"
            " FROM rows AS r LEFT JOIN steps AS s ON s.run_id = r.run_id AND s.row = r.row"
            f" WHERE r.run_id = ? AND r.status IN {statuses}"
            " UNION ALL"
            " SELECT s.row, 'pending', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1,"
            " s.phase, s.state, s.contact_id, s.detail_json"
            " FROM steps AS s LEFT JOIN rows AS r ON r.run_id = s.run_id AND r.row = s.row"
            " WHERE s.run_id = ? AND r.row IS NULL"
            " ORDER BY 1",
            (run_id, run_id),
        )
        current: tuple[Any, ...] | None = None
        steps: dict[str, StepRecord] = {}
        for rec in cur:
            if current is not None and rec[0] != current[0]:
                yield _unsettled_state(current, steps)
                steps = {}
            current = rec
            if rec[10] is not None:
                steps[rec[10]] = StepRecord(rec[10], rec[11], rec[12],
                                            json.loads(rec[13]) if rec[13] else {})
        if current is not None:
            yield _unsettled_state(current, steps)

    def failed_rows(self, run_id: str) -> list[int]:
        """Row numbers whose status is ``failed`` (what ``bulkio retry`` re-sends)."""
        return [
            r for (r,) in self._conn.execute(
                "SELECT row FROM rows WHERE run_id=? AND status='failed' ORDER BY row", (run_id,)
            )
        ]

    def snapshots(self, run_id: str) -> dict[str, dict[str, Any]]:
        """contact id -> its saved previous state, for one run."""
        return {
            cid: json.loads(doc)
            for cid, doc in self._conn.execute(
                "SELECT contact_id, before_json FROM snapshots WHERE run_id=?", (run_id,)
            )
        }

    def steps_for_undo(self, run_id: str) -> list[UndoEntry]:
        """Per row, in row order: the contact, whether it was created, its steps and snapshot."""
        snaps = self.snapshots(run_id)
        entries: list[UndoEntry] = []
        for row, st in sorted(self.row_states(run_id).items()):
            cid = st.contact_id or next(
                (s.contact_id for s in st.steps.values() if s.contact_id), None
            )
            created = st.action == "created" or any(
                s.detail.get("new") is True
                for p, s in st.steps.items()
                if p in ("upsert", "create") and s.state != "failed"
            )
            if not st.steps and cid is None:  # nothing was done to any contact
                continue
            entries.append(
                UndoEntry(
                    row=row, contact_id=cid, action=st.action, created=created,
                    steps=st.steps, snapshot=snaps.get(cid) if cid else None,
                )
            )
        return entries

    def iter_rows(self, run_id: str) -> Iterator[RowState]:
        """Row states in row order, streamed (for very large runs; no steps attached)."""
        cur = self._conn.execute(
            f"SELECT {ROW_COLUMNS} FROM rows WHERE run_id=? ORDER BY row", (run_id,)
        )
        for r in cur:
            yield row_state_from_sql(r, NO_STEPS)


_ROW_COLUMNS_R = ", ".join(f"r.{c.strip()}" for c in ROW_COLUMNS.split(","))


def _unsettled_state(rec: tuple[Any, ...], steps: dict[str, StepRecord]) -> RowState:
    state = row_state_from_sql(rec[:10], steps or NO_STEPS)
    if state.contact_id is None:
        cid = next((s.contact_id for s in steps.values() if s.contact_id), None)
        if cid is not None:
            state = replace(state, contact_id=cid)
    return state
