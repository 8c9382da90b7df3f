"""Pure validation rules of the sandbox: countries, dates of birth, phones, custom fields."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bulkio.sandbox.validation import (
    ApiFailure,
    country_codes,
    custom_field_value,
    normalize_phone,
    parse_dob,
)
from tests.spec import SPEC, missing


def test_country_codes_match_the_api_list() -> None:
    path = SPEC / "countries.json"
    if not path.exists():
        pytest.skip(missing("countries.json"))
    assert country_codes() == frozenset(json.loads(path.read_text()))
    assert len(country_codes()) == 247


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1990/09/25", "1990-09-25"), ("09/25/1990", "1990-09-25"), ("1990-09-25", "1990-09-25"),
        ("09-25-1990", "1990-09-25"), ("1990.09.25", "1990-09-25"), ("09.25.1990", "1990-09-25"),
        ("1990_09_25", "1990-09-25"), ("09_25_1990", "1990-09-25"),
        ("1990-09-25T00:00:00.000Z", "1990-09-25"),
        ("25/09/1990", None), ("1990-02-30", None), ("25 sept 1990", None), ("", None),
    ],
)  # fmt: skip
def test_date_of_birth_formats(raw: str, expected: str | None) -> None:
    assert parse_dob(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+52 55 1234 5678", "+525512345678"), ("(555) 555-0100", "+15555550100"),
        ("+1 888-888-8888", "+18888888888"), ("525512345678", "+525512345678"),
        ("12", None), ("abc", None),
    ],
)  # fmt: skip
def test_phone_normalisation(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def _field(kind: str, options: list[str] | None = None) -> dict[str, Any]:
    return {"name": "F", "dataType": kind, "picklistOptions": options or []}


@pytest.mark.parametrize(
    ("kind", "options", "value", "expected"),
    [
        ("TEXT", None, "hola", "hola"), ("TEXT", None, 12, "12"), ("LARGE_TEXT", None, "x", "x"),
        ("NUMERICAL", None, "1,200", 1200), ("NUMERICAL", None, 3.5, 3.5),
        ("MONETORY", None, "99.90", 99.9), ("DATE", None, "2024-01-31", "2024-01-31"),
        ("DATE", None, "01/31/2024", "2024-01-31"),
        ("SINGLE_OPTIONS", ["a", "b"], "b", "b"), ("RADIO", ["si", "no"], "si", "si"),
        ("MULTIPLE_OPTIONS", ["a", "b"], ["a", "a", "b"], ["a", "b"]),
        ("CHECKBOX", ["x"], "x", ["x"]), ("PHONE", None, "+52 55 1111 2222", "+525511112222"),
        ("TEXT", None, "", None), ("CHECKBOX", ["x"], [], None),
    ],
)  # fmt: skip
def test_custom_field_values(
    kind: str, options: list[str] | None, value: Any, expected: Any
) -> None:
    assert custom_field_value(_field(kind, options), value) == expected


@pytest.mark.parametrize(
    ("kind", "options", "value"),
    [
        ("NUMERICAL", None, "diez"), ("MONETORY", None, True), ("DATE", None, "31/01/2024"),
        ("SINGLE_OPTIONS", ["a"], "z"), ("RADIO", ["a"], ["a"]),
        ("MULTIPLE_OPTIONS", ["a"], ["a", "z"]),
        ("CHECKBOX", ["a"], [1]), ("PHONE", None, "12"), ("TEXT", None, {"a": 1}),
    ],
)  # fmt: skip
def test_custom_field_values_rejected(kind: str, options: list[str] | None, value: Any) -> None:
    with pytest.raises(ApiFailure) as info:
        custom_field_value(_field(kind, options), value)
    assert info.value.status == 422
