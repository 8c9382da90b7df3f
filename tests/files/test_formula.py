"""The formula-injection guard, cell by cell (expected cells written out by hand)."""

from __future__ import annotations

import pytest

from bulkio.files.formula import FORMULA_PREFIXES, neutralize, unneutralize


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+5215512345678", "+5215512345678"),  # a plain number cannot be a formula
        ("-5", "-5"),
        ("-12.50", "-12.50"),
        ("+52 55 1234 5678", "'+52 55 1234 5678"),  # not a plain number: neutralized
        ("-A1", "'-A1"),
        ("@cmd", "'@cmd"),
        ("\tlead", "'\tlead"),
        ("\rx", "'\rx"),
        ("=", "'="),
        ("", ""),
        ("Ana", "Ana"),
        ("a=b", "a=b"),
        (" =1", " =1"),  # only the first character counts
        ("'=already", "'=already"),  # a quote first is text already
        ("\n=1", "'\n=1"),  # LF is neutralized too
    ],
)
def test_neutralize(cell: str, safe: str) -> None:
    assert neutralize(cell) == safe


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("'=SUM(A1)", "=SUM(A1)"),
        ("'+52", "+52"),
        ("'-", "-"),
        ("'@x", "@x"),
        ("'\tx", "\tx"),
        ("'\r", "\r"),
        ("'", "'"),  # a lone quote is kept
        ("''=x", "''=x"),  # only one quote, and only before a formula character
        ("'abc", "'abc"),
        ("O'Brien", "O'Brien"),
        ("", ""),
        ("=x", "=x"),
        ("a=1", "a=1"),  # a formula character second, no quote first
        ("--5", "--5"),
    ],
)
def test_unneutralize(cell: str, value: str) -> None:
    assert unneutralize(cell) == value


def test_the_prefixes_are_the_owasp_six_and_lf() -> None:
    assert FORMULA_PREFIXES == ("=", "+", "-", "@", "\t", "\r", "\n")
    for prefix in FORMULA_PREFIXES:
        assert unneutralize(neutralize(prefix + "1")) == prefix + "1"
