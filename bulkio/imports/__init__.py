"""Command family ``bulkio import`` (with ``check``, ``resume``, ``retry``): the whole walk.

Reads and prepares the file, plans each row, sends it through the client with a bounded
worker pool, journals every step, and writes the reports; a dry run plans without
sending; resume and retry reopen a run from its journal; ``check`` prepares and writes
what an import would send.

May import: every stage (``files`` .. ``reports``); never ``bulk``, ``export``, ``undo``,
``cli`` or ``sandbox``.

Public names:
- :mod:`~bulkio.imports.importer`: ``run_import``, ``execute_run``, ``finish_run``,
  ``UnfinishedRunError``
- :mod:`~bulkio.imports.verify`: ``confirm_unchanged``, ``holds`` (skip-unchanged, confirmed
  against the API in batches)
- :mod:`~bulkio.imports.options`: ``ImportOptions``, ``ImportResult``
- :mod:`~bulkio.imports.rerun`: ``resume_run``, ``retry_run``
- :mod:`~bulkio.imports.dryrun`: ``dry_run``
- :mod:`~bulkio.imports.check`: ``run_check``, ``CheckResult``
- :mod:`~bulkio.imports.phases`, :mod:`~bulkio.imports.source`: a row's phases; the
  re-openable prepared input
"""
