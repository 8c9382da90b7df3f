"""The read side of :class:`bulkio.journal.Journal`: row states, what a resume or retry
needs, and what undo needs (a mixin, so that ``journal.py`` keeps the writes)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from bulkio.journal_records import (
    NO_STEPS,
    ROW_COLUMNS,
    RowState,
    StepRecord,
    UndoEntry,
    row_state_from_sql,
)

__all__ = ["JournalReads"]


class JournalReads:
    """Queries over the ``rows``, ``steps`` and ``snapshots`` tables (see :mod:`bulkio.journal`)."""

    _conn: sqlite3.Connection

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
