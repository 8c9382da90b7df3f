"""Stage 5, runs: what a run did, durably. The journal owns run state.

One SQLite journal records every run, row, step (with intents before non-idempotent
requests) and fingerprint, so that a run can be resumed after ``kill -9``, retried,
skipped when unchanged and undone. Also the pieces every journaled run shares.

May import: :mod:`bulkio.errors`, :mod:`bulkio.files`, :mod:`bulkio.clean`,
:mod:`bulkio.plan`, :mod:`bulkio.api`.

Public names:
- :mod:`~bulkio.runs.journal`: ``Journal``, ``RunInfo``, ``RowState``, ``StepRecord``,
  ``UndoEntry``, ``default_journal_path``, ``file_sha256``, ``fingerprint_row``
- :mod:`~bulkio.runs.records`: the journal's records, schema and pure helpers
- :mod:`~bulkio.runs.home`: ``find_state_home`` (the ``.bulkio/`` state home), ``journal_in``,
  ``sandbox_db_in``, ``locks_in``
- :mod:`~bulkio.runs.locks`: ``hold_scope``, ``scope_held``, ``ScopeBusyError`` (OS-level
  run locks)
- :mod:`~bulkio.runs.state`: ``ResumeStates``, ``StreamedStates``, ``failed_states``
- :mod:`~bulkio.runs.kit`: ``RequestStats``, ``TargetLike``, ``Progress``, ``reopen_run``,
  ``close_run``, ``report_dir``, ``request_stats``, ``warn_if_changed``
"""
