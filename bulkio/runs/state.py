"""What an interrupted import run already did, read from its journal in flat memory.

A resume needs, per input row (read in ascending row order): whether the row is settled
(then it is left alone) and, for the few rows that are not, the steps already done (so a
contact is not re-created and a note is not added twice). ``Journal.row_states`` builds
all of that for every row of the run, ~1.7 GB for a 1M-row run; :class:`ResumeStates`
instead keeps only the unsettled rows (at most the rows in flight when the run stopped)
and walks the settled ones with one streamed ``ORDER BY row`` cursor.

The unsettled rows come from :meth:`bulkio.runs.journal.Journal.unsettled_rows` (one streamed
query); no SQL here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from bulkio.runs.journal import Journal, RowState

__all__ = ["ResumeStates", "StreamedStates", "failed_states"]

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


def failed_states(journal: Journal, run_id: str) -> dict[int, RowState]:
    """The failed rows of a run with their steps (what ``bulkio retry`` re-sends)."""
    journal.flush()
    return {
        state.row: state
        for state in journal.unsettled_rows(run_id, include_failed=True)
        if state.status == "failed"
    }


class ResumeStates(Mapping[int, RowState]):
    """Prior states for a resume: unsettled rows with their steps, settled rows streamed.

    ``include_failed``: failed rows come with their steps too (a bulk ``--resume`` runs
    them again).
    """

    def __init__(self, journal: Journal, run_id: str, *, include_failed: bool = False) -> None:
        journal.flush()
        # at most the rows in flight when the run stopped (plus the failed ones, if asked)
        self._open = {state.row: state for state in
                      journal.unsettled_rows(run_id, include_failed=include_failed)}
        self._settled = StreamedStates(journal, run_id)

    def __getitem__(self, row: int) -> RowState:
        found = self._open.get(row)
        return found if found is not None else self._settled[row]

    def __iter__(self) -> Iterator[int]:
        return iter(sorted({*self._open, *self._settled}))

    def __len__(self) -> int:
        return sum(1 for _ in self)
