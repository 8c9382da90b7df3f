"""Pieces every journaled run shares (``bulkio import``, the bulk commands, ``bulkio undo``):
where requests go, progress callbacks, request statistics and closing a run in the journal.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bulkio.api.client import Client
from bulkio.runs.journal import Journal, RunInfo, RunStatus, file_sha256

log = logging.getLogger("bulkio.runkit")

__all__ = [
    "Progress",
    "ProgressFn",
    "RequestStats",
    "TargetLike",
    "close_run",
    "reopen_run",
    "report_dir",
    "request_stats",
    "warn_if_changed",
]


@dataclass
class RequestStats:
    """HTTP figures of a run (from the client's ``ClientStats``), summed over attempts."""

    by_endpoint: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    retries: int = 0

    @property
    def total(self) -> int:
        """Requests sent, all endpoints."""
        return sum(self.by_endpoint.values())


class TargetLike(Protocol):
    """Where requests go (``bulkio.cli.options.Target`` fits)."""

    @property
    def location_id(self) -> str: ...

    def client(self, **overrides: Any) -> Client: ...


@dataclass(frozen=True)
class Progress:
    """Rows settled so far; ``total`` once known (the import counts its first pass)."""

    done: int
    failed: int
    total: int | None = None


ProgressFn = Callable[[Progress], None]


def request_stats(client: Client, previous: Mapping[str, Any] | None) -> RequestStats:
    """The client's request counts plus those an earlier (interrupted) part of the run
    recorded in the journal (``previous`` = ``run.counts["requests"]``)."""
    by_endpoint: Counter[str] = Counter(dict(client.stats.requests))
    rate_limited, retries = client.stats.rate_limited, client.stats.retries
    if previous:
        by_endpoint.update(previous.get("by_endpoint") or {})
        rate_limited += int(previous.get("rate_limited") or 0)
        retries += int(previous.get("retries") or 0)
    return RequestStats(by_endpoint=dict(by_endpoint), rate_limited=rate_limited,
                        retries=retries)


def report_dir(path: Path, out_dir: Path | None) -> Path:
    """The folder for a run's reports (``out_dir``, or the input's folder), created."""
    out = out_dir if out_dir is not None else path.resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    return out


def close_run(journal: Journal, run_id: str, *, aborted: bool,
              requests: RequestStats) -> None:
    """Mark the run finished/aborted with its row counts and request statistics."""
    status: RunStatus = "aborted" if aborted else "finished"
    counts = journal.row_counts(run_id)
    counts["requests"] = {"by_endpoint": requests.by_endpoint,
                          "rate_limited": requests.rate_limited, "retries": requests.retries}
    journal.finish_run(run_id, status=status, counts=counts)


def warn_if_changed(run: RunInfo, path: Path) -> None:
    """Warn when the input is not the file the run started with (a resume matches rows by
    their number: an import also compares their content and sends changed rows again, a
    bulk command keeps every row it already did)."""
    if run.input_sha256 and file_sha256(path) != run.input_sha256:
        log.warning("%s changed since run %s started; rows are matched by their row number",
                    path.name, run.id)


def reopen_run(journal: Journal, run: RunInfo) -> RunInfo:
    """Mark an interrupted run running again, keeping the counts it had (its request
    statistics add up across the parts of the run)."""
    counts = run.counts
    reopened = journal.reopen_run(run.id)
    return dataclasses.replace(reopened, counts=counts)
