"""Support for :mod:`bulkio.clean.prepare`: the summary record, per-column normalizer wrappers,
the duplicate-key grouping and the phone validation of pass 1."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from array import array
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bulkio.clean.normalize import Result, accept
from bulkio.clean.normalize import country as n_country
from bulkio.clean.normalize import dates as n_dates
from bulkio.clean.normalize import email as n_email
from bulkio.clean.normalize import phone as n_phone
from bulkio.clean.normalize import text as n_text

Normalizer = Callable[[str, str | None], Result]

log = logging.getLogger("bulkio.prepare")


@dataclass
class PrepareSummary:
    """What preparing a file found; complete once the rows are exhausted."""

    path: Path
    format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    header_row: int
    mapped: dict[str, str]
    unmapped: dict[str, str]
    ignored: list[str]
    #: date column -> order used (None: only unambiguous values are read)
    date_orders: dict[str, str | None] = field(default_factory=dict)
    #: date column -> where the order came from: column, option, mapping, detected, none
    #: (undecided, ambiguous values fail) or not-needed (no value depends on the order)
    date_order_sources: dict[str, str] = field(default_factory=dict)
    #: the CRM export preset in use (``salesforce``) and the sentence saying why
    source: str | None = None
    source_note: str | None = None
    #: fields filled by several columns (joined or first non-empty), column lists
    combined: dict[str, list[str]] = field(default_factory=dict)
    rows_read: int = 0
    rows_ready: int = 0
    rows_failed: int = 0
    changes: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for ``--json``)."""
        return {
            "file": str(self.path), "format": self.format, "encoding": self.encoding,
            "delimiter": self.delimiter, "sheet": self.sheet, "header_row": self.header_row,
            "rows_read": self.rows_read, "rows_ready": self.rows_ready,
            "rows_failed": self.rows_failed, "changes": self.changes,
            "errors": dict(sorted(self.errors.items())),
            "warnings": dict(sorted(self.warnings.items())),
            "mapped": self.mapped, "unmapped": self.unmapped, "ignored": self.ignored,
            "date_orders": self.date_orders, "date_order_sources": self.date_order_sources,
            "source": self.source, "source_note": self.source_note, "combined": self.combined,
        }  # fmt: skip


def plain_text(raw: str, _region: str | None) -> Result:
    return accept(raw)


def with_region(fn: Callable[..., Result]) -> Normalizer:
    def call(raw: str, region: str | None) -> Result:
        return fn(raw, region=region)

    return call


def plain(fn: Callable[[str], Result]) -> Normalizer:
    def call(raw: str, _region: str | None) -> Result:
        return fn(raw)

    return call


def date_normalizer(order: str | None, today: date | None, allow_future: bool) -> Normalizer:
    def call(raw: str, _region: str | None) -> Result:
        return n_dates.normalize_date(
            raw,
            order=order,  # type: ignore[arg-type]
            today=today,
            allow_future=allow_future,
        )

    return call


def postal(raw: str, country: str | None) -> Result:
    return n_text.normalize_postal_code(raw, country=country)


SIMPLE: dict[str, Normalizer] = {
    "email": plain(n_email.normalize_email),
    "phone": with_region(n_phone.normalize_phone),
    "country": plain(n_country.normalize_country),
    "gender": plain(n_text.normalize_gender),
    "timezone": plain(n_text.normalize_timezone),
    "website": plain(n_text.normalize_website),
    "firstName": plain(n_text.normalize_name),
    "lastName": plain(n_text.normalize_name),
    "dnd": plain(n_text.normalize_dnd),
    **{f"dnd.{c}": plain(n_text.normalize_dnd_status)
       for c in ("call", "email", "sms", "whatsApp", "gmb", "fb")},
    "inboundDnd": plain(n_text.normalize_dnd_status),
    "note_pinned": plain(n_text.parse_bool),
}


#: targets that go to PreparedRow.extras, not to the contact body
EXTRA_TARGETS = frozenset({"contact_id", "businessId", "note", "note_title", "note_pinned",
                           "task_title", "task_body", "task_due", "task_assignee",
                           "workflow_id", "workflow_start", "campaign_id"})  # fmt: skip
#: codes that drop the whole row; every other normalizer code is a warning
ROW_ERRORS = frozenset({"ambiguous-date"})
#: marker result: the cell is valid exactly as typed (stripped)
CLEAN = Result(value=None)

Outcome = tuple[Any, str, int, str, tuple[str, str, str] | None, str | None]
"""A normalizer Result applied to one column: (value, value as shown in the changes file,
0 contact / 1 extras, key there, issue, phone region). The issue is (code, message,
severity), severity ``error`` (the row fails), ``drop`` (a warning, the value is dropped)
or ``warn`` (a warning, the value is kept). The region is set for the country column."""


@dataclass(frozen=True)
class ColumnPlan:
    column: str
    target: str  # contact field, tags, extra, name, or "cf"
    custom_ref: str | None
    fn: Normalizer
    separators: str = ",;|"
    #: text (kept as typed, into contact), extra-text (into extras), cf, tags, followers,
    #: name, or norm (through ``fn``)
    kind: str = "norm"
    #: per-distinct-value results of this column (for normalizers that read only the text)
    memo: dict[Any, Any] = field(default_factory=dict, compare=False)

    def outcome(self, result: Result, text: str) -> Outcome:
        """``result`` of normalizing ``text`` (this column's stripped cell) applied."""
        target = self.target
        hint: str | None = None
        if target == "country":
            hint = str(result.value) if result.code is None else n_country.country_region(text)
        if not result.ok:
            severity = "error" if result.code in ROW_ERRORS else "drop"
            issue = (result.code or "invalid-value", f"{self.column}: {result.message}", severity)
            return None, "", 0, target, issue, hint
        warning = None
        if result.warning and result.code:
            warning = (result.code, f"{self.column}: {result.message}", "warn")
        value = text if result is CLEAN else result.value
        shown = value if type(value) is str else display(value)
        if target == "dnd" and isinstance(value, dict):
            return value, shown, 0, "dndSettings", warning, hint
        return value, shown, 1 if target in EXTRA_TARGETS else 0, target, warning, hint


#: distinct values memoized per column; past it the memo is dropped and starts again
MEMO_LIMIT = 20_000


def display(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}:{v.get('status', v) if isinstance(v, dict) else v}"
                         for k, v in value.items())  # fmt: skip
    return str(value)


def duplicate_groups(hashes: array[int], rows: array[int]) -> dict[int, list[int]]:
    """key hash -> row numbers (ascending), for the keys seen on more than one row."""
    if len(hashes) < 2:
        return {}
    h = np.frombuffer(hashes, dtype=np.int64)
    r = np.frombuffer(rows, dtype=np.int64)
    order = np.argsort(h, kind="stable")
    hs = h[order]
    same = hs[1:] == hs[:-1]
    if not same.any():
        return {}
    groups: dict[int, list[int]] = {}
    idx = np.nonzero(same)[0]
    for i in idx.tolist():
        key = int(hs[i])
        members = groups.setdefault(key, [])
        if not members:
            members.append(int(r[order[i]]))
        members.append(int(r[order[i + 1]]))
    for members in groups.values():
        # the same row can carry one key once only, but keep order and uniqueness explicit
        members[:] = sorted(set(members))
    return {k: v for k, v in groups.items() if len(v) > 1}


_Batch = tuple[bytes, dict[int, Result]]
#: a submitted batch: its result, its tags and its values (to redo it if a worker dies)
_Queued = tuple["Future[_Batch]", "array[int]", list[tuple[str, str | None]]]
PhonesDone = Callable[["array[int]", "array[int]", dict[int, Result]], None]

#: phone values per batch; a file with fewer never starts worker processes
PHONE_BATCH = 4096
#: batches submitted and not yet delivered, at most (bounds the memory of pending work:
#: ~0.7 MB a batch); past it ``add`` waits for the oldest
MAX_QUEUED = 64


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group: the parent handles it and shuts the pool
    # down; a worker finishes its batch (well under a second) and exits quietly
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # the parent's own work is the critical path: workers take the CPU it leaves
    with contextlib.suppress(OSError):
        os.nice(5)


class PhoneBatches:
    """Validates phone values in batches: in worker processes when there is more than one
    batch and the machine has more than one core, in this process otherwise.

    ``add`` queues a value with an integer ``tag`` (the pass-1 row index; ascending);
    ``done(tags, codes, others)`` is called with each finished batch, in order, with the
    :func:`bulkio.clean.normalize.phone.e164_code` of every value and the full Result of those
    whose code is negative, by position in the batch. After the last ``add`` call
    ``submit_rest``, then ``deliver_through(tag)`` to have every value up to ``tag``
    delivered (or ``finish`` for all of them); ``close`` in a ``finally``.
    """

    def __init__(self, done: PhonesDone) -> None:
        self._done = done
        self._values: list[tuple[str, str | None]] = []
        self._tags: array[int] = array("q")
        self._pool: ProcessPoolExecutor | None = None
        self._queued: deque[_Queued] = deque()
        self._workers = self._workers_for_machine()

    def _workers_for_machine(self) -> int:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return min(2, cpus or 1)

    @property
    def pending(self) -> bool:
        """True while some submitted value is not delivered."""
        return bool(self._queued or self._values)

    def add(self, tag: int, raw: str, region: str | None) -> None:
        self._values.append((raw, region))
        self._tags.append(tag)
        if len(self._values) >= PHONE_BATCH:
            self._flush(last=False)

    def submit_rest(self) -> None:
        """Submit the last, partial batch (validated here when it is the only one)."""
        if self._values:
            self._flush(last=True)

    def deliver_through(self, tag: int) -> None:
        """Wait for and deliver every batch holding a tag up to ``tag``."""
        while self._queued and self._queued[0][1][0] <= tag:
            self._collect()

    def finish(self) -> None:
        """Submit the rest and deliver everything."""
        self.submit_rest()
        while self._queued:
            self._collect()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._queued.clear()
        self._values = []

    def _flush(self, *, last: bool) -> None:
        values, tags = self._values, self._tags
        self._values, self._tags = [], array("q")
        if self._pool is None and not last and self._workers > 1:
            self._pool = _start_pool(self._workers)
            if self._pool is None:
                self._workers = 1
        if self._pool is None:
            while self._queued:  # batches of a pool that broke, first (in order)
                self._collect()
            # in this process, through normalize_phone's cache (pass 2 may ask again)
            self._deliver(tags, n_phone.e164_codes(values, cached=True))
            return
        self._queued.append((self._pool.submit(n_phone.e164_codes, values), tags, values))
        while self._queued and (len(self._queued) > MAX_QUEUED or self._queued[0][0].done()):
            self._collect()

    def _collect(self) -> None:
        future, tags, values = self._queued.popleft()
        try:
            batch = future.result()
        except BrokenProcessPool:
            # a worker died (killed, out of memory): carry on in this process
            log.warning("phone validation worker stopped; validating in this process")
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
            self._workers = 1
            batch = n_phone.e164_codes(values, cached=True)
        self._deliver(tags, batch)

    def _deliver(self, tags: array[int], batch: _Batch) -> None:
        codes: array[int] = array("q")
        codes.frombytes(batch[0])
        self._done(tags, codes, batch[1])


def _start_pool(workers: int) -> ProcessPoolExecutor | None:
    """Worker processes started by fork, or None when fork is not safe here.

    Fork is cheap and needs nothing from ``__main__``. Forking a process that runs other
    threads can copy a held lock into the child, and the spawn/forkserver methods re-run
    the caller's main script (harmful in a script without a ``__main__`` guard): in
    those cases the phones are validated in this process.
    """
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        log.debug("other threads are running: validating phones in this process")
        return None
    log.debug("validating phones in %d worker processes", workers)
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_init_worker,
    )
