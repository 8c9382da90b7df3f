"""Stage 6, reports: the journal joined back with the source, one file per outcome.

Every input row lands in exactly one of ``<stem>.success.*`` or ``<stem>.failures.*`` (same
format as the input), plus ``<stem>.summary.json``; the :class:`Report` object's counts add up
and its ``ok`` is derived.

May import: every lower stage (:mod:`bulkio.errors`, ``files``, ``clean``, ``plan``, ``api``,
``runs``).

Public names (:mod:`~bulkio.reports.reporter`): ``Report``, ``write_reports``,
``report_paths``, ``REPORT_COLUMNS``, ``FAILURE_COLUMNS``, ``CHANGES_COLUMNS``.
"""
