"""Per-row report files (success / failure) and the run's :class:`Report` summary.

The import records each row's outcome in the journal as results arrive, in any order.
At the end (and again after a resume or retry) :func:`write_reports` re-reads the source
once, in source order, joins every row on its number with its outcome, and writes:

``<stem>.failures.<csv|xlsx>``
    ``_row``, ``_error_code``, ``_error_message``, ``_http_status``, then the user's own
    columns in their order (a ragged row's extra cells, kept by the readers under
    ``_extra``, follow in one cell past the last header). Fix the cells, feed the file
    back, done. When the input is itself a fed-back report, its old report columns
    (:data:`REPORT_COLUMNS`) are dropped from the user columns and written afresh.
``<stem>.success.<csv|xlsx>``
    ``_row``, ``contact_id``, ``action``, ``_warnings``, then the user's columns. If the
    user's file already has a ``contact_id`` or ``action`` column, ours is named
    ``_contact_id`` / ``_action`` so neither is lost.
``<stem>.summary.json``
    :meth:`Report.to_json`.

Every source row lands in exactly one file: a row with no outcome (the run stopped first)
or still ``pending`` is a failure with code ``not-processed``. A run that processed no row
at all (stopped before sending anything) leaves earlier reports of the same name as they
were, instead of replacing a real result with a file of not-processed rows.
A retry merges naturally:
it replaces the failed rows' outcomes in the journal, and the reports are rewritten from
the whole source. Formats: see :mod:`bulkio.files.report_sheets` (CSV is UTF-8 with BOM).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bulkio.clean.records import Change
from bulkio.errors import CODES
from bulkio.files.report_sheets import Cell, ReportFormat, open_sheet_writer
from bulkio.files.safe_write import write_text_atomic
from bulkio.files.table import SourceRow
from bulkio.runs.journal import Journal
from bulkio.runs.kit import RequestStats

log = logging.getLogger("bulkio.reporter")

FAILURE_COLUMNS = ("_row", "_error_code", "_error_message", "_http_status")
SUCCESS_COLUMNS = ("_row", "contact_id", "action", "_warnings")
CHANGES_COLUMNS = ("row", "column", "field", "before", "after")
#: columns bulkio writes into reports; dropped from a fed-back report's user columns
REPORT_COLUMNS = frozenset({"_row", "_error_code", "_error_message", "_http_status", "_warnings"})
_SUCCESS_STATUSES = ("ok", "skipped")
#: key under which the readers keep a ragged row's extra cells (bulkio.files.readers.EXTRA_KEY)
EXTRA_KEY = "_extra"


class RowOutcome(Protocol):
    """What the reporter needs to know about a row (:class:`bulkio.runs.journal.RowState` fits).

    ``status``: ``ok``/``skipped`` -> success file; ``failed``/``pending`` -> failure file.
    ``warnings``: ``(code, message)`` pairs.
    """

    @property
    def status(self) -> str: ...
    @property
    def action(self) -> str | None: ...
    @property
    def contact_id(self) -> str | None: ...
    @property
    def error_code(self) -> str | None: ...
    @property
    def error_message(self) -> str | None: ...
    @property
    def http_status(self) -> int | None: ...
    @property
    def warnings(self) -> tuple[tuple[str, str], ...]: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """A plain :class:`RowOutcome`, for callers that do not go through the journal."""

    status: str
    action: str | None = None
    contact_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    http_status: int | None = None
    warnings: tuple[tuple[str, str], ...] = ()


@dataclass
class Report:
    """Counts and files of one run. ``rows``, ``succeeded``, ``failed`` and ``ok`` are
    derived from the per-action and per-error counters, so they always add up."""

    command: str = "import"
    run_id: str | None = None
    by_action: dict[str, int] = field(default_factory=dict)
    by_error: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    success_path: Path | None = None
    failure_path: Path | None = None
    summary_path: Path | None = None
    requests: RequestStats = field(default_factory=RequestStats)
    duration_s: float = 0.0
    #: journal outcomes whose row number is not in the source (the file changed?)
    not_in_source: int = 0

    def __post_init__(self) -> None:
        for name in ("by_action", "by_error", "warnings"):
            if any(n < 0 for n in getattr(self, name).values()):
                raise ValueError(f"Report.{name} has a negative count")

    @property
    def succeeded(self) -> int:
        """Rows in the success file."""
        return sum(self.by_action.values())

    @property
    def failed(self) -> int:
        """Rows in the failure file."""
        return sum(self.by_error.values())

    @property
    def rows(self) -> int:
        """Source rows reported: succeeded + failed."""
        return self.succeeded + self.failed

    @property
    def ok(self) -> bool:
        """True when no row failed."""
        return self.failed == 0

    @property
    def rows_per_s(self) -> float:
        """Rows per second over ``duration_s`` (0 when unknown)."""
        return self.rows / self.duration_s if self.duration_s > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict for ``--json`` and the summary file."""
        return {
            "command": self.command,
            "run_id": self.run_id,
            "ok": self.ok,
            "rows": self.rows,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "by_action": dict(sorted(self.by_action.items())),
            "by_error": dict(sorted(self.by_error.items())),
            "warnings": dict(sorted(self.warnings.items())),
            "files": {
                "success": str(self.success_path) if self.success_path else None,
                "failures": str(self.failure_path) if self.failure_path else None,
                "summary": str(self.summary_path) if self.summary_path else None,
            },
            "requests": {
                "total": self.requests.total,
                "by_endpoint": dict(sorted(self.requests.by_endpoint.items())),
                "rate_limited": self.requests.rate_limited,
                "retries": self.requests.retries,
            },
            "duration_s": round(self.duration_s, 3),
            "rows_per_s": round(self.rows_per_s, 1),
            "not_in_source": self.not_in_source,
        }

    def summary_rows(self) -> list[tuple[str, Cell]]:
        """Label/value lines for a Summary sheet or a printed summary (value None = heading)."""
        out: list[tuple[str, Cell]] = [
            ("Run", None),
            ("command", self.command),
            ("run id", self.run_id or ""),
            ("rows", self.rows),
            ("succeeded", self.succeeded),
            ("failed", self.failed),
        ]
        if self.by_action:
            out.append(("Succeeded by action", None))
            out += sorted(self.by_action.items())
        if self.by_error:
            out.append(("Failed by error code", None))
            out += [
                (f"{c}: {CODES[c]}" if c in CODES else c, n)
                for c, n in sorted(self.by_error.items())
            ]
        if self.warnings:
            out.append(("Warnings by code", None))
            out += sorted(self.warnings.items())
        out += [
            ("Requests", None),
            ("requests sent", self.requests.total),
            *sorted(self.requests.by_endpoint.items()),
            ("429 responses", self.requests.rate_limited),
            ("retries", self.requests.retries),
            ("duration (s)", round(self.duration_s, 3)),
            ("rows per second", round(self.rows_per_s, 1)),
        ]
        return out


def _user_columns(headers: Sequence[str]) -> list[str]:
    return [h for h in headers if h not in REPORT_COLUMNS]


def _free_name(name: str, taken: Iterable[str]) -> str:
    taken_set = set(taken)
    while name in taken_set:
        name = "_" + name
    return name


def _format_warnings(warnings: Iterable[tuple[str, str]]) -> str:
    return "; ".join(f"{code}: {message}" if message else code for code, message in warnings)


def located_stem(stem: str, location_id: str | None) -> str:
    """``stem`` with the location in it (``contacts`` + ``L1`` -> ``contacts.L1``), so the
    reports of one file imported into two locations never overwrite each other."""
    if not location_id:
        return stem
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in location_id)
    return f"{stem}.{safe}"


#: set (per thread or task) when one command runs for several locations at once
#: (``--locations``): every location's reports then carry its id, whatever ran first
LOCATED_REPORTS: ContextVar[bool] = ContextVar("bulkio_located_reports", default=False)


def report_stem(journal: Journal, path: Path, location_id: str, *, command: str,
                stem: str) -> str:
    """The name a new run's reports take: ``stem`` for the first location the file was run
    into with ``command``, ``<stem>.<location>`` for any other (see :func:`located_stem`),
    so that one file run into two locations never overwrites the first one's reports; in a
    fan-out (:data:`LOCATED_REPORTS`) every location's name carries its id."""
    if LOCATED_REPORTS.get():
        return located_stem(stem, location_id)
    runs = journal.list_runs(input_path=path, command=command)
    homes = [r.location_id for r in runs if r.location_id]
    if not homes or homes[-1] == location_id:  # newest first: the last one is the oldest
        return stem
    return located_stem(stem, location_id)


def report_paths(
    out_dir: Path, stem: str, fmt: ReportFormat, *, location_id: str | None = None
) -> tuple[Path, Path, Path]:
    """(success, failures, summary) paths :func:`write_reports` writes (``location_id``:
    see :func:`located_stem`)."""
    stem = located_stem(stem, location_id)
    return (
        out_dir / f"{stem}.success.{fmt}",
        out_dir / f"{stem}.failures.{fmt}",
        out_dir / f"{stem}.summary.json",
    )


def write_reports(
    *,
    source_rows: Iterable[SourceRow],
    headers: Sequence[str],
    states: Mapping[int, RowOutcome],
    out_dir: Path,
    stem: str,
    fmt: ReportFormat,
    delimiter: str = ",",
    command: str = "import",
    run_id: str | None = None,
    requests: RequestStats | None = None,
    duration_s: float | None = None,
    location_id: str | None = None,
) -> Report:
    """Write the success, failure and summary files for one run; return its Report.

    ``source_rows`` is the source re-read from the start (one pass, source order);
    ``states`` maps row numbers to outcomes (e.g. ``journal.row_states(run_id)``).
    ``location_id`` puts the location in the file names (``<stem>.<location>.success.csv``).
    ``duration_s`` defaults to the time spent here.
    """
    started = time.monotonic()
    success_path, failure_path, summary_path = report_paths(out_dir, stem, fmt,
                                                            location_id=location_id)
    if not _any_processed(states) and (success_path.exists() or failure_path.exists()):
        return _kept_earlier(source_rows, states, command=command, run_id=run_id,
                             paths=(success_path, failure_path, summary_path),
                             requests=requests, duration_s=duration_s, started=started)
    user_cols = _user_columns(headers)
    id_col = _free_name("contact_id", user_cols)
    action_col = _free_name("action", user_cols)
    succ = open_sheet_writer(
        success_path,
        ["_row", id_col, action_col, "_warnings", *user_cols],
        fmt=fmt, delimiter=delimiter, sheet_name="Success",
    )
    fail = open_sheet_writer(
        failure_path, [*FAILURE_COLUMNS, *user_cols],
        fmt=fmt, delimiter=delimiter, sheet_name="Failures",
    )
    by_action: Counter[str] = Counter()
    by_error: Counter[str] = Counter()
    warn_counts: Counter[str] = Counter()
    seen: set[int] = set()
    try:
        for src in source_rows:
            seen.add(src.row)
            values: list[Cell] = [src.values.get(h) for h in user_cols]
            extra = src.values.get(EXTRA_KEY)
            if extra and EXTRA_KEY not in user_cols:
                values.append(extra)  # a ragged row's extra cells stay, past the header
            st = states.get(src.row)
            if st is not None and st.status in _SUCCESS_STATUSES:
                action = st.action or ("unchanged" if st.status == "skipped" else "ok")
                by_action[action] += 1
                warn_counts.update(code for code, _ in st.warnings)
                succ.write([src.row, st.contact_id, action, _format_warnings(st.warnings), *values])
                continue
            if st is None or st.status == "pending":
                code, message, http = "not-processed", CODES["not-processed"], None
            else:
                code = st.error_code or "api-error"
                message = st.error_message or CODES.get(code, "")
                http = st.http_status
                warn_counts.update(c for c, _ in st.warnings)
            by_error[code] += 1
            fail.write([src.row, code, message, http, *values])
        report = Report(
            command=command,
            run_id=run_id,
            by_action=dict(by_action),
            by_error=dict(by_error),
            warnings=dict(warn_counts),
            success_path=success_path,
            failure_path=failure_path,
            summary_path=summary_path,
            requests=requests or RequestStats(),
            duration_s=duration_s if duration_s is not None else time.monotonic() - started,
            not_in_source=sum(1 for r in states if r not in seen),
        )
        if report.not_in_source:
            log.warning(
                "%d recorded rows are not in the source file (was it edited?)",
                report.not_in_source,
            )
        summary = report.summary_rows()
        succ.close(summary)
        fail.close(summary)
    except BaseException:
        succ.abort()
        fail.abort()
        raise
    doc = report.to_json()
    doc["generated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_text_atomic(summary_path, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    return report


def _any_processed(states: Mapping[int, RowOutcome]) -> bool:
    """Whether any row has an outcome other than ``pending`` (stops at the first)."""
    return any(st.status != "pending" for st in states.values())


def _kept_earlier(
    source_rows: Iterable[SourceRow], states: Mapping[int, RowOutcome], *, command: str,
    run_id: str | None, paths: tuple[Path, Path, Path], requests: RequestStats | None,
    duration_s: float | None, started: float,
) -> Report:
    """A run that processed no row: the earlier reports stay; its rows are not-processed."""
    rows = sum(1 for _ in source_rows)
    log.warning("no row was processed in this run: the earlier reports (%s, %s) are left "
                "as they were", paths[0], paths[1])
    return Report(
        command=command, run_id=run_id,
        by_error={"not-processed": rows} if rows else {},
        success_path=paths[0], failure_path=paths[1], summary_path=paths[2],
        requests=requests or RequestStats(),
        duration_s=duration_s if duration_s is not None else time.monotonic() - started,
        not_in_source=0 if not states else sum(1 for _ in states),
    )


def write_changes(
    changes: Iterable[Change], *, path: Path, fmt: ReportFormat, delimiter: str = ","
) -> int:
    """Write ``bulkio check``'s changes file (row, column, field, before, after); row count."""
    writer = open_sheet_writer(
        path, CHANGES_COLUMNS, fmt=fmt, delimiter=delimiter, sheet_name="Changes"
    )
    n = 0
    try:
        for ch in changes:
            writer.write([ch.row, ch.column, ch.field, ch.before, ch.after])
            n += 1
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return n
