"""Command family ``bulkio copy``: contacts from one sub-account to another.

The source location's contacts (with custom fields, tags, notes and tasks) are exported
into a working folder of the state home, then imported into the target location with
the import's guarantees (journal, run lock, skip-unchanged, reports, resume, undo), and
notes and tasks are added with the bulk commands' (never twice, undoable). Custom fields
are matched by key, then by name; a field the target lacks is listed, never silently lost.

May import: every stage (``files`` .. ``reports``) and the command families it puts
together (``imports``, ``bulk``, ``export``); never ``cli`` or ``sandbox``.

Public names (:mod:`~bulkio.copy.run`): ``run_copy``, ``CopyResult``, ``match_fields``.
"""
