"""Sniffing bytes: file kind, text encoding and delimiter, from a sample of the file."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bulkio.errors import InputError
from bulkio.i18n import _

#: bytes read for detection; grown until a few complete lines are in
SAMPLE_BYTES = 64 * 1024
_SAMPLE_MAX = 32 * 1024 * 1024
_SAMPLE_LINES = 20

DELIMITERS = (",", ";", "\t", "|")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook or another zip file",
     "if it is a workbook, rename it to .xlsx"),
    (b"\xd0\xcf\x11\xe0", "a legacy Excel (.xls) or other Office file",
     "open it in Excel and save it as .xlsx or CSV"),
    (b"\x89PNG", "a PNG image", "export the spreadsheet as CSV or .xlsx"),
    (b"\xff\xd8\xff", "a JPEG image", "export the spreadsheet as CSV or .xlsx"),
    (b"GIF8", "a GIF image", "export the spreadsheet as CSV or .xlsx"),
    (b"%PDF", "a PDF document", "export the spreadsheet as CSV or .xlsx"),
)

#: the codec used for a line that is not valid in the detected (unforced) encoding
FALLBACK_ENCODING = "cp1252"


@dataclass(frozen=True)
class Sniffed:
    """What the sample tells: encoding (Python codec name) and delimiter."""

    encoding: str
    delimiter: str
    #: False for UTF-16/32, whose lines cannot be split on b"\n"
    ascii_compatible: bool
    #: True when lines end with a bare CR (classic Mac)
    cr_only: bool


def read_sample(path: Path) -> tuple[bytes, bool]:
    """The first bytes of the file (at least a few whole lines) and whether that is all."""
    with path.open("rb") as f:
        sample = f.read(SAMPLE_BYTES)
        while sample.count(b"\n") < _SAMPLE_LINES and len(sample) < _SAMPLE_MAX:
            more = f.read(SAMPLE_BYTES)
            if not more:
                return sample, True
            sample += more
        return sample, not f.read(1)


def check_not_binary(path: Path, sample: bytes) -> None:
    """Raise InputError for an empty file or bytes that are not text."""
    if not sample:
        raise InputError(_("the file is empty (0 bytes)"), path=path,
                         hint=_("export the sheet again; the file has no header and no rows"))
    for magic, what, hint in _MAGIC:
        if sample.startswith(magic):
            raise InputError(_("this is {what}, not a CSV/text file").format(
                what=what), path=path, hint=hint)
    if any(sample.startswith(bom) for bom, _ in _BOMS) or _utf16_without_bom(sample):
        return  # NULs and low bytes are what UTF-16/32 text looks like
    head = sample[:8192]
    controls = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D))
    if controls * 10 > len(head):
        raise InputError(_("the file is binary, not text"), path=path,
                         hint=_("export the spreadsheet as CSV (UTF-8) or .xlsx"))


def _utf16_without_bom(sample: bytes) -> str | None:
    head = sample[:4096]
    if len(head) < 4:
        return None
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    half = len(head) // 2
    if odd * 10 > half * 3 and even * 10 < half:
        return "utf-16-le"
    if even * 10 > half * 3 and odd * 10 < half:
        return "utf-16-be"
    return None


def detect_encoding(sample: bytes, *, complete: bool) -> str:
    """Best codec for the sample: BOM first, then UTF-16 without BOM, UTF-8, then
    Windows-1252 or Mac Roman (what Excel for Mac's plain "CSV" writes).

    A file is read as UTF-8 when at least as many of its non-ASCII lines are valid UTF-8
    as are not, so a UTF-8 file with one stray Windows-1252 line stays UTF-8 (that line
    falls back on its own, see the CSV reader).
    """
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            return codec
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    lines = sample.split(b"\n")
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last one may be cut mid-character
    good = bad = 0
    high = bytearray()
    for line in lines:
        if line.isascii():
            continue
        high.extend(b for b in line if b >= 0x80)
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
        else:
            good += 1
    if bad > good:
        return _single_byte_codec(bytes(high))
    return "utf-8"


# letters and signs of Spanish/Portuguese text: in the right single-byte codec most
# non-ASCII bytes of a contact list decode to one of these
_LATIN = frozenset("áéíóúñüÁÉÍÓÚÑÜ¿¡çÇãõâêôÃÕÂÊÔ€ºª°")


def _single_byte_codec(high: bytes) -> str:
    """Windows-1252 unless Mac Roman reads clearly more of the bytes as accented letters."""
    def score(codec: str) -> int:
        return sum(ch in _LATIN for ch in high.decode(codec, errors="replace"))

    return "mac_roman" if score("mac_roman") > score(FALLBACK_ENCODING) else FALLBACK_ENCODING


def check_encoding_name(path: Path, encoding: str) -> str:
    """The canonical codec name, or InputError for an unknown encoding."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(_("unknown encoding {encoding}").format(encoding=repr(encoding)),
                         path=path,
                         hint=_("use a Python codec name such as utf-8, cp1252, latin-1, "
                                "utf-16")) from None


def is_ascii_compatible(encoding: str) -> bool:
    """True when the codec writes ASCII (and so b"\\n") as single plain bytes."""
    try:
        return "\n,;|\t\"a".encode(encoding) == b"\n,;|\t\"a"
    except (UnicodeError, LookupError):
        return False


def sniff_delimiter(text: str, *, complete: bool) -> str:
    """The candidate delimiter that splits the sample's records most consistently.

    For each of ``,`` ``;`` tab ``|`` the sample is parsed as CSV; the winner has the
    highest share of records with the most common cell count (>1), then the most cells.
    Ties go to the earlier candidate; a one-column file gets ``,``.
    """
    best: tuple[bool, float, int] | None = None
    chosen = ","
    for delim in DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
            counts = [len(r) for r in reader if r]
        except csv.Error:
            continue
        if not complete and len(counts) > 1:
            counts = counts[:-1]
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        key = (mode > 1, round(freq / len(counts), 1), mode)
        if best is None or key > best:
            best, chosen = key, delim
    return chosen


def sniff(path: Path, *, encoding: str | None, delimiter: str | None) -> Sniffed:
    """Detect (or check the forced) encoding and delimiter of a text table."""
    sample, complete = read_sample(path)
    check_not_binary(path, sample)
    if encoding is not None:
        codec = check_encoding_name(path, encoding)
        try:
            text = sample.decode(codec) if complete else _decode_prefix(sample, codec)
        except UnicodeDecodeError as exc:
            raise InputError(
                _("the file is not valid {encoding} (byte {start}: {sample})").format(
                    encoding=encoding,
                        start=exc.start, sample=repr(sample[exc.start:exc.start + 1])),
                path=path,
                hint=_("omit --encoding to let bulkio detect it, or try cp1252 / utf-8"),
            ) from None
    else:
        codec = detect_encoding(sample, complete=complete)
        text = sample.decode(codec, errors="replace")
    if codec in ("utf-8", "utf_8") and sample.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    text = text.lstrip("\ufeff")
    if not text.strip().replace("\x00", ""):
        raise InputError(_("the file has no header and no rows (only blank lines)"), path=path,
                         hint=_("export the sheet again with its header row"))
    if delimiter is None:
        delim = sniff_delimiter(text, complete=complete)
    else:
        delim = "\t" if delimiter in ("\\t", "tab", "TAB") else delimiter
        if len(delim) != 1:
            raise InputError(_("the delimiter must be one character, not {delimiter}").format(
                delimiter=repr(delimiter)),
                             path=path, hint=_("use one of , ; | or \\t"))
    cr_only = "\r" in text and "\n" not in text
    return Sniffed(codec, delim, is_ascii_compatible(codec), cr_only)


def _decode_prefix(sample: bytes, codec: str) -> str:
    """Decode a sample that may end mid-character: the incomplete tail is ignored."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    return decoder.decode(sample, final=False)
