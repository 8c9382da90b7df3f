"""The state home: the ``.bulkio/`` folder of a workspace, found the way git finds ``.git``.

It holds every piece of local state: the run journal (``journal.db``), the sandbox database
(``sandbox.db``), the run locks (``locks/``) and export state files. Found as:

1. ``--state-dir DIR`` (the ``override`` argument), else ``$BULKIO_STATE_DIR``;
2. else the nearest folder, from the current one up to the root, that holds a ``.bulkio/``
   folder or a ``bulkio.toml`` file: its ``.bulkio/``;
3. else ``.bulkio/`` in the current folder (created on first write).

So ``bulkio runs``, ``resume``, ``retry`` and ``undo`` work from anywhere inside a workspace,
and ``cd samples && bulkio export --sandbox`` uses the same sandbox as the folder above.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "STATE_DIR_ENV",
    "STATE_DIR_NAME",
    "find_state_home",
    "journal_in",
    "locks_in",
    "sandbox_db_in",
]

STATE_DIR_NAME = ".bulkio"
STATE_DIR_ENV = "BULKIO_STATE_DIR"
_MARKER_FILE = "bulkio.toml"


def find_state_home(
    override: str | Path | None = None,
    *,
    start: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Path:
    """The absolute path of the state home (it may not exist yet)."""
    if override is not None and str(override):
        return Path(override).expanduser().resolve()
    environ = os.environ if env is None else env
    from_env = environ.get(STATE_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / STATE_DIR_NAME).is_dir() or (folder / _MARKER_FILE).is_file():
            return folder / STATE_DIR_NAME
    return here / STATE_DIR_NAME


def journal_in(home: Path) -> Path:
    """The run journal of a state home."""
    return home / "journal.db"


def sandbox_db_in(home: Path) -> Path:
    """The sandbox database of a state home."""
    return home / "sandbox.db"


def locks_in(journal_path: Path) -> Path:
    """The folder of run locks that goes with a journal (beside it, so that every process
    sharing a journal, whatever its --journal or --state-dir spelling, shares its locks)."""
    return journal_path.resolve().parent / "locks"
