"""Command family for bulk chores from a spreadsheet: tags, business, notes, tasks,
workflows, campaigns, followers and delete.

Each row names a contact (an id, or an email/phone resolved by search) and what to do to
it; tag and business operations go out through the bulk endpoints in chunks; everything
is journaled, resumable and undoable like an import.

May import: every stage (``files`` .. ``reports``); never ``imports``, ``export``,
``undo``, ``cli`` or ``sandbox``.

Public names:
- :mod:`~bulkio.bulk.run`: ``run_bulk``, ``BulkOptions``, ``BulkResult``, ``count_rows``
- :mod:`~bulkio.bulk.rows`: ``COMMANDS``, ``OpSettings``, ``parse_row``
- :mod:`~bulkio.bulk.resolve`: ``ContactResolver``, ``ContactRef``
- :mod:`~bulkio.bulk.preview`: ``preview_contacts``, ``Preview`` (a dry run's read-only
  contact lookups)
- :mod:`~bulkio.bulk.runner`: ``BulkRunner`` (the asynchronous part)
- :mod:`~bulkio.bulk.edits`: ``apply_edit``, ``EDIT_OPS`` (notes/tasks update, tasks
  complete, campaign remove --all)
"""
