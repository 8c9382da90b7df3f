"""bulkio: move contacts between spreadsheets and the HighLevel Contacts API v3.

The package is laid out as the walk a row takes; each folder is one stage and may import
only the stages above it in this picture (``tests/test_architecture.py`` checks it)::

    spreadsheet (CSV, XLSX)
        |  files/    readers: bytes -> lazy rows of raw text; writers and formula safety
        v
    rows (SourceRow)
        |  clean/    normalizers, header mapping, preparation -> records + row issues
        v
    clean records (PreparedRow)
        |  plan/     pure planning: request bodies, bulk-tag and 50-id business chunks
        v
    plan (RowPlan, chunks)
        |  api/      httpx client: auth, Version dialects, pacing, retries, error mapping
        v
    requests and answers
        |  runs/     the SQLite journal: run state, steps, intents, fingerprints, resume
        v
    journal
        |  reports/  success and failure files: every input row in exactly one of them
        v
    reports

    errors.py   the exception tree and the row-issue catalogue (used by every stage)
    config.py   settings from flags, environment and TOML (above api/)

The command families put the stages together: ``imports/`` (import, check, resume, retry,
dry run), ``bulk/`` (tags, business, notes, tasks, workflows, campaigns, followers, delete),
``export/`` and ``undo/``; ``copy/`` chains an export, an import and bulk runs between two
sub-accounts; ``cli/`` is click only and the only place that prints.
``sandbox/`` is a local emulator of the API beside the walk (it imports only ``errors``).
``notebook.py`` is the Python API for notebooks (:func:`read_contacts`,
:func:`import_contacts`, :func:`export_contacts`, with pandas DataFrames), loaded on first
use so that the command line does not pay for pandas.
"""

from __future__ import annotations

from typing import Any

from bulkio.errors import (
    ApiError,
    AuthError,
    BulkioError,
    ConfigError,
    InputError,
    RateLimitedError,
    RowIssue,
    ServerError,
    TransportError,
)

__version__ = "0.1.0"

_NOTEBOOK = ("export_contacts", "import_contacts", "read_contacts")


def __getattr__(name: str) -> Any:
    if name in _NOTEBOOK:
        from bulkio import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'bulkio' has no attribute {name!r}")

__all__ = [
    "ApiError",
    "AuthError",
    "BulkioError",
    "ConfigError",
    "InputError",
    "RateLimitedError",
    "RowIssue",
    "ServerError",
    "TransportError",
    "__version__",
    "export_contacts",
    "import_contacts",
    "read_contacts",
]
