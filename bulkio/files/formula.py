"""Spreadsheet formula-injection guard for every file bulkio writes (reports, exports).

Rule (OWASP "CSV Injection"): a cell whose text starts with ``=``, ``+``, ``-``, ``@``,
a tab, a carriage return or a line feed may be evaluated as a formula by Excel,
LibreOffice or Google Sheets. In CSV output such a cell is prefixed with a single quote
(``'``), which every spreadsheet shows as text and hides.

The one exception is a value that *cannot* be a formula: a plain number, optionally signed,
with digits only (``+528102978753``, ``-5``, ``-12.50``, ``1e5``). Without a letter, a
quote, a parenthesis, an operator after the sign or a separator there is no function to
call and no cell to reference, so it is written as it is (a phone stays E.164 text with no
apostrophe). Anything else after the sign (``+52 55 1234 5678``, ``-2+3``,
``+52+HYPERLINK(...)``) is neutralized. Values that do not start with a prefix (dates,
``a=b``) are never touched. In XLSX output cells are written with ``write_string``, which
Excel never evaluates, so XLSX needs no prefix.

Reading a bulkio CSV back (a fixed failure file fed to ``bulkio import``) undoes the prefix
with :func:`unneutralize` so that ``'+52 55 1234 5678`` is a phone again.
"""

from __future__ import annotations

import re

#: first characters that make a spreadsheet treat a cell as a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

#: a signed plain number: digits, at most one decimal point, an optional exponent
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_inert(value: str) -> bool:
    """True for a signed plain number (``+528102978753``, ``-5``): it cannot be a formula."""
    return _PLAIN_NUMBER.fullmatch(value) is not None


def neutralize(value: str) -> str:
    """Return ``value`` safe for a CSV cell: prefixed with ``'`` if it could start a formula."""
    if value and value.startswith(FORMULA_PREFIXES) and not is_inert(value):
        return "'" + value
    return value


def unneutralize(value: str) -> str:
    """Undo :func:`neutralize`: drop a ``'`` that precedes a formula character."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value
