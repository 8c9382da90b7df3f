"""Command family ``bulkio undo RUN_ID``: reverse what a run did, from its journal.

Planning turns each journaled step into an :class:`~bulkio.undo.plan.UndoAction` (or a
``cannot-revert`` line); execution sends them with the bulk endpoints where the API has
them; the undo is itself a journaled run with its own reports.

May import: every stage (``files`` .. ``reports``); never ``imports``, ``bulk``, ``export``,
``cli`` or ``sandbox``.

Public names:
- :mod:`~bulkio.undo.plan`: ``plan_undo``, ``UndoPlan``, ``UndoAction``, ``previous_undo``
- :mod:`~bulkio.undo.execute`: ``UndoExecutor``
- :mod:`~bulkio.undo.run`: ``run_undo``, ``UndoResult``
"""
