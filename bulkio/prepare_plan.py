"""Support for :mod:`bulkio.prepare`: the summary record, per-column normalizer wrappers
and the duplicate-key grouping of pass 1."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bulkio.normalize import Result, accept
from bulkio.normalize import country as n_country
from bulkio.normalize import dates as n_dates
from bulkio.normalize import email as n_email
from bulkio.normalize import phone as n_phone
from bulkio.normalize import text as n_text

Normalizer = Callable[[str, str | None], Result]


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
}


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
