"""Pure normalizers: raw cell text in, API-ready value (or a row-issue code) out.

Every normalizer takes the raw text (already stripped of surrounding whitespace by the
caller, never empty: empty cells are skipped before normalization) plus keyword-only
options, and returns a :class:`Result`. None of them does I/O; the expensive ones cache by
distinct input value.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from bulkio.i18n import _


@dataclass(frozen=True)
class Result:
    """A normalized value, or why there is none.

    ``code`` is a slug from :data:`bulkio.errors.CODES` when the value is rejected
    (``value`` is then None) or kept with a warning (``warning`` True, ``value`` set).
    """

    value: Any = None
    code: str | None = None
    message: str = ""
    warning: bool = False

    @property
    def ok(self) -> bool:
        return self.code is None or self.warning


def accept(value: Any) -> Result:
    """A valid value."""
    return Result(value=value)


def reject(code: str, message: str) -> Result:
    """An invalid value: the field cannot be sent."""
    return Result(value=None, code=code, message=message)


#: Unicode categories removed from identifiers (emails, phones): Cc control characters,
#: Cf format characters (zero-width space U+200B, soft hyphen U+00AD, bidi controls U+200E/F,
#: U+202A-E, U+2066-9, the BOM U+FEFF...), Zl/Zp line and paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def strip_invisible(text: str) -> tuple[str, list[str]]:
    """``text`` without invisible and control characters, and their names (``U+200B``)."""
    if text.isascii() and text.isprintable():
        return text, []
    kept: list[str] = []
    removed: list[str] = []
    for ch in text:
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            removed.append(f"U+{ord(ch):04X}")
        else:
            kept.append(ch)
    return ("".join(kept), removed) if removed else (text, [])


def flag_invisible(result: Result, removed: list[str]) -> Result:
    """``result`` turned into an ``invisible-characters`` warning when characters were
    removed and the value is valid (a rejection stays a rejection)."""
    if not removed or result.code is not None or result.value is None:
        return result
    names = ", ".join(dict.fromkeys(removed))
    note = f"; {result.message}" if result.message else ""
    return Result(value=result.value, code="invisible-characters",
                  message=_("removed invisible characters ({names}){note}").format(
                      names=names, note=note), warning=True)
