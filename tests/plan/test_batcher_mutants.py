"""Planner edges that mutation testing found unchecked: number separators, and estimates
at zero or one (no rate window, no daily quota). Expected values written out by hand."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bulkio.plan.batcher import CustomFieldDef, estimate, shape_custom_value

SALDO = CustomFieldDef(id="cf_saldo", name="Saldo", field_key="contact.saldo",
                       data_type="NUMERICAL")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.234.567,50", 1234567.5),  # the right-most separator is the decimal one
        ("1,234,567.50", 1234567.5),
        ("$ 2.500,00 MXN", 2500.0),
        ("12,5", 12.5),
        ("1,234", 1234),
    ],
)
def test_numbers_read_the_rightmost_separator_as_decimal(raw: str, expected: Any) -> None:
    assert shape_custom_value(raw, SALDO) == (expected, None)


@pytest.mark.parametrize("raw", ["1,234.567,89", "1.234,567.89"])
def test_separators_out_of_order_are_not_a_number(raw: str) -> None:
    assert shape_custom_value(raw, SALDO) == (None, f"'Saldo' expects a number, got {raw!r}")


def test_estimate_at_the_limits() -> None:
    # one request per millisecond: 10 requests take 10 ms
    est = estimate({"upsert": 10}, rate_limit=1, rate_interval_ms=1, daily_limit=1)
    assert est.seconds == pytest.approx(0.01)
    assert (est.total, est.daily_share, est.days) == (10, 10.0, 10)
    # no window (0 ms) paces nothing; no daily quota (0) has no share
    free = estimate({"upsert": 10}, rate_limit=100, rate_interval_ms=0, daily_limit=0)
    assert (free.seconds, free.daily_share, free.days) == (0.0, 0.0, 1)
    # a rate of 0 never finishes
    stuck = estimate({"upsert": 3}, rate_limit=0, rate_interval_ms=10_000, daily_limit=200_000)
    assert stuck.seconds == math.inf
    assert estimate({}, daily_limit=0).days == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("-0,500", -0.5),  # a leading zero: decimal comma, sign kept
        (",500", 0.5),  # nothing before the comma: decimal
        ("-1,234", -1234),  # thousands, sign kept
    ],
)
def test_a_single_comma_before_three_digits(raw: str, expected: Any) -> None:
    assert shape_custom_value(raw, SALDO) == (expected, None)
