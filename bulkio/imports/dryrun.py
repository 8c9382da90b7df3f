"""``bulkio import --dry-run``: plan every request, send none, write the would-be reports.

The only request a dry run sends is the read-only ``GET /locations/{id}/customFields``,
and only when a target is configured and the mapping uses custom fields (to check them
and shape their values as the real run would). The location's rate limits come from that
response's ``X-RateLimit-*`` headers, else the documented defaults (100 per 10 s, 200,000
per day). Nothing is written to the run journal; rows whose fingerprint already succeeded
(read from the journal if it exists) are planned as ``unchanged``.

The planned outcomes go to a scratch journal in a temporary folder, deleted afterwards.
Reports are ``<stem>.dry-run.success|failures.<fmt>`` with actions ``would-upsert`` /
``would-create`` / ``would-update`` / ``unchanged``, so they never overwrite a real run's.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bulkio.errors import RowIssue
from bulkio.plan.batcher import (
    SNAPSHOT_BATCH,
    BusinessBatcher,
    CustomFieldDef,
    RowPlan,
    TagBatcher,
    estimate,
    plan_row,
    resolve_custom_fields,
)
from bulkio.reports.reporter import write_reports
from bulkio.runs.journal import Journal
from bulkio.runs.kit import RequestStats, report_dir
from bulkio.runs.state import StreamedStates

if TYPE_CHECKING:
    from bulkio.clean.prepare import Preparation
    from bulkio.imports.options import ImportOptions, ImportResult
    from bulkio.imports.source import Source
    from bulkio.runs.kit import TargetLike

_CONTACT_ENDPOINT = {
    "upsert": "POST /contacts/upsert",
    "create": "POST /contacts/",
    "update": "PUT /contacts/{contactId}",
}
_FOLLOWUP_ENDPOINT = {
    "note": "POST /contacts/{contactId}/notes",
    "task": "POST /contacts/{contactId}/tasks",
    "workflow": "POST /contacts/{contactId}/workflow/{workflowId}",
    "campaign": "POST /contacts/{contactId}/campaigns/{campaignId}",
    "followers": "POST /contacts/{contactId}/followers",
}
_TAGS = "POST /contacts/bulk/tags/update/{type}"
_BUSINESS = "POST /contacts/bulk/business"


async def _lookup(target: TargetLike, refs: list[str]) -> tuple[list[dict[str, Any]], dict[
    str, int
], tuple[int, int, int]]:
    async with target.client() as client:
        fields = await client.custom_fields()
        pacer = client.pacer
        limits = (pacer.max_requests, pacer.interval_ms, pacer.daily_limit or 200_000)
        return fields, dict(client.stats.requests), limits


def _passthrough(refs: list[str]) -> dict[str, CustomFieldDef]:
    """Without a target, custom fields are planned as text under their reference."""
    return {r: CustomFieldDef(id=r, name=r, field_key=r, data_type="TEXT") for r in refs}


def _count_plan(plan: RowPlan, mode: str, requests: Counter[str]) -> None:
    requests[_CONTACT_ENDPOINT[mode]] += 1
    if mode == "update" and not plan.contact_id:
        requests["GET /contacts/search/duplicate"] += 1
    for f in plan.followups:
        requests[_FOLLOWUP_ENDPOINT[f.kind]] += 1


def dry_run(
    *,
    source: Source,
    prep: Preparation,
    target: TargetLike | None,
    journal_path: Path,
    options: ImportOptions,
    stem: str,
    announce: Callable[[list[str]], None] | None = None,
) -> ImportResult:
    """Plan the import of ``source`` without writing anything to the API or the journal."""
    from bulkio.imports.options import ImportResult, row_fingerprint, warning_pairs
    from bulkio.imports.source import column_notes, custom_field_refs, for_mode

    started = time.monotonic()
    refs = custom_field_refs(prep)
    sent: dict[str, int] = {}
    limits = (100, 10_000, 200_000)
    location = target.location_id if target is not None else "(no target)"
    if target is not None and (refs or prep.mapping.unmapped):
        raw_fields, sent, limits = asyncio.run(_lookup(target, refs))
        if prep.mapping.unmapped and not prep.consumed:
            prep.adopt_custom_fields(raw_fields)
            refs = custom_field_refs(prep)
        fields = resolve_custom_fields(refs, raw_fields)
    else:
        fields = _passthrough(refs)
    if announce is not None:
        announce(column_notes(prep))
    known: Journal | None = Journal.open(journal_path) if journal_path.exists() else None
    requests: Counter[str] = Counter()
    tags, business = TagBatcher(chunk_size=options.tag_chunk), BusinessBatcher()
    snapshot_rows = 0
    today = datetime.now(UTC).date()
    # a throw-away journal on disk, not in memory: a 1M-row plan must not fill the RAM
    with tempfile.TemporaryDirectory(prefix="bulkio-dry-run-") as scratch, \
            Journal.open(Path(scratch) / "plan.db") as mem:
        run = mem.start_run(command="import", location_id=location, mode=options.mode)
        for prepared in prep:
            prepared = for_mode(prepared, options.mode)
            row = prepared.row
            if not prepared.ok:
                issue = next(i for i in prepared.issues if i.severity == "error")
                mem.record_row(run.id, row, status="failed", error_code=issue.code,
                               error_message=issue.message, warnings=warning_pairs(prepared.issues))
                continue
            planned = plan_row(prepared, mode=options.mode, tags_mode=options.tags_mode,
                               fields=fields, location_id=location, today=today)
            if isinstance(planned, RowIssue):
                mem.record_row(run.id, row, status="failed", error_code=planned.code,
                               error_message=planned.message)
                continue
            fp = row_fingerprint(prepared, location, options)
            if known is not None and not options.force:
                hit = known.known_fingerprints(location, [fp])
                if fp in hit:
                    mem.record_row(run.id, row, status="skipped", action="unchanged",
                                   contact_id=hit[fp], warnings=warning_pairs(planned.warnings))
                    continue
            _count_plan(planned, options.mode, requests)
            if options.snapshot and options.mode != "create":
                if planned.contact_id:
                    requests["GET /contacts/{contactId}"] += 1
                else:
                    snapshot_rows += 1
            requests[_TAGS] += len(tags.add_tags(row, str(row), planned.tags))
            if planned.business_id:
                requests[_BUSINESS] += len(business.add(planned.business_id, row, str(row)))
            mem.record_row(run.id, row, status="ok", action=f"would-{options.mode}",
                           warnings=warning_pairs(planned.warnings))
        requests[_TAGS] += len(tags.flush())
        requests[_BUSINESS] += len(business.flush())
        if snapshot_rows:
            requests["POST /contacts/search"] += math.ceil(snapshot_rows / SNAPSHOT_BATCH)
        plan = estimate({k: v for k, v in requests.items() if v}, rate_limit=limits[0],
                        rate_interval_ms=limits[1], daily_limit=limits[2])
        report = write_reports(
            source_rows=source.open().rows, headers=source.headers,
            states=StreamedStates(mem, run.id),
            out_dir=report_dir(source.path, options.out_dir), stem=f"{stem}.dry-run",
            fmt=source.format,
            delimiter=source.delimiter, command="import --dry-run", run_id=None,
            requests=RequestStats(by_endpoint=sent), duration_s=time.monotonic() - started,
        )
    if known is not None:
        known.close()
    return ImportResult(report=report, run_id=None, journal_path=None, plan=plan,
                        dry_run_requests=sent)
