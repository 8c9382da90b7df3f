"""What an interrupted import run already did, read from its journal in flat memory.

A resume needs, per input row (read in ascending row order): whether the row is settled
(then it is left alone) and, for the few rows that are not, the steps already done (so a
contact is not re-created and a note is not added twice). ``Journal.row_states`` builds
all of that for every row of the run, ~1.7 GB for a 1M-row run; :class:`ResumeStates`
instead keeps only the unsettled rows (at most the rows in flight when the run stopped)
and walks the settled ones with one streamed ``ORDER BY row`` cursor.

The unsettled rows are read with one query over the journal's documented tables
(``rows`` and ``steps``, see :mod:`bulkio.journal`) on a read-only connection.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator, Mapping
from typing import Any

from bulkio.journal import Journal, RowState, StepRecord

__all__ = ["ResumeStates", "StreamedStates", "failed_states"]

_STEPS = """
SELECT s.row, s.phase, s.state, s.contact_id, s.detail_json, r.fingerprint, r.contact_id
FROM steps AS s
LEFT JOIN rows AS r ON r.run_id = s.run_id AND r.row = s.row
WHERE s.run_id = ? AND {where}
"""
_UNSETTLED = _STEPS.format(where="(r.row IS NULL OR r.status = 'pending')")
_FAILED = _STEPS.format(where="r.status = 'failed'")


class StreamedStates(Mapping[int, RowState]):
    """A run's row outcomes looked up in ascending row order through one cursor.

    Lookups out of order restart the cursor (correct, only slower). Iterating opens a
    fresh cursor. Rows come without steps.
    """

    def __init__(self, journal: Journal, run_id: str) -> None:
        self._journal = journal
        self._run_id = run_id
        self._cursor = journal.iter_rows(run_id)
        self._current: RowState | None = None

    def __getitem__(self, row: int) -> RowState:
        if self._current is not None and self._current.row > row:
            self._cursor = self._journal.iter_rows(self._run_id)
            self._current = None
        while self._current is None or self._current.row < row:
            nxt = next(self._cursor, None)
            if nxt is None:
                raise KeyError(row)
            self._current = nxt
        if self._current.row != row:
            raise KeyError(row)
        return self._current

    def __iter__(self) -> Iterator[int]:
        return (state.row for state in self._journal.iter_rows(self._run_id))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _steps(
    journal: Journal, run_id: str, query: str
) -> tuple[dict[int, dict[str, StepRecord]], dict[int, tuple[str | None, str | None]]]:
    """Steps of the rows ``query`` selects, and each row's (fingerprint, contact id)."""
    journal.flush()  # the read-only connection below sees committed data only
    uri = f"{journal.path.resolve().as_uri()}?mode=ro"
    steps: dict[int, dict[str, StepRecord]] = {}
    known: dict[int, tuple[str | None, str | None]] = {}
    conn = sqlite3.connect(uri, uri=True)
    try:
        for row, phase, state, cid, detail, fp, row_cid in conn.execute(query, (run_id,)):
            doc: dict[str, Any] = json.loads(detail) if detail else {}
            steps.setdefault(row, {})[phase] = StepRecord(phase, state, cid, doc)
            known[row] = (fp, row_cid or cid or known.get(row, (None, None))[1])
    finally:
        conn.close()
    return steps, known


def _unsettled(journal: Journal, run_id: str) -> dict[int, RowState]:
    steps, known = _steps(journal, run_id, _UNSETTLED)
    return {
        row: RowState(row=row, status="pending", fingerprint=known[row][0],
                      contact_id=known[row][1], steps=row_steps)
        for row, row_steps in steps.items()
    }


def failed_states(journal: Journal, run_id: str) -> dict[int, RowState]:
    """The failed rows of a run with their steps (what ``bulkio retry`` re-sends)."""
    steps, _ = _steps(journal, run_id, _FAILED)
    return {
        state.row: dataclasses.replace(state, steps=steps.get(state.row, {}))
        for state in journal.iter_rows(run_id) if state.status == "failed"
    }


class ResumeStates(Mapping[int, RowState]):
    """Prior states for a resume: unsettled rows with their steps, settled rows streamed."""

    def __init__(self, journal: Journal, run_id: str) -> None:
        self._open = _unsettled(journal, run_id)
        self._settled = StreamedStates(journal, run_id)

    def __getitem__(self, row: int) -> RowState:
        found = self._open.get(row)
        return found if found is not None else self._settled[row]

    def __iter__(self) -> Iterator[int]:
        return iter(sorted({*self._open, *self._settled}))

    def __len__(self) -> int:
        return sum(1 for _ in self)
