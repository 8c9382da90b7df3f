"""Phone numbers -> E.164, with Mexico's retired dialling prefixes read as today's numbers."""

from __future__ import annotations

import pytest

from bulkio.clean.normalize.phone import normalize_phone

MX_MOBILE = "+525512345678"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        # Mexico: today's 10-digit forms
        ("5512345678", "MX", MX_MOBILE),
        ("(55) 1234-5678", "MX", MX_MOBILE),
        ("55.1234.5678", "MX", MX_MOBILE),
        ("55 1234 5678", "MX", MX_MOBILE),
        ("+52 (55) 1234 5678", "MX", MX_MOBILE),
        ("+52 55 1234 5678", None, MX_MOBILE),
        ("52 55 1234 5678", "MX", MX_MOBILE),
        ("0052 55 1234 5678", "MX", MX_MOBILE),
        ("33 1234 5678", "MX", "+523312345678"),
        ("81-1234-5678", "MX", "+528112345678"),
        # Mexico: legacy prefixes retired in 2019
        ("044 55 1234 5678", "MX", MX_MOBILE),
        ("045 55 1234 5678", "MX", MX_MOBILE),
        ("044 33 1234 5678", "MX", "+523312345678"),
        ("01 55 1234 5678", "MX", MX_MOBILE),
        ("01 800 123 4567", "MX", "+528001234567"),
        ("+52 1 55 1234 5678", "MX", MX_MOBILE),
        ("+52 1 55 1234 5678", None, MX_MOBILE),
        ("+521 5512345678", "US", MX_MOBILE),
        ("52 1 55 1234 5678", "MX", MX_MOBILE),
        ("52 1 55 1234 5678", None, MX_MOBILE),
        ("0052 1 55 1234 5678", "CO", MX_MOBILE),
        ("1 55 1234 5678", "MX", MX_MOBILE),
        # Excel stored the number as a float
        ("5512345678.0", "MX", MX_MOBILE),
        ("5.512345678E+09", "MX", MX_MOBILE),
        ("525512345678.0", None, MX_MOBILE),
        # United States
        ("(415) 555-2671", "US", "+14155552671"),
        ("415.555.2671", "US", "+14155552671"),
        ("1-415-555-2671", "US", "+14155552671"),
        ("+1 415 555 2671", "MX", "+14155552671"),
        ("4155552671.0", "US", "+14155552671"),
        # Colombia
        ("300 1234567", "CO", "+573001234567"),
        ("+57 300 123 4567", None, "+573001234567"),
        ("(601) 2345678", "CO", "+576012345678"),
        # Argentina: the mobile 9, and the national 0/15 forms
        ("+54 9 11 1234-5678", None, "+5491112345678"),
        ("011 15 1234-5678", "AR", "+5491112345678"),
        ("11 15 1234 5678", "AR", "+5491112345678"),
        ("+54 11 4123-4567", None, "+541141234567"),
        # Spain
        ("612 34 56 78", "ES", "+34612345678"),
        ("+34 612 345 678", None, "+34612345678"),
        ("0034 91 123 45 67", "ES", "+34911234567"),
        ("00 34 612 34 56 78", None, "+34612345678"),
        # Brazil
        ("(11) 91234-5678", "BR", "+5511912345678"),
        ("+55 11 91234-5678", None, "+5511912345678"),
        ("+55 21 2345-6789", "MX", "+552123456789"),
    ],
)
def test_valid_numbers_become_e164(raw: str, region: str | None, expected: str) -> None:
    result = normalize_phone(raw, region=region)
    assert (result.value, result.code) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("12345", "MX"),
        ("555-1234", "US"),  # no area code
        ("abc", "MX"),
        ("5512345678", None),  # national number, region unknown
        ("4155552671", None),  # would read as +41 (Switzerland): never guess
        ("07911 123456", None),
        ("+52 123", None),
        ("000 000 0000", "MX"),
        ("55 1234 56789 1234", "MX"),
        ("+1 555 555 5555", None),  # 555 is not a US area code
        ("1234567", "CO"),
    ],
)
def test_numbers_that_cannot_be_valid_are_rejected(raw: str, region: str | None) -> None:
    result = normalize_phone(raw, region=region)
    assert result.code == "invalid-phone"
    assert result.value is None
    assert raw in result.message


@pytest.mark.parametrize(
    ("raw", "extension"),
    [
        ("55 1234 5678 ext 123", "123"),
        ("55 1234 5678 ext. 45", "45"),
        ("55 1234 5678 x12", "12"),
        ("55 1234 5678 #9", "9"),
        ("55 1234 5678 extensión 7", "7"),
    ],
)
def test_extension_is_dropped_and_named(raw: str, extension: str) -> None:
    result = normalize_phone(raw, region="MX")
    assert result.value == MX_MOBILE
    assert result.code is None
    assert result.message == f"extension {extension} dropped"


def test_region_is_case_insensitive_and_results_are_deterministic() -> None:
    assert normalize_phone("(55) 1234-5678", region="mx") == normalize_phone(
        "(55) 1234-5678", region="MX"
    )


def test_missing_region_message_says_what_to_do() -> None:
    result = normalize_phone("5512345678", region=None)
    assert "country code" in result.message


@pytest.mark.parametrize(("raw", "names"), [
    ("+52 81\u200b0297 8753", "U+200B"),
    ("\u2066+528102978753\u2069", "U+2066, U+2069"),
    ("81\u00ad0297\u00ad8753", "U+00AD"),
])
def test_invisible_characters_in_phones_removed_and_flagged(raw: str, names: str) -> None:
    got = normalize_phone(raw, region="MX")
    assert (got.value, got.code, got.warning) == ("+528102978753", "invisible-characters", True)
    assert got.message == f"removed invisible characters ({names})"
