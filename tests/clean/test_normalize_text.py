"""Tags, yes/no, gender, timezone, website, postal code, names and DND."""

from __future__ import annotations

from typing import Any

import pytest

from bulkio.clean.normalize.country import normalize_country
from bulkio.clean.normalize.dates import normalize_date
from bulkio.clean.normalize.email import normalize_email
from bulkio.clean.normalize.phone import normalize_phone
from bulkio.clean.normalize.text import (
    normalize_dnd,
    normalize_gender,
    normalize_name,
    normalize_postal_code,
    normalize_timezone,
    normalize_website,
    parse_bool,
    split_full_name,
    split_tags,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("vip", ["vip"]),
        ("VIP, cliente", ["VIP", "cliente"]),
        ("VIP; vip ;Vip", ["VIP"]),
        ("a|b,c;d", ["a", "b", "c", "d"]),
        (" lead  caliente ,, ; ", ["lead caliente"]),
        ("Cliente Nuevo,cliente nuevo,Cliente  nuevo", ["Cliente Nuevo"]),
        ("promo 2024, Promo 2024 , México", ["promo 2024", "México"]),
        (",,;|", []),
    ],
)
def test_split_tags(raw: str, expected: list[str]) -> None:
    assert split_tags(raw) == expected


def test_split_tags_custom_separators() -> None:
    assert split_tags("a/b, c", separators="/") == ["a", "b, c"]
    assert split_tags("a,b", separators="") == ["a,b"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("yes", True),
        ("YES", True),
        ("y", True),
        ("sí", True),
        ("Si", True),
        ("S", True),
        ("true", True),
        ("TRUE", True),
        ("verdadero", True),
        ("1", True),
        ("1.0", True),
        ("x", True),
        ("X", True),
        ("✓", True),
        ("✔", True),
        ("no", False),
        ("NO", False),
        ("n", False),
        ("false", False),
        ("Falso", False),
        ("0", False),
        ("0.0", False),
    ],
)
def test_parse_bool(raw: str, expected: bool) -> None:
    result = parse_bool(raw)
    assert (result.value, result.code) == (expected, None)


@pytest.mark.parametrize("raw", ["maybe", "2", "quizás", "-", "yes/no", "sip"])
def test_parse_bool_rejects(raw: str) -> None:
    assert parse_bool(raw).code == "invalid-boolean"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("male", "male"),
        ("Male", "male"),
        ("M", "male"),
        ("masculino", "male"),
        ("Masc.", "male"),
        ("hombre", "male"),
        ("H", "male"),
        ("Varón", "male"),
        ("female", "female"),
        ("F", "female"),
        ("Femenino", "female"),
        ("MUJER", "female"),
        ("fem", "female"),
    ],
)
def test_normalize_gender(raw: str, expected: str) -> None:
    result = normalize_gender(raw)
    assert (result.value, result.code) == (expected, None)


@pytest.mark.parametrize("raw", ["otro", "x", "n/a", "prefiero no decir", "other"])
def test_normalize_gender_rejects(raw: str) -> None:
    assert normalize_gender(raw).code == "invalid-gender"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("America/Mexico_City", "America/Mexico_City"),
        ("america/mexico_city", "America/Mexico_City"),
        ("America/Mexico City", "America/Mexico_City"),
        ("AMERICA/BOGOTA", "America/Bogota"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Europe/Madrid", "Europe/Madrid"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("Asia/Calcutta", "Asia/Calcutta"),
    ],
)
def test_normalize_timezone(raw: str, expected: str) -> None:
    result = normalize_timezone(raw)
    assert (result.value, result.code) == (expected, None)


@pytest.mark.parametrize(
    "raw", ["CST", "EST", "PST8PDT", "GMT-6", "Mexico City", "America/Ciudad_de_Mexico", "-06:00"]
)
def test_normalize_timezone_rejects(raw: str) -> None:
    assert normalize_timezone(raw).code == "invalid-timezone"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.tesla.com", "https://www.tesla.com"),
        ("Tesla.com", "https://tesla.com"),
        ("https://www.tesla.com", "https://www.tesla.com"),
        ("http://Example.COM/Path?q=Hola#Top", "http://example.com/Path?q=Hola#Top"),
        ("HTTPS://empresa.com.mx/", "https://empresa.com.mx/"),
        ("empresa.mx:8080/tienda", "https://empresa.mx:8080/tienda"),
        ("192.168.1.10", "https://192.168.1.10"),
        ("www.café.mx", "https://www.café.mx"),
    ],
)
def test_normalize_website(raw: str, expected: str) -> None:
    result = normalize_website(raw)
    assert (result.value, result.code) == (expected, None)


@pytest.mark.parametrize(
    "raw",
    [
        "tesla",
        "ana@tesla.com",
        "ftp://files.tesla.com",
        "www.tesla .com",
        "https://",
        "n/a",
        "http://-bad-.com",
        "empresa.com:80a",
        "999.1.1.1",
    ],
)
def test_normalize_website_rejects(raw: str) -> None:
    assert normalize_website(raw).code == "invalid-website"


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("6700", "MX", "06700"),
        ("6700.0", "MX", "06700"),
        ("06700", "MX", "06700"),
        ("1000", "mx", "01000"),
        ("2134", "US", "02134"),
        ("601", "US", "00601"),
        ("02134-1234", "US", "02134-1234"),
        ("90210.0", "US", "90210"),
        ("6700", None, "6700"),
        ("1010", "AR", "1010"),
        ("C1425", "AR", "C1425"),
        ("SW1A  1AA", "GB", "SW1A 1AA"),
        ("28013", "ES", "28013"),
        ("12", "MX", "12"),
        ("C.P. 06700", "MX", "06700"),
        ("CP 6700", "MX", "06700"),
        ("cp: 44100", "MX", "44100"),
        ("Código Postal 44100", "MX", "44100"),
        ("ZIP 2134", "US", "02134"),
        ("2134-1234", "US", "02134-1234"),
        ("CP", None, "CP"),
    ],
)
def test_normalize_postal_code(raw: str, country: str | None, expected: str) -> None:
    result = normalize_postal_code(raw, country=country)
    assert (result.value, result.code) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ana", "Ana"),
        ("  ana   maría ", "ana maría"),
        ("JOSÉ\tLUIS", "JOSÉ LUIS"),
        ("McDonald", "McDonald"),
        ("de la Cruz", "de la Cruz"),
    ],
)
def test_normalize_name_keeps_case(raw: str, expected: str) -> None:
    assert normalize_name(raw).value == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ana Pérez", ("Ana", "Pérez")),
        ("Ana Pérez García", ("Ana", "Pérez García")),
        ("Pérez García, Ana María", ("Ana María", "Pérez García")),
        ("Ana", ("Ana", "")),
        ("  Ana   Pérez  ", ("Ana", "Pérez")),
        ("Smith, ", ("Smith", "")),
        ("Pérez,Ana", ("Ana", "Pérez")),
    ],
)
def test_split_full_name(raw: str, expected: tuple[str, str]) -> None:
    assert split_full_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("yes", True),
        ("sí", True),
        ("1", True),
        ("no", False),
        ("0", False),
        ("all", True),
        ("Todos", True),
        ("sms", {"sms": {"status": "active"}}),
        (
            "SMS, Email",
            {"sms": {"status": "active"}, "email": {"status": "active"}},
        ),
        (
            "llamada; correo | whatsapp",
            {
                "call": {"status": "active"},
                "email": {"status": "active"},
                "whatsApp": {"status": "active"},
            },
        ),
        (
            "sms:active; call:inactive",
            {"sms": {"status": "active"}, "call": {"status": "inactive"}},
        ),
        ("WhatsApp=permanente", {"whatsApp": {"status": "permanent"}}),
        ("facebook + google", {"fb": {"status": "active"}, "gmb": {"status": "active"}}),
        ("teléfono: no", {"call": {"status": "inactive"}}),
    ],
)
def test_normalize_dnd(raw: str, expected: Any) -> None:
    result = normalize_dnd(raw)
    assert (result.value, result.code) == (expected, None)


@pytest.mark.parametrize("raw", ["fax", "sms:maybe", "quizás", ",;", "sms, fax"])
def test_normalize_dnd_rejects(raw: str) -> None:
    result = normalize_dnd(raw)
    assert result.code == "invalid-value"
    assert result.value is None


def test_normalize_dnd_returns_a_fresh_dict() -> None:
    first = normalize_dnd("sms")
    first.value["sms"]["status"] = "inactive"
    assert normalize_dnd("sms").value == {"sms": {"status": "active"}}


def test_empty_text_is_not_a_value() -> None:
    assert parse_bool("").code == "invalid-boolean"
    assert normalize_gender(" ").code == "invalid-gender"
    assert normalize_timezone("").code == "invalid-timezone"
    assert normalize_website("").code == "invalid-website"
    assert normalize_dnd("").code == "invalid-value"
    assert normalize_country("").code == "unknown-country"
    assert normalize_date("", order=None).code == "invalid-date"
    assert normalize_email("").code == "invalid-email"
    assert normalize_phone("", region="MX").code == "invalid-phone"
    assert split_tags("") == []
