"""Run locks: an OS-level lock (``filelock``) on a run's scope for the run's whole life.

The scope of an import is (location, input file); of a bulk command (command, location,
input file). A second process that wants the same scope fails at once with
:class:`ScopeBusyError` naming the live run, or queues behind it (``wait``). The lock is
released by the operating system when its process dies (``kill -9``, ``timeout -s KILL``,
a crash), so a resume right after works whatever became of the dead process: no PID check,
no stale lock to clean up. Different files or locations lock different scopes and run side
by side.

Lock files live in ``locks/`` beside the journal; each has a small ``.json`` sidecar naming
the run that holds it (informative only: the lock itself is the truth).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from bulkio.errors import InputError
from bulkio.i18n import _
from bulkio.runs.home import locks_in
from bulkio.runs.records import utc_now

log = logging.getLogger("bulkio.locks")

#: seconds a new holder waits before refusing (a process SIGKILLed by ``timeout -s KILL``
#: is reported dead by its parent a moment before the kernel has closed its files)
_EXIT_GRACE = 1.0
#: seconds a refused run waits for the holder to name its run (it opens the journal first)
_NAMING_GRACE = 3.0

__all__ = ["RunLock", "ScopeBusyError", "hold_scope", "scope_held", "scope_key"]


class ScopeBusyError(InputError):
    """Another live process holds the lock of this run's scope."""

    hint = "wait for it to finish, or pass --wait to queue behind it"


def scope_key(*, command: str, location_id: str | None, input_path: str | Path | None) -> str:
    """The lock name of a scope: a hash of (command family, location, resolved input)."""
    family = "import" if command == "import" else command
    path = str(Path(input_path).resolve()) if input_path is not None else ""
    doc = json.dumps([family, location_id or "", path])
    return hashlib.blake2b(doc.encode("utf-8"), digest_size=10).hexdigest()


@dataclass
class RunLock:
    """A held scope lock; :meth:`name_run` records which run holds it."""

    lock: FileLock
    sidecar: Path
    what: str

    def name_run(self, run_id: str | None) -> None:
        """Write the sidecar naming the run now holding the scope (None: not known yet)."""
        doc = {"run_id": run_id, "pid": os.getpid(), "since": utc_now(), "what": self.what}
        with suppress(OSError):
            tmp = self.sidecar.with_suffix(".tmp")
            tmp.write_text(json.dumps(doc), encoding="utf-8")
            os.replace(tmp, self.sidecar)


def _holder(sidecar: Path) -> dict[str, Any]:
    try:
        doc = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _paths(journal_path: Path, key: str) -> tuple[Path, Path]:
    folder = locks_in(journal_path)
    return folder / f"{key}.lock", folder / f"{key}.json"


@contextmanager
def hold_scope(
    journal_path: Path,
    *,
    command: str,
    location_id: str | None,
    input_path: str | Path | None,
    wait: bool = False,
) -> Iterator[RunLock]:
    """Hold the scope's lock for the ``with`` block; raise :class:`ScopeBusyError` at once
    when another process holds it (or, with ``wait``, block until it is free)."""
    key = scope_key(command=command, location_id=location_id, input_path=input_path)
    lock_path, sidecar = _paths(journal_path, key)
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(_("cannot create the lock folder: {exc}").format(
            exc=exc), path=lock_path.parent) from exc
    name = Path(input_path).name if input_path is not None else command
    what = f"{command} of {name} into {location_id or '-'}"
    lock = FileLock(lock_path)
    try:
        # a process killed this instant may still be closing its files: a moment's grace
        lock.acquire(timeout=_EXIT_GRACE)
    except Timeout:
        if not wait:
            holder = _holder(sidecar)
            deadline = time.monotonic() + _NAMING_GRACE
            while not holder.get("run_id") and time.monotonic() < deadline:
                time.sleep(0.05)  # the holder is opening its run: its id comes in a moment
                holder = _holder(sidecar)
            run = holder.get("run_id")
            by = (_("run {run} (process {pid}, since {since})").format(
                run=run, pid=holder.get("pid"), since=holder.get("since"))
                  if run else _("another bulkio process"))
            raise ScopeBusyError(_("{what} is already running: {by}").format(what=what, by=by),
                                 path=None) from None
        log.warning("%s is running in another process: waiting for it to finish", what)
        lock.acquire()
    held = RunLock(lock=lock, sidecar=sidecar, what=what)
    held.name_run(None)  # no stale run id from an earlier holder
    try:
        yield held
    finally:
        lock.release()


def scope_held(journal_path: Path, *, command: str, location_id: str | None,
               input_path: str | Path | None) -> bool:
    """Whether a live process (this one included) holds the scope's lock right now."""
    key = scope_key(command=command, location_id=location_id, input_path=input_path)
    lock_path, _ = _paths(journal_path, key)
    if not lock_path.exists():
        return False
    probe = FileLock(lock_path)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    probe.release()
    return False
