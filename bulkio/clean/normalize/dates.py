"""Dates (dateOfBirth and date custom fields) -> ``YYYY-MM-DD``.

Accepted forms:

* ISO ``1990-06-05`` (also ``/ . _`` separated) and ISO datetimes as readers emit them
  (``1990-06-05 00:00:00``, ``1990-06-05T00:00:00Z``); compact ``19900605``;
* numeric ``a/b/yyyy`` and ``a/b/yy`` with ``/ - . _`` or space separators, read with the
  column's :data:`DateOrder`; a trailing time (``05/06/1990 00:00``) is ignored;
* Excel serial day numbers of five digits (``32874`` -> 1990-01-01; 10000 is 1927-05-18);
* month names and abbreviations in English and Spanish: ``5 de junio de 1990``,
  ``05-jun-1990``, ``5/Jun/1990``, ``June 5, 1990``, ``jun 5 1990``, ``sept``/``set``;
  a leading weekday (``lunes,``, ``Tue``) is ignored.

Two-digit years pivot on ``today``: ``yy`` up to this year's two digits is 20yy, above is
19yy (in 2026, ``25`` -> 2025 and ``27`` -> 1927), the usual reading for birth dates.

The day/month order of ``a/b/yyyy`` values is a property of the column, not of a value:
the caller runs :func:`detect_date_order` over the column (or takes ``--date-order``) and
passes the result to every :func:`normalize_date` call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Literal

from bulkio.clean.normalize import Result, accept, reject
from bulkio.i18n import _, language_cache

__all__ = ["DateOrder", "detect_date_order", "needs_order", "normalize_date"]

DateOrder = Literal["DMY", "MDY", "YMD"]

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 once Excel's 1900 leap bug is skipped

_TIME = (
    r"(?:[T ]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"\s*(?:[aApP]\.?[mM]\.?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_YEAR_FIRST = re.compile(r"^(\d{4})([-/._])(\d{1,2})\2(\d{1,2})" + _TIME + "$")
_NUMERIC = re.compile(r"^(\d{1,2})([-/._ ])(\d{1,2})\2(\d{4}|\d{2})" + _TIME + "$")
_COMPACT = re.compile(r"^(19|20)(\d{2})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")
_ORDINAL = re.compile(r"^(\d{1,4})(?:st|nd|rd|th|º|°|o|er)?$")
_TOKEN_SPLIT = re.compile(r"[\s,/\-._]+")

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("january", "jan", "enero", "ene"),
        ("february", "feb", "febrero"),
        ("march", "mar", "marzo"),
        ("april", "apr", "abril", "abr"),
        ("may", "mayo"),
        ("june", "jun", "junio"),
        ("july", "jul", "julio"),
        ("august", "aug", "agosto", "ago"),
        ("september", "sep", "sept", "septiembre", "setiembre", "set"),
        ("october", "oct", "octubre"),
        ("november", "nov", "noviembre"),
        ("december", "dec", "diciembre", "dic"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_WEEKDAYS = frozenset(
    [
        "monday",
        "mon",
        "tuesday",
        "tue",
        "tues",
        "wednesday",
        "wed",
        "thursday",
        "thu",
        "thur",
        "thurs",
        "friday",
        "fri",
        "saturday",
        "sat",
        "sunday",
        "sun",
        "lunes",
        "lun",
        "martes",
        "miercoles",
        "miércoles",
        "mie",
        "mié",
        "jueves",
        "jue",
        "viernes",
        "vie",
        "sabado",
        "sábado",
        "sab",
        "sáb",
        "domingo",
        "dom",
    ]
)
_FILLERS = frozenset({"de", "del", "of", "the"})


def _split_numeric(raw: str) -> tuple[int, int, str] | None:
    """``(a, b, year_text)`` of an ``a/b/y`` value, or None."""
    found = _NUMERIC.match(raw.strip())
    if found is None:
        return None
    return int(found.group(1)), int(found.group(3)), found.group(4)


def needs_order(raw: str) -> bool:
    """True when ``raw`` is ``a/b/y`` whose day-first and month-first readings differ."""
    parts = _split_numeric(raw)
    if parts is None:
        return False
    a, b, year = parts
    if len(year) == 2 and a > 31:
        return False
    return 1 <= a <= 12 and 1 <= b <= 12 and a != b


def detect_date_order(values: Iterable[str]) -> DateOrder | None:
    """The column's order, proven by its values, or None when nothing or both are proven.

    A first part above 12 proves day-first, a second part above 12 proves month-first, a
    first part above 31 with a two-digit year proves year-first. Without proof the answer
    is None, and :func:`normalize_date` then rejects only the truly ambiguous values.
    """
    proofs: set[DateOrder] = set()
    for raw in values:
        parts = _split_numeric(raw)
        if parts is None:
            continue
        a, b, year = parts
        if len(year) == 2 and a > 31:
            proofs.add("YMD")
        elif 12 < a <= 31 and 1 <= b <= 12:
            proofs.add("DMY")
        elif 12 < b <= 31 and 1 <= a <= 12:
            proofs.add("MDY")
        if len(proofs) > 1:
            return None
    return next(iter(proofs)) if proofs else None


def _full_year(year: int, digits: int, today: date) -> int:
    if digits == 4:
        return year
    pivot = today.year % 100
    century = (today.year // 100) * 100
    return century + year if year <= pivot else century - 100 + year


def _build(year: int, month: int, day: int, raw: str) -> date | Result:
    if not 1 <= month <= 12:
        return reject("impossible-date", _("{raw} has no month {month}").format(
            raw=repr(raw), month=month))
    try:
        return date(year, month, day)
    except ValueError:
        return reject("impossible-date", _("{raw} does not exist ({day} of month {month})").format(
            raw=repr(raw), day=day, month=month))


def _numeric(
    raw: str, parts: tuple[int, int, str], order: DateOrder | None, today: date
) -> date | Result:
    a, b, year_text = parts
    if len(year_text) == 2 and (order == "YMD" or (order is None and a > 31)):
        # yy/mm/dd: the first part is the year
        return _build(_full_year(a, 2, today), b, int(year_text), raw)
    year = _full_year(int(year_text), len(year_text), today)
    if a == b:
        return _build(year, a, b, raw)
    if a > 12 and b > 12:
        return reject("impossible-date", _("{raw} has no month (both parts above 12)").format(
            raw=repr(raw)))
    if a > 12:
        if order == "MDY":
            return reject("impossible-date",
                _("{raw} has no month {a} (column is month-first)").format(
                raw=repr(raw), a=a))
        return _build(year, b, a, raw)
    if b > 12:
        if order == "DMY":
            return reject("impossible-date",
                _("{raw} has no month {b} (column is day-first)").format(
                raw=repr(raw), b=b))
        return _build(year, a, b, raw)
    if order == "DMY":
        return _build(year, b, a, raw)
    if order == "MDY":
        return _build(year, a, b, raw)
    return reject(
        "ambiguous-date",
        _("{raw} reads as day-first or month-first and the column does not say which; pass "
          "--date-order DMY or MDY").format(raw=repr(raw)),
    )


def _named(raw: str, today: date) -> date | Result | None:
    """Dates written with a month name; None when ``raw`` has no month name."""
    tokens = [t for t in _TOKEN_SPLIT.split(raw.casefold()) if t]
    while tokens and tokens[0] in _WEEKDAYS:
        tokens.pop(0)
    tokens = [t for t in tokens if t not in _FILLERS]
    month_at = [i for i, t in enumerate(tokens) if t in _MONTHS]
    if len(month_at) != 1 or len(tokens) != 3:
        return None
    where = month_at[0]
    month = _MONTHS[tokens[where]]
    numbers: list[str] = []
    for i, token in enumerate(tokens):
        if i == where:
            continue
        found = _ORDINAL.match(token)
        if found is None:
            return None
        numbers.append(found.group(1))
    first, second = numbers
    if where == 1 and len(first) == 4:  # 1990-jun-05
        year_text, day_text = first, second
    elif len(second) in (2, 4) and len(first) <= 2:  # 5 jun 1990 / jun 5 1990
        day_text, year_text = first, second
    else:
        return None
    if len(year_text) not in (2, 4):
        return None
    return _build(_full_year(int(year_text), len(year_text), today), month, int(day_text), raw)


def _parse(raw: str, order: DateOrder | None, today: date) -> date | Result:
    text = raw.strip()
    found = _YEAR_FIRST.match(text)
    if found:
        return _build(int(found.group(1)), int(found.group(3)), int(found.group(4)), raw)
    parts = _split_numeric(text)
    if parts is not None:
        return _numeric(raw, parts, order, today)
    found = _COMPACT.match(text)
    if found:
        year = int(found.group(1) + found.group(2))
        return _build(year, int(found.group(3)), int(found.group(4)), raw)
    found = _SERIAL.match(text)
    if found:
        return _EXCEL_EPOCH + timedelta(days=int(found.group(1)))
    named = _named(text, today)
    if named is not None:
        return named
    return reject("invalid-date", _("{raw} is not a date bulkio can read").format(raw=repr(raw)))


@language_cache(maxsize=65_536)
def _normalize(raw: str, order: DateOrder | None, today: date, allow_future: bool) -> Result:
    parsed = _parse(raw, order, today)
    if isinstance(parsed, Result):
        return parsed
    if parsed > today and not allow_future:
        return reject("impossible-date", _("{raw} is {isoformat}, in the future").format(
            raw=repr(raw), isoformat=parsed.isoformat()))
    return accept(parsed.isoformat())


def normalize_date(
    raw: str,
    *,
    order: DateOrder | None,
    today: date | None = None,
    allow_future: bool = False,
) -> Result:
    """``YYYY-MM-DD``; ``order`` reads ambiguous ``a/b/y`` values (None rejects them)."""
    return _normalize(raw, order, today or date.today(), allow_future)
