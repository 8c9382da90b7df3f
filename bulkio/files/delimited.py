"""CSV / TSV / TXT reader: stdlib ``csv`` over a line iterator that knows line numbers.

Why not pandas: its C engine is fast but cannot tell on which physical line a record
starts once quoted cells span lines, and ragged rows make it raise or pad silently;
``_row`` in every report points users at a line, so correctness wins. The stdlib reader
streams one record at a time (flat memory) and keeps up (see ``bench/read_bench.py``).

Decoding happens line by line for ASCII-compatible codecs, so one bad line in an
otherwise UTF-8 file is read as Windows-1252 (and a UTF-8 line in a Windows-1252 file as
UTF-8) with a ``decoding-fallback`` warning instead of failing the file. With a forced
``encoding=`` lines are decoded with it alone and an undecodable line is an InputError.
NUL bytes are removed and reported (``nul-byte``); a stray carriage return inside a line
(not a line ending) becomes a space.
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bulkio.errors import InputError, RowIssue
from bulkio.files.detect import FALLBACK_ENCODING, Sniffed, sniff
from bulkio.files.headers import (
    HEADER_SCAN_ROWS,
    Cells,
    Record,
    guess_header,
    header_width,
    is_blank,
    make_headers,
    shape_rows,
)
from bulkio.files.table import SourceRow, Table
from bulkio.i18n import _

#: bytes of lines read and checked at once
_BLOCK_BYTES = 1 << 16
#: a UTF-8 lead byte followed by a continuation byte: without one, no line is UTF-8
_UTF8_PAIR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")

#: a 1 MB cell must read; beyond this an unbalanced quote is the likelier story
FIELD_LIMIT = 64 * 1024 * 1024


@dataclass
class _LineState:
    """Physical lines that needed repair, by 1-based line number (consumed as read)."""

    nul: set[int] = field(default_factory=set)
    fallback: set[int] = field(default_factory=set)


def _binary_lines(
    f: io.BufferedReader, path: Path, enc: str, *, forced: bool, state: _LineState
) -> Iterator[str]:
    codec = "utf-8" if enc == "utf-8-sig" else enc
    # in a file detected as single-byte, a line that is valid UTF-8 with accents was
    # pasted from elsewhere: genuine cp1252 text is practically never valid UTF-8
    utf8_lines = not forced and codec != "utf-8"
    lineno = 0
    while True:
        block = f.readlines(_BLOCK_BYTES)
        if not block:
            return
        if lineno == 0 and block[0].startswith(b"\xef\xbb\xbf"):
            block[0] = block[0][3:]
        joined = b"".join(block)
        # most blocks need no repair: decode them line by line without the checks below
        if (
            b"\x00" not in joined
            and joined.count(b"\r") == joined.count(b"\r\n")
            and not (utf8_lines and not joined.isascii() and _UTF8_PAIR.search(joined))
        ):
            try:
                texts = [line.decode(codec) for line in block]
            except UnicodeDecodeError:
                pass
            else:
                lineno += len(block)
                yield from texts
                continue
        for raw in block:
            lineno += 1
            yield _repair_line(raw, lineno, path, enc, codec, forced=forced, state=state)


def _repair_line(
    raw: bytes, lineno: int, path: Path, enc: str, codec: str, *, forced: bool, state: _LineState
) -> str:
    """One physical line as text: NUL bytes dropped, stray CRs spaced, decoded with a
    per-line fallback (see the module docstring)."""
    if b"\x00" in raw:
        state.nul.add(lineno)
        raw = raw.replace(b"\x00", b"")
    cr = raw.find(b"\r")
    if cr != -1 and not (cr == len(raw) - 2 and raw.endswith(b"\n")):
        # a stray CR inside a line makes the csv module reject the whole file
        # ("new-line character seen in unquoted field"): it becomes a space
        body = raw.rstrip(b"\r\n")
        raw = body.replace(b"\r", b" ") + raw[len(body):]
    if not forced and codec != "utf-8" and not raw.isascii():
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            state.fallback.add(lineno)
            return text
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        if forced:
            raise InputError(
                _("line {lineno} is not valid {enc} (byte {value} of the line)").format(
                    lineno=lineno, enc=enc, value=exc.start + 1),
                path=path,
                hint=_("omit --encoding to let bulkio detect it, or fix that line"),
            ) from None
        state.fallback.add(lineno)
        try:
            return raw.decode(FALLBACK_ENCODING)
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def _text_lines(
    path: Path, enc: str, *, forced: bool, state: _LineState
) -> Iterator[str]:
    # UTF-16/32 or bare-CR files: the text layer splits lines; bad bytes become U+FFFD
    # unless the encoding was forced, where they stop the read with a clear message.
    lineno = 0
    with path.open("r", encoding=enc, errors="strict" if forced else "replace",
                   newline="") as f:
        try:
            for line in f:
                lineno += 1
                if "\x00" in line:
                    state.nul.add(lineno)
                    line = line.replace("\x00", "")
                yield line.lstrip("\ufeff") if lineno == 1 else line
        except UnicodeDecodeError:
            raise InputError(_("the file is not valid {enc} after line {lineno}").format(
                enc=enc, lineno=lineno), path=path,
                             hint=_("omit --encoding to let bulkio detect it")) from None


class _Lines:
    """The physical lines fed to ``csv.reader``, numbered, with the ones of the current
    record kept in :attr:`taken` and a queue of lines to read again (:meth:`push_back`)."""

    __slots__ = ("_src", "back", "n", "taken")

    def __init__(self, src: Iterator[str]) -> None:
        self._src = src
        self.n = 0
        self.taken: list[tuple[int, str]] = []
        self.back: deque[tuple[int, str]] = deque()

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.back:
            item = self.back.popleft()
        else:
            line = next(self._src)
            self.n += 1
            item = (self.n, line)
        self.taken.append(item)
        return item[1]

    def push_back(self, items: list[tuple[int, str]]) -> None:
        self.back.extendleft(reversed(items))


def _unbalanced(taken: list[tuple[int, str]], cells: list[str], width: int,
                delimiter: str) -> bool:
    """A multi-line record that an unbalanced quote made: it swallowed lines that look like
    rows, or it ran to the end of the file with the quote still open (odd quote count)."""
    if width and _swallowed_rows(cells, width, delimiter):
        return True
    return sum(line.count('"') for _, line in taken) % 2 == 1


def _recovered(
    taken: list[tuple[int, str]], delimiter: str, end: int, reason: str
) -> tuple[list[str], RowIssue]:
    """The first line of a broken record read on its own (quotes as plain characters)."""
    start, first = taken[0]
    cells = next(csv.reader([first.rstrip("\r\n")], delimiter=delimiter,
                            quoting=csv.QUOTE_NONE), [])
    return cells, RowIssue(
        start, "unbalanced-quote",
        _("line {start} opens a double quote that is never closed ({reason} lines {start}-{end} "
          "into one row); this row is line {start} alone, reading went on at line {value}: fix "
          "the quote and import this row again").format(
            start=start, reason=reason, end=end, value=start + 1))


def _records(
    path: Path, sn: Sniffed, *, forced: bool, width: int = 0
) -> Generator[Record, None, None]:
    """Every record of the file with the physical line it starts on (blank ones too).

    A multi-line record that an unbalanced quote made (see :func:`_unbalanced`), or one the
    csv module cannot parse, becomes its first line alone with an ``unbalanced-quote``
    error naming the lines it spanned, and reading resumes on the next line.
    """
    csv.field_size_limit(FIELD_LIMIT)
    state = _LineState()
    if sn.ascii_compatible and not sn.cr_only:
        f = path.open("rb")
        raw_lines: Iterator[str] = _binary_lines(f, path, sn.encoding, forced=forced,
                                                 state=state)
    else:
        f = None
        raw_lines = _text_lines(path, sn.encoding, forced=forced, state=state)
    lines = _Lines(raw_lines)
    taken = lines.taken
    try:
        reader = csv.reader(lines, delimiter=sn.delimiter)
        while True:
            broken: str | None = None
            try:
                cells = next(reader)
            except StopIteration:
                if not taken:
                    return
                broken, cells = "the end of the file came inside a quote, reading", []
            except csv.Error as exc:
                if not taken:
                    raise InputError(_("cannot parse the file: {exc}").format(
                        exc=exc), path=path) from None
                broken, cells = f"the csv reader stopped ({exc}) after reading", []
            if not taken:  # pragma: no cover - csv returns no record without reading a line
                return
            start, end = taken[0][0], taken[-1][0]
            issues: tuple[RowIssue, ...] = ()
            if broken is None and end > start and _unbalanced(taken, cells, width,
                                                              sn.delimiter):
                broken = "it joined"
            if broken is not None and end > start:
                cells, issue = _recovered(taken, sn.delimiter, end, broken)
                lines.push_back(taken[1:])
                end = start
                issues = (issue,)
                reader = csv.reader(lines, delimiter=sn.delimiter)
            elif broken is not None:
                cells = next(csv.reader([taken[0][1].rstrip("\r\n")], delimiter=sn.delimiter,
                                        quoting=csv.QUOTE_NONE), [])
                issues = (RowIssue(start, "unbalanced-quote",
                                   _("line {start} opens a double quote that is never closed; fix "
                                     "the quote and import this row again").format(start=start)),)
            taken.clear()
            if state.nul or state.fallback:
                issues = (*_line_issues(state, start, end), *issues)
            # once per cell of the file: keep it a comprehension
            yield start, [c if c and not c.isspace() else None for c in cells], issues
    finally:
        if f is not None:
            f.close()


def _swallowed_rows(cells: list[str], width: int, delimiter: str) -> bool:
    """True when a multi-line cell holds lines that look like whole records."""
    need = max(width - 1, 2)
    for cell in cells:
        if "\n" in cell:
            inner = cell.split("\n")[1:]
            if any(line.count(delimiter) >= need for line in inner):
                return True
    return False


def _line_issues(state: _LineState, start: int, end: int) -> tuple[RowIssue, ...]:
    issues: list[RowIssue] = []
    span = range(start, end + 1)
    if any(n in state.nul for n in span):
        state.nul.difference_update(span)
        issues.append(RowIssue(start, "nul-byte", _("NUL bytes were removed from the row"),
                               severity="warning"))
    if any(n in state.fallback for n in span):
        state.fallback.difference_update(span)
        issues.append(RowIssue(start, "decoding-fallback",
                               _("the row does not fit the file's encoding; read with a fallback "
                                 "(Windows-1252 or UTF-8)"), severity="warning"))
    return tuple(issues)


def _find_header(
    path: Path, records: Iterator[Record], header_row: int | None
) -> tuple[int, Cells]:
    """Consume records up to and including the header; return its line and cells."""
    if header_row is not None:
        for start, cells, _issues in records:
            if start == header_row:
                if is_blank(cells):
                    break
                return start, cells
            if start > header_row:
                break
        raise InputError(_("line {header_row} is blank, inside another record, or past the end of "
                           "the file").format(header_row=header_row), path=path,
                         hint=_("pass the line number where the header row starts"))
    sample: list[Record] = []
    for rec in records:
        if not is_blank(rec[1]):
            sample.append(rec)
            if len(sample) >= HEADER_SCAN_ROWS:
                break
    if not sample:
        raise InputError(_("the file has no header and no rows (only blank lines)"), path=path,
                         hint=_("export the sheet again with its header row"))
    pick = guess_header([r[1] for r in sample])
    return sample[pick][0], sample[pick][1]


def read_delimited(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    header_row: int | None = None,
) -> Table:
    """Open a CSV/TSV/TXT file: detect its shape, read its header, stream its rows."""
    sn = sniff(path, encoding=encoding, delimiter=delimiter)
    forced = encoding is not None
    head_records = _records(path, sn, forced=forced)
    try:
        head_line, head_cells = _find_header(path, head_records, header_row)
    finally:
        head_records.close()
    width = header_width(head_cells)
    headers = make_headers(head_cells[:width])

    def rows() -> Iterator[SourceRow]:
        records = _records(path, sn, forced=forced, width=width)
        try:
            yield from shape_rows(records, headers, after=head_line, extra_sep=sn.delimiter)
        finally:
            records.close()

    return Table(
        path=path,
        format="csv",
        headers=headers,
        rows=rows(),
        encoding=sn.encoding,
        delimiter=sn.delimiter,
        header_row=head_line,
    )

