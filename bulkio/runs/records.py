"""Records and pure helpers of the run journal (:mod:`bulkio.runs.journal`).

Run ids, fingerprints, argv scrubbing and the dataclasses the journal returns.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from bulkio.clean.records import PreparedRow
from bulkio.errors import InputError
from bulkio.runs.home import find_state_home, journal_in

RunStatus = Literal["running", "finished", "aborted"]
RowStatus = Literal["pending", "ok", "failed", "skipped"]
StepState = Literal["intent", "done", "failed"]

SCHEMA_VERSION = 1
_RUN_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to type
_SECRET_WORDS = ("token", "secret", "password", "passwd", "api-key", "api_key", "apikey")



class RunInUseError(InputError):
    """The run is still being executed by another live process."""

    hint = "wait for that process to finish (or stop it), then resume"


class RunNotFoundError(InputError):
    """No run with that id (or id prefix) in the journal."""

    hint = "list the runs with `bulkio runs`"


def default_journal_path(state_dir: str | Path | None = None) -> Path:
    """``journal.db`` in the state home (:func:`bulkio.runs.home.find_state_home`)."""
    return journal_in(find_state_home(state_dir))


def new_run_id(now: datetime | None = None) -> str:
    """A short, time-sortable, typeable id such as ``20261126-0429-ab12`` (UTC minute)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M")
    suffix = "".join(secrets.choice(_RUN_ID_ALPHABET) for _ in range(4))
    return f"{stamp}-{suffix}"


def fingerprint(payload: Mapping[str, Any], *, location_id: str, mode: str) -> str:
    """Stable blake2b hash of a row's normalized payload plus location and mode.

    Independent of row number and key order; ``payload`` must be JSON-serializable
    (anything else is serialized with ``str``).
    """
    doc = {"p": payload, "l": location_id, "m": mode}
    data = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.blake2b(data.encode("utf-8"), digest_size=16).hexdigest()


def fingerprint_row(prepared: PreparedRow, *, location_id: str, mode: str) -> str:
    """:func:`fingerprint` of what a :class:`PreparedRow` would send (tags order-insensitive)."""
    payload = {
        "contact": prepared.contact,
        "customFields": prepared.custom_fields,
        "tags": sorted(set(prepared.tags)),
        "extras": prepared.extras,
    }
    return fingerprint(payload, location_id=location_id, mode=mode)


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scrub_argv(argv: Sequence[str]) -> list[str]:
    """Replace the values of secret-looking options (``--token X``, ``--token=X``) by ``***``."""
    out: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            out.append("***")
            hide_next = False
            continue
        name, eq, _ = arg.partition("=")
        secret = name.startswith("-") and any(w in name.lower() for w in _SECRET_WORDS)
        if secret and eq:
            out.append(f"{name}=***")
        else:
            out.append(arg)
            hide_next = secret
    return out


def scrub_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options with secret-looking keys replaced by ``***``."""
    return {
        k: ("***" if any(w in k.lower() for w in _SECRET_WORDS) else v) for k, v in options.items()
    }


def utc_now() -> str:
    """ISO-8601 UTC timestamp with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def dumps_json(value: Any) -> str:
    """Compact JSON keeping accents readable; unknown types via ``str``."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One run as listed by ``bulkio runs``; ``counts`` is live until the run finishes."""

    id: str
    command: str
    argv: list[str]
    input_path: str | None
    input_sha256: str | None
    location_id: str | None
    mode: str | None
    options: dict[str, Any]
    status: RunStatus
    started_at: str
    finished_at: str | None
    counts: dict[str, Any]
    #: process id and host that last started/resumed the run
    pid: int | None = None
    host: str | None = None
    #: status is ``running`` and a live process holds the run's lock: False means
    #: interrupted (resumable)
    active: bool = False

    @property
    def interrupted(self) -> bool:
        """``running`` in the journal but no process holds its lock (killed, crashed)."""
        return self.status == "running" and not self.active


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One phase of one row: ``intent`` = request possibly sent, outcome unknown."""

    phase: str
    state: StepState
    contact_id: str | None
    detail: dict[str, Any]


#: the (shared, read-only) steps of a row that has none
NO_STEPS: Mapping[str, StepRecord] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RowState:
    """What the journal knows about one row of a run (also a reporter ``RowOutcome``)."""

    row: int
    status: RowStatus
    action: str | None = None
    contact_id: str | None = None
    fingerprint: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    http_status: int | None = None
    warnings: tuple[tuple[str, str], ...] = ()
    attempts: int = 1
    steps: Mapping[str, StepRecord] = field(default_factory=lambda: NO_STEPS)

    @property
    def done(self) -> bool:
        """True when the row needs no more work on resume (ok or skipped)."""
        return self.status in ("ok", "skipped")

    @property
    def ambiguous_steps(self) -> list[str]:
        """Phases whose request was possibly sent but whose outcome was never recorded."""
        return [p for p, s in self.steps.items() if s.state == "intent"]


@dataclass(frozen=True, slots=True)
class UndoEntry:
    """Everything a run did to one contact, for ``bulkio undo`` (``created`` = new contact)."""

    row: int
    contact_id: str | None
    action: str | None
    created: bool
    steps: Mapping[str, StepRecord]
    snapshot: dict[str, Any] | None


#: DDL of every table (see :mod:`bulkio.runs.journal` for their meaning)
SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    command TEXT NOT NULL,
    argv_json TEXT NOT NULL,
    input_path TEXT,
    input_sha256 TEXT,
    location_id TEXT,
    mode TEXT,
    options_json TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    counts_json TEXT,
    pid INTEGER,
    host TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_input ON runs(input_path, location_id, started_at);
CREATE TABLE IF NOT EXISTS rows (
    run_id TEXT NOT NULL,
    row INTEGER NOT NULL,
    fingerprint TEXT,
    status TEXT NOT NULL,
    action TEXT,
    contact_id TEXT,
    error_code TEXT,
    error_message TEXT,
    http_status INTEGER,
    warnings_json TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (run_id, row)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL,
    row INTEGER NOT NULL,
    phase TEXT NOT NULL,
    state TEXT NOT NULL,
    contact_id TEXT,
    detail_json TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (run_id, row, phase)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fingerprints (
    location_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    row INTEGER NOT NULL,
    PRIMARY KEY (location_id, fingerprint)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fingerprints_by_contact ON fingerprints(location_id, contact_id);
CREATE TABLE IF NOT EXISTS snapshots (
    run_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    before_json TEXT NOT NULL,
    PRIMARY KEY (run_id, contact_id)
) WITHOUT ROWID;
"""


#: the ``rows`` columns :func:`row_state_from_sql` expects, in order
ROW_COLUMNS = (
    "row, status, action, contact_id, fingerprint, error_code, error_message,"
    " http_status, warnings_json, attempts"
)


_STATUSES: dict[str, RowStatus] = {s: s for s in ("pending", "ok", "failed", "skipped")}


def row_state_from_sql(r: tuple[Any, ...], steps: Mapping[str, StepRecord]) -> RowState:
    """A :class:`RowState` from a ``SELECT {ROW_COLUMNS}`` tuple."""
    # interned: a million rows share a handful of status/action/code strings
    warns = tuple((c, m) for c, m in json.loads(r[8])) if r[8] else ()
    return RowState(
        row=r[0], status=_STATUSES[r[1]], action=r[2] and sys.intern(r[2]), contact_id=r[3],
        fingerprint=r[4], error_code=r[5] and sys.intern(r[5]), error_message=r[6],
        http_status=r[7], warnings=warns, attempts=r[9], steps=steps,
    )
