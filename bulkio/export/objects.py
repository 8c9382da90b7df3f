"""``export --jsonl-raw``: the API's objects as they came, one JSON object per line.

Unlike the JSONL of flattened columns, nothing is renamed, joined or re-shaped: a contact
keeps its nested ``dndSettings``, ``attributionSource``, ``customFields`` list and every
key the API answered (the search's ``searchAfter`` cursor excepted). Related items
(``--include``) go to sibling files ``<stem>.notes.jsonl`` ... with their ``contactId``.
Files are written beside the target and renamed into place on commit, like every export.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from bulkio.errors import InputError
from bulkio.i18n import _

__all__ = ["ObjectsOutput"]

#: keys of a search result that belong to the paging, not to the contact
_PAGING_KEYS = frozenset({"searchAfter"})


class _ObjectSheet:
    def __init__(self, stream: IO[str]) -> None:
        self.rows = 0
        self._stream = stream

    def write_rows(self, rows: Iterable[Any]) -> None:
        lines = [json.dumps({k: v for k, v in r.items() if k not in _PAGING_KEYS},
                            ensure_ascii=False)
                 for r in rows if isinstance(r, Mapping)]
        if lines:
            self._stream.write("\n".join(lines) + "\n")
        self.rows += len(lines)


class ObjectsOutput:
    """The target file (or ``stream``) and its sibling files, committed together."""

    def __init__(self, path: Path | None, *, stream: IO[str] | None = None) -> None:
        self._path = path
        self._stream = stream
        self._open: list[tuple[Path, Path, IO[str]]] = []

    def add_sheet(self, name: str, headers: Sequence[str], *,
                  text_columns: Sequence[int] = ()) -> _ObjectSheet:
        if self._path is None:
            assert self._stream is not None
            return _ObjectSheet(self._stream)
        final = (self._path if not self._open
                 else self._path.with_name(f"{self._path.stem}.{name}{self._path.suffix}"))
        try:
            fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.",
                                       suffix=".tmp")
        except OSError as exc:
            raise InputError(_("cannot write in {parent}: {strerror}").format(
                parent=final.parent, strerror=exc.strerror), path=final,
                             hint=_("check that the folder exists and is writable")) from exc
        handle = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self._open.append((final, Path(tmp), handle))
        return _ObjectSheet(handle)

    def commit(self) -> list[Path]:
        umask = os.umask(0)
        os.umask(umask)
        for final, tmp, handle in self._open:
            handle.close()
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, final)
        return [final for final, _, _ in self._open]

    def abort(self) -> None:
        for _final, tmp, handle in self._open:
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
