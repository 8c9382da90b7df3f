"""Email addresses: unwrapped, domain lowercased, practical syntax check, no guessing."""

from __future__ import annotations

import pytest

from bulkio.clean.normalize.email import normalize_email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ana@example.com", "ana@example.com"),
        ("Ana.Perez@Example.COM", "Ana.Perez@example.com"),
        ("mailto:ana@example.com", "ana@example.com"),
        ("MAILTO:ana@example.com?subject=Hola", "ana@example.com"),
        ("Ana Pérez <ana@example.com>", "ana@example.com"),
        ("<ana@example.com>", "ana@example.com"),
        ("ana+promo@gmail.com", "ana+promo@gmail.com"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("ana_perez-99@sub.dominio.com.mx", "ana_perez-99@sub.dominio.com.mx"),
        ("ana@example.com.", "ana@example.com"),
        ("ventas@empresa.travel", "ventas@empresa.travel"),
        ("josé@dominio.mx", "josé@dominio.mx"),
        ("ana@xn--bcher-kva.com", "ana@xn--bcher-kva.com"),
        ("ANA@GMAIL.COM", "ANA@gmail.com"),
    ],
)
def test_valid_addresses(raw: str, expected: str) -> None:
    result = normalize_email(raw)
    assert (result.value, result.code) == (expected, None)


@pytest.mark.parametrize(
    "raw",
    [
        "ana",
        "ana@",
        "@example.com",
        "ana@example",
        "ana@@example.com",
        "ana@example..com",
        "ana perez@example.com",
        "ana@exam ple.com",
        "ana@example.c0m",
        "ana@example.c",
        ".ana@example.com",
        "ana.@example.com",
        "an..a@example.com",
        "ana@-example.com",
        "ana@example-.com",
        "ana@example.com; luis@example.com",
        "ana@example,com",
        "N/A",
        "mailto:",
    ],
)
def test_invalid_addresses(raw: str) -> None:
    result = normalize_email(raw)
    assert result.code == "invalid-email"
    assert result.value is None
    assert repr(raw) in result.message


def test_typos_are_not_corrected() -> None:
    assert normalize_email("ana@gmial.com").value == "ana@gmial.com"


@pytest.mark.parametrize(("raw", "value", "names"), [
    ("ana\u200b@example.com", "ana@example.com", "U+200B"),
    ("ana@exam\u00adple.com", "ana@example.com", "U+00AD"),
    ("\u202eana@example.com\u202c", "ana@example.com", "U+202E, U+202C"),
    ("\ufeffana@example.com", "ana@example.com", "U+FEFF"),
    ("ana@example.com\x07", "ana@example.com", "U+0007"),
])
def test_invisible_characters_removed_and_flagged(raw: str, value: str, names: str) -> None:
    got = normalize_email(raw)
    assert (got.value, got.code, got.warning) == (value, "invisible-characters", True)
    assert got.message == f"removed invisible characters ({names})"


def test_only_invisible_characters_is_invalid() -> None:
    assert normalize_email("\u200b\u200b").code == "invalid-email"


def test_emails_are_compared_and_sent_in_nfc() -> None:
    nfd, nfc = "jose\u0301@ejemplo.mx", "jos\u00e9@ejemplo.mx"
    assert normalize_email(nfd).value == nfc
    assert normalize_email(nfc).value == nfc
    assert normalize_email("Jose\u0301@E\u0301jemplo.MX").value == "Jos\u00e9@\u00e9jemplo.mx"
