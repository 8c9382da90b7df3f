"""Command family ``bulkio export``: search pages in, spreadsheet rows out.

Filters and sort from the command line become the search API's grammar; ``searchAfter``
cursors walk the location; columns are resolved once (custom fields by name); writers are
atomic; ``--since last`` runs are incremental with a watermark.

May import: every stage (``files`` .. ``reports``); never ``imports``, ``bulk``, ``undo``,
``cli`` or ``sandbox``.

Public names:
- :mod:`~bulkio.export.run`: ``run_export``, ``ExportSpec``, ``ExportResult``
- :mod:`~bulkio.export.filters`: ``parse_filter``, ``parse_sort``, ``build_filters``
- :mod:`~bulkio.export.columns`: ``resolve_columns``, ``Column``
"""
