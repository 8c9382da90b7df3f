"""What an import run is asked to do (:class:`ImportOptions`) and what it gives back
(:class:`ImportResult`), shared by the real run, the dry run and resume/retry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bulkio.clean.records import PreparedRow
from bulkio.errors import BulkioError, RowIssue
from bulkio.plan.batcher import DEFAULT_TAG_CHUNK, Estimate, Mode, TagsMode
from bulkio.reports.reporter import Report
from bulkio.runs.journal import fingerprint_row as _fingerprint_row

__all__ = ["ImportOptions", "ImportResult", "row_fingerprint", "warning_pairs"]


@dataclass(frozen=True, kw_only=True)
class ImportOptions:
    """What the run does. ``out_dir`` None = the input's folder; ``workers`` None = 2x the
    client's in-flight limit."""

    mode: Mode = "upsert"
    tags_mode: TagsMode = "add"
    dry_run: bool = False
    force: bool = False
    #: skip unchanged rows on the journal's word alone (no confirming search)
    trust_journal: bool = False
    snapshot: bool = False
    tag_chunk: int = DEFAULT_TAG_CHUNK
    out_dir: Path | None = None
    workers: int | None = None
    #: a field the API did not store as sent fails the row (``not-stored``)
    strict: bool = False
    #: a row whose email and phone belong to two contacts (seen by --snapshot): send or skip
    on_split_match: Literal["send", "skip"] = "send"
    #: upsert with ``createNewIfDuplicateAllowed``: a new contact even when one matches
    #: (only where the location allows duplicates; elsewhere the API updates the match)
    create_duplicates: bool = False
    #: the businessId column holds company names (or ids): resolved through the Businesses
    #: API; ``create_businesses`` also creates the missing ones (journaled for undo)
    business_names: bool = False
    create_businesses: bool = False
    #: the agency id: "Asignado a" / followers given as emails or full names are looked up
    company_id: str | None = None


@dataclass
class ImportResult:
    """What a run did: its report (files, counts, requests) and how it ended."""

    report: Report
    run_id: str | None
    journal_path: Path | None
    aborted: BulkioError | None = None
    resumed: bool = False
    #: a ``bulkio retry`` of the run (``resumed`` is also True: the run was reopened)
    retried: bool = False
    #: ``bulkio resume`` of a run that had finished: nothing was sent, no report rewritten
    already_finished: bool = False
    plan: Estimate | None = None
    #: requests the dry run itself sent (the custom-fields lookup), by endpoint
    dry_run_requests: dict[str, int] = field(default_factory=dict)
    #: column -> why it is not sent (what ``announce`` showed before sending); empty for
    #: resume and retry, whose columns were announced by the run's first part
    columns_not_sent: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 all rows succeeded, 3 some failed, 1 aborted."""
        if self.aborted is not None:
            return 1
        return 0 if self.report.ok else 3

    def to_json(self) -> dict[str, Any]:
        doc = self.report.to_json()
        doc["journal"] = str(self.journal_path) if self.journal_path else None
        doc["resumed"] = self.resumed
        doc["retried"] = self.retried
        doc["already_finished"] = self.already_finished
        doc["aborted"] = str(self.aborted) if self.aborted else None
        doc["columns_not_sent"] = self.columns_not_sent
        if self.plan is not None:
            doc["dry_run"] = {
                "requests": dict(sorted(self.plan.requests.items())),
                "total_requests": self.plan.total,
                "expected_seconds": round(self.plan.seconds, 1),
                "daily_quota_share": round(self.plan.daily_share, 4),
                "days": self.plan.days,
                "requests_sent": self.dry_run_requests,
            }
        return doc


def row_fingerprint(prepared: PreparedRow, location_id: str, opts: ImportOptions) -> str:
    return _fingerprint_row(prepared, location_id=location_id,
                            mode=f"{opts.mode}/{opts.tags_mode}")


def warning_pairs(issues: Iterable[RowIssue]) -> list[tuple[str, str]]:
    return [(i.code, i.message) for i in issues if i.severity == "warning"]
