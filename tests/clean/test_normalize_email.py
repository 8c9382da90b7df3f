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
