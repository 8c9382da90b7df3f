"""Safe file writes: an exclusive temp file with an unpredictable name, renamed into place.

Every file bulkio writes (reports, exports, the export state) goes through :class:`AtomicFile`:

* the temp file is created beside the target by :func:`tempfile.mkstemp` (``O_CREAT |
  O_EXCL``, and ``O_NOFOLLOW`` where the platform has it), named
  ``.<target name>.<pid>-<random>.tmp``, so a planted file or symlink is never opened or
  followed, and the rename stays on one file system;
* the target is replaced by :func:`os.replace` only once the whole file is written, so a
  full disk, a read-only folder or a kill leaves the previous file as it was;
* leftovers of a killed run (a temp file whose process is gone, or older than a day where
  processes cannot be checked) are removed by the next write to the same target;
* an ``OSError`` becomes one :class:`~bulkio.errors.InputError` naming the path
  (:func:`write_error`), which the CLI prints as one line and exit code 1.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import tempfile
import time
from pathlib import Path
from typing import IO

from bulkio.errors import InputError
from bulkio.i18n import _

__all__ = [
    "XLSX_MAX_CHARS", "AtomicFile", "LongCells", "clean_leftovers", "write_error",
    "write_text_atomic",
]

log = logging.getLogger("bulkio.safe_write")

_SUFFIX = ".tmp"
_STALE_S = 24 * 3600  # leftovers whose process cannot be checked are removed after a day
_HINTS = {
    errno.ENOSPC: "free some disk space (or write elsewhere) and run the command again",
    errno.EFBIG: "the file is larger than this system allows; write it elsewhere",
    errno.EROFS: "the folder is read-only; write the file in a writable folder",
    errno.EACCES: "you cannot write in that folder; choose another or fix its permissions",
    errno.EPERM: "you cannot write in that folder; choose another or fix its permissions",
    errno.EDQUOT: "your disk quota is full; free some space and run the command again",
}


def write_error(path: Path, exc: OSError) -> InputError:
    """The one-line error for an ``OSError`` while writing ``path`` (never a traceback)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return InputError(
        _("cannot write the file: {reason}").format(reason=reason),
        path=path,
        hint=_HINTS.get(exc.errno or 0, "check the folder and run the command again; "
                        "the previous file, if any, is unchanged"),
    )


def _alive(pid: int) -> bool | None:
    """Whether process ``pid`` runs (None: cannot tell on this platform)."""
    if os.name != "posix":
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def clean_leftovers(final: Path) -> int:
    """Remove temp files a killed run left beside ``final``; how many were removed."""
    pattern = re.compile(re.escape(f".{final.name}.") + r"(\d+)[-.].*" + re.escape(_SUFFIX)
                         + r"$|" + re.escape(f".{final.name}.") + r"(\d+)" + re.escape(_SUFFIX)
                         + "$")
    removed = 0
    try:
        entries = list(final.parent.iterdir())
    except OSError:
        return 0
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None:
            continue
        pid = int(match.group(1) or match.group(2))
        alive = _alive(pid)
        if alive is None:
            try:
                alive = time.time() - entry.lstat().st_mtime < _STALE_S
            except OSError:
                continue
        if alive:
            continue
        with contextlib.suppress(OSError):
            entry.unlink()  # a symlink is removed itself, never its target
            removed += 1
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted run beside %s",
                 removed, final)
    return removed


class AtomicFile:
    """A temp file beside ``final`` that becomes ``final`` on :meth:`commit`.

    ``path`` is the temp file (created empty, mode 0600, exclusively); write it, then
    :meth:`commit` or :meth:`discard`. Errors are :class:`InputError` naming ``final``.
    """

    def __init__(self, final: Path, *, make_parent: bool = False) -> None:
        self.final = final
        if final.is_dir():
            raise InputError(f"{final} is a folder", path=final,
                             hint=_("give a file name, e.g. -o contacts.csv"))
        try:
            if make_parent:
                final.parent.mkdir(parents=True, exist_ok=True)
            clean_leftovers(final)
            fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.{os.getpid()}-",
                                        suffix=_SUFFIX)
        except OSError as exc:
            raise write_error(final, exc) from exc
        self._fd: int | None = fd
        self.path = Path(name)

    def open_text(self, *, encoding: str = "utf-8", buffering: int = -1) -> IO[str]:
        """The temp file as a text stream (the descriptor mkstemp opened, never reopened)."""
        if self._fd is None:
            raise ValueError("the temp file is already open or closed")
        fd, self._fd = self._fd, None
        return os.fdopen(fd, "w", encoding=encoding, newline="", buffering=buffering)

    def discard_fd(self) -> None:
        """Close the descriptor, for writers that open :attr:`path` by name (xlsxwriter)."""
        self._close_fd()

    def _close_fd(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def commit(self) -> None:
        """Give the temp file normal permissions and rename it over ``final``."""
        self._close_fd()
        try:
            if os.name == "posix":
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(self.path, 0o666 & ~umask)
            os.replace(self.path, self.final)
        except OSError as exc:
            self.discard()
            raise write_error(self.final, exc) from exc

    def discard(self) -> None:
        """Remove the temp file; ``final`` is untouched."""
        self._close_fd()
        with contextlib.suppress(OSError):
            self.path.unlink()


def write_text_atomic(final: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``final`` through an :class:`AtomicFile`, fsync'd."""
    tmp = AtomicFile(final, make_parent=True)
    try:
        with tmp.open_text() as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        tmp.discard()
        raise write_error(final, exc) from exc
    except BaseException:
        tmp.discard()
        raise
    tmp.commit()


#: Excel's per-cell text limit (characters)
XLSX_MAX_CHARS = 32_767


class LongCells:
    """The full text of XLSX cells past Excel's 32,767-character limit, kept beside the
    workbook in ``<workbook stem>.long-cells.jsonl`` (one JSON object per cell: ``sheet``,
    ``row`` and ``column`` as Excel shows them, ``header``, ``length``, ``value``).

    The workbook cell holds the first 32,767 characters; the sidecar is created on the
    first long cell only, written atomically and committed or discarded with the workbook.
    """

    def __init__(self, workbook: Path) -> None:
        self.path = workbook.with_name(f"{workbook.stem}.long-cells.jsonl")
        self.count = 0
        self._tmp: AtomicFile | None = None
        self._fh: IO[str] | None = None

    def cut(self, value: str, *, sheet: str, row: int, col: int, header: str) -> str:
        """``value`` as the cell can hold it; the full text goes to the sidecar."""
        if len(value) <= XLSX_MAX_CHARS:
            return value
        if self._fh is None:
            self._tmp = AtomicFile(self.path)
            self._fh = self._tmp.open_text()
        record = {"sheet": sheet, "row": row + 1, "column": _column_letter(col),
                  "header": header, "length": len(value), "value": value}
        try:
            self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise write_error(self.path, exc) from exc
        self.count += 1
        return value[:XLSX_MAX_CHARS]

    def commit(self) -> Path | None:
        """Move the sidecar into place (None when no cell was too long)."""
        if self._fh is None or self._tmp is None:
            return None
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
        except OSError as exc:
            self.discard()
            raise write_error(self.path, exc) from exc
        self._tmp.commit()
        log.warning("%d cell(s) are longer than Excel's %d characters: the workbook holds "
                    "their start, the full text is in %s", self.count, XLSX_MAX_CHARS,
                    self.path)
        return self.path

    def discard(self) -> None:
        """Drop the sidecar's temp file."""
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.close()
        if self._tmp is not None:
            self._tmp.discard()


def _column_letter(col: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
