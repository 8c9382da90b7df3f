"""Pure normalizers: raw cell text in, API-ready value (or a row-issue code) out.

Every normalizer takes the raw text (already stripped of surrounding whitespace by the
caller, never empty: empty cells are skipped before normalization) plus keyword-only
options, and returns a :class:`Result`. None of them does I/O; the expensive ones cache by
distinct input value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
