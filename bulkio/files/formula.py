"""Spreadsheet formula-injection guard for every file bulkio writes (reports, exports).

Rule (OWASP "CSV Injection"): a cell whose text starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return may be evaluated as a formula by Excel, LibreOffice or Google
Sheets. In CSV output such a cell is prefixed with a single quote (``'``), which every
spreadsheet shows as text and hides. There is deliberately no exception for values that
look like numbers or phones (``-5``, ``+52 55 1234 5678``): deciding "looks harmless" is
exactly what attackers exploit (``+52+HYPERLINK(...)``). In XLSX output cells are written
with ``write_string``, which Excel never evaluates, so XLSX needs no prefix.

Reading a bulkio CSV back (a fixed failure file fed to ``bulkio import``) should undo the
prefix with :func:`unneutralize` so that ``'+5215512345678`` is a phone again.
"""

from __future__ import annotations

#: first characters that make a spreadsheet treat a cell as a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str) -> str:
    """Return ``value`` safe for a CSV cell: prefixed with ``'`` if it could start a formula."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unneutralize(value: str) -> str:
    """Undo :func:`neutralize`: drop a ``'`` that precedes a formula character."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value
