"""Country names and codes -> the API's alpha-2 codes."""

from __future__ import annotations

import json

import pytest

from bulkio.clean.normalize.country import (
    ACCEPTED_CODES,
    country_region,
    normalization_key,
    normalize_country,
)
from tests.spec import SPEC, missing


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MX", "MX"),
        ("mx", "MX"),
        ("MEX", "MX"),
        ("México", "MX"),
        ("Mexico", "MX"),
        ("MEXICO", "MX"),
        ("méxico", "MX"),
        ("Estados Unidos Mexicanos", "MX"),
        ("Republica Mexicana", "MX"),
        ("Estados Unidos", "US"),
        ("EEUU", "US"),
        ("EE.UU.", "US"),
        ("EE. UU.", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("US", "US"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("Alemania", "DE"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("Allemagne", "DE"),
        ("España", "ES"),
        ("Espana", "ES"),
        ("Spain", "ES"),
        ("Brasil", "BR"),
        ("Brazil", "BR"),
        ("Perú", "PE"),
        ("PERU", "PE"),
        ("Reino Unido", "GB"),
        ("UK", "GB"),
        ("Inglaterra", "GB"),
        ("United Kingdom", "GB"),
        ("GBR", "GB"),
        ("Colombia", "CO"),
        ("Argentina", "AR"),
        ("Chile", "CL"),
        ("Guatemala", "GT"),
        ("República Dominicana", "DO"),
        ("Países Bajos", "NL"),
        ("Holanda", "NL"),
        ("Corea del Sur", "KR"),
        ("Korea, Republic of", "KR"),
        ("Japón", "JP"),
        ("Suiza", "CH"),
        ("Schweiz", "CH"),
        ("Francia", "FR"),
        ("Canadá", "CA"),
        ("Venezuela", "VE"),
        ("Bolivia", "BO"),
        ("Rusia", "RU"),
        ("Côte d'Ivoire", "CI"),
        ('Cote D"Ivoire', "CI"),
        ("EE UU", "US"),
        ("U. S. A.", "US"),
        ("Korea", "KR"),
        ("Congo", "CG"),
        ("Islas Vírgenes Británicas", "VG"),
        ("Costa de Marfil", "CI"),
        ("Kosovo", "XK"),
        ("Netherlands Antilles", "AN"),
        ("  perú  ", "PE"),
    ],
)
def test_names_and_codes_become_alpha2(raw: str, expected: str) -> None:
    result = normalize_country(raw)
    assert (result.value, result.code) == (expected, None)


@pytest.mark.parametrize(
    "raw", ["Narnia", "XX", "ZZZ", "Mex1co", "Latinoamérica", "Virgin Islands"]
)
def test_unknown_names_are_rejected(raw: str) -> None:
    result = normalize_country(raw)
    assert result.code == "unknown-country"
    assert result.value is None


@pytest.mark.parametrize(
    ("raw", "named"),
    [("South Sudan", "SS"), ("Curaçao", "CW"), ("SS", "SS"), ("Saint Barthélemy", "BL")],
)
def test_countries_missing_from_the_api_list_say_so(raw: str, named: str) -> None:
    result = normalize_country(raw)
    assert result.code == "unknown-country"
    assert f"({named})" in result.message
    assert "API's country list" in result.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("México", "MX"), ("Brasil", "BR"), ("Narnia", None), ("South Sudan", None)],
)
def test_country_region(raw: str, expected: str | None) -> None:
    assert country_region(raw) == expected


@pytest.mark.parametrize(
    ("raw", "key"),
    [("EE.UU.", "eeuu"), ("Côte d'Ivoire", "cote divoire"), ("Guinea-Bissau", "guinea bissau")],
)
def test_normalization_key(raw: str, key: str) -> None:
    assert normalization_key(raw) == key


def test_every_accepted_code_maps_to_itself() -> None:
    assert len(ACCEPTED_CODES) == 247
    for code in ACCEPTED_CODES:
        assert normalize_country(code).value == code


@pytest.mark.skipif(not (SPEC / "countries.json").exists(), reason=missing("countries.json"))
def test_accepted_codes_match_the_api_list() -> None:
    api = json.loads((SPEC / "countries.json").read_text(encoding="utf-8"))
    assert set(api) == ACCEPTED_CODES
    # names the list gives to another code than ISO usage does (see the module docstring)
    read_otherwise = {"CD": "CG", "KP": "KR", "VG": None, "VI": None}
    for code, name in api.items():
        assert normalize_country(code).value == code
        assert normalize_country(name).value == read_otherwise.get(code, code), name
