"""Dates -> YYYY-MM-DD, with the day/month order decided per column."""

from __future__ import annotations

from datetime import date

import pytest

from bulkio.clean.normalize.dates import DateOrder, detect_date_order, needs_order, normalize_date

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("raw", "order", "expected"),
    [
        # ISO and what readers emit for Excel dates
        ("1990-06-05", None, "1990-06-05"),
        ("1990-6-5", None, "1990-06-05"),
        ("1990/06/05", None, "1990-06-05"),
        ("1990.06.05", None, "1990-06-05"),
        ("1990_06_05", None, "1990-06-05"),
        ("1990-06-05 00:00:00", None, "1990-06-05"),
        ("1990-06-05T00:00:00", None, "1990-06-05"),
        ("1990-06-05T13:45:10.123Z", None, "1990-06-05"),
        ("1990-06-05T00:00:00-06:00", None, "1990-06-05"),
        ("19900605", None, "1990-06-05"),
        # day-first and month-first columns
        ("05/06/1990", "DMY", "1990-06-05"),
        ("05/06/1990", "MDY", "1990-05-06"),
        ("5-6-1990", "DMY", "1990-06-05"),
        ("05.06.1990", "DMY", "1990-06-05"),
        ("05_06_1990", "MDY", "1990-05-06"),
        ("05 06 1990", "DMY", "1990-06-05"),
        ("05/06/1990 00:00", "DMY", "1990-06-05"),
        ("6/5/1990 12:00:00 AM", "MDY", "1990-06-05"),
        # one part above 12 decides whatever the column says (or does not say)
        ("25/06/1990", None, "1990-06-25"),
        ("06/25/1990", None, "1990-06-25"),
        ("25/06/1990", "DMY", "1990-06-25"),
        ("06/25/1990", "MDY", "1990-06-25"),
        ("07/07/1990", None, "1990-07-07"),  # both readings are the same day
        # two-digit years pivot on today (2026): 00-26 -> 20yy, 27-99 -> 19yy
        ("05/06/90", "DMY", "1990-06-05"),
        ("05/06/26", "DMY", "2026-06-05"),
        ("05/06/27", "DMY", "1927-06-05"),
        ("25/12/85", None, "1985-12-25"),
        ("90/06/05", None, "1990-06-05"),
        ("90/06/05", "YMD", "1990-06-05"),
        ("01/06/05", "YMD", "2001-06-05"),
        # Excel serial day numbers
        ("32874", None, "1990-01-01"),
        ("32874.0", None, "1990-01-01"),
        ("33029", "DMY", "1990-06-05"),
        ("10000", None, "1927-05-18"),
        # month names, English and Spanish
        ("5 de junio de 1990", None, "1990-06-05"),
        ("5 de Junio del 1990", None, "1990-06-05"),
        ("05-jun-1990", None, "1990-06-05"),
        ("05-Jun-90", None, "1990-06-05"),
        ("5/Jun/1990", None, "1990-06-05"),
        ("June 5, 1990", None, "1990-06-05"),
        ("June 5th, 1990", None, "1990-06-05"),
        ("jun 5 1990", None, "1990-06-05"),
        ("JUN. 5, 1990", None, "1990-06-05"),
        ("5 June 1990", None, "1990-06-05"),
        ("1990-jun-05", None, "1990-06-05"),
        ("5 sept 1990", None, "1990-09-05"),
        ("5 set 1990", None, "1990-09-05"),
        ("5 de setiembre de 1990", None, "1990-09-05"),
        ("12-ene-1985", None, "1985-01-12"),
        ("1 abr 1985", None, "1985-04-01"),
        ("3 ago 1985", None, "1985-08-03"),
        ("24 dic 1985", None, "1985-12-24"),
        ("1º de mayo de 1980", None, "1980-05-01"),
        # weekday prefixes are ignored
        ("lunes, 5 de junio de 1990", None, "1990-06-05"),
        ("Tue, June 5, 1990", None, "1990-06-05"),
        ("Tuesday 5 June 1990", None, "1990-06-05"),
        ("miércoles 5 de junio de 1990", None, "1990-06-05"),
    ],
)
def test_dates_become_iso(raw: str, order: DateOrder | None, expected: str) -> None:
    result = normalize_date(raw, order=order, today=TODAY)
    assert (result.value, result.code) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "order", "code"),
    [
        ("05/06/1990", None, "ambiguous-date"),
        ("1/2/85", None, "ambiguous-date"),
        ("31/02/1990", "DMY", "impossible-date"),
        ("02/31/1990", "MDY", "impossible-date"),
        ("29/02/2001", None, "impossible-date"),
        ("29/02/2000", None, None),
        ("1990-13-01", None, "impossible-date"),
        ("1990-02-30", None, "impossible-date"),
        ("25/25/1990", None, "impossible-date"),
        ("06/25/1990", "DMY", "impossible-date"),  # contradicts the column's order
        ("25/06/1990", "MDY", "impossible-date"),
        ("00/06/1990", "DMY", "impossible-date"),
        ("30 de febrero de 1990", None, "impossible-date"),
        ("1/1/2030", "DMY", "impossible-date"),  # future
        ("2027-01-01", None, "impossible-date"),
        ("hello", None, "invalid-date"),
        ("n/a", None, "invalid-date"),
        ("1990", None, "invalid-date"),
        ("123456", None, "invalid-date"),
        ("5 de junio", None, "invalid-date"),
        ("junio 1990", None, "invalid-date"),
        ("5/6/7/1990", None, "invalid-date"),
        ("1234", None, "invalid-date"),
    ],
)
def test_bad_dates_are_rejected(raw: str, order: DateOrder | None, code: str | None) -> None:
    result = normalize_date(raw, order=order, today=TODAY)
    assert result.code == code
    assert (result.value is None) == (code is not None)


def test_future_dates_pass_when_allowed() -> None:
    result = normalize_date("1/1/2030", order="DMY", today=TODAY, allow_future=True)
    assert result.value == "2030-01-01"
    assert normalize_date("2026-11-26", order=None, today=TODAY).value == "2026-11-26"
    assert normalize_date("2026-11-27", order=None, today=TODAY).code == "impossible-date"


def test_ambiguous_message_names_the_option() -> None:
    assert "--date-order" in normalize_date("05/06/1990", order=None, today=TODAY).message


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["05/06/1990", "25/06/1990"], "DMY"),
        (["05/06/1990", "06/25/1990"], "MDY"),
        (["05/06/1990", "25/06/1990", "06/25/1990"], None),  # both proven: mixed column
        (["05/06/1990", "01/02/1985"], None),  # no proof
        (["1990-06-05", "5 de junio de 1990", "32874"], None),  # nothing needs an order
        (["13.01.1990", "01.02.1990"], "DMY"),
        (["90/06/05", "85/01/02"], "YMD"),
        ([], None),
        (["hello", "25-12-1985"], "DMY"),
    ],
)
def test_detect_date_order(values: list[str], expected: DateOrder | None) -> None:
    assert detect_date_order(values) == expected


def test_detect_date_order_consumes_a_generator() -> None:
    assert detect_date_order(v for v in ["01/02/1990", "31/12/1990"]) == "DMY"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/06/1990", True),
        ("1-2-85", True),
        ("05/05/1990", False),
        ("25/06/1990", False),
        ("06/25/1990", False),
        ("1990-06-05", False),
        ("5 de junio de 1990", False),
        ("32874", False),
        ("90/06/05", False),
    ],
)
def test_needs_order(raw: str, expected: bool) -> None:
    assert needs_order(raw) is expected


def test_default_today_rejects_far_future() -> None:
    assert normalize_date("2999-01-01", order=None).code == "impossible-date"
