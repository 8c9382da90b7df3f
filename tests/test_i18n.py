"""bulkio.i18n: the language comes from --lang, BULKIO_LANG or the locale, at call time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bulkio import i18n
from bulkio.clean.normalize.email import normalize_email
from bulkio.i18n import _, current_language, set_language

LOCALE_VARS = ("BULKIO_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in LOCALE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(i18n.sys, "platform", "linux")  # no Windows locale fallback here
    yield
    set_language(None)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "es_MX.UTF-8"}, "es"),
        ({"LANG": "es_ES@euro"}, "es"),
        ({"LANG": "es"}, "es"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),  # no French catalog: English
        ({"LC_MESSAGES": "es_AR.UTF-8", "LANG": "en_US.UTF-8"}, "es"),
        ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "es_MX.UTF-8"}, "en"),
        ({"LC_ALL": "es_CO.UTF-8", "LANG": "en_US.UTF-8"}, "es"),
        ({"LC_ALL": "C.UTF-8", "LANG": "es_MX.UTF-8"}, "en"),  # LC_ALL wins, even as C
        ({"BULKIO_LANG": "es", "LANG": "en_US.UTF-8"}, "es"),
        ({"BULKIO_LANG": "en", "LC_ALL": "es_MX.UTF-8"}, "en"),
    ],
)
def test_the_language_comes_from_bulkio_lang_then_the_locale(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert current_language() == expected


def test_set_language_wins_over_the_environment_until_reset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANG", "es_MX.UTF-8")
    set_language("en")
    assert _("no API token") == "no API token"
    set_language(None)
    assert _("no API token") == "no hay token de la API"


def test_messages_are_translated_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _("file not found") == "file not found"
    monkeypatch.setenv("LANG", "es_MX.UTF-8")
    assert _("file not found") == "no se encontró el archivo"
    assert _("a message no catalog knows") == "a message no catalog knows"


def test_cached_normalizers_answer_in_the_current_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # normalize_email is cached per value: the cache must not freeze the first language
    assert normalize_email("ana@").message == "'ana@' has an invalid domain after the @"
    monkeypatch.setenv("LANG", "es_MX.UTF-8")
    assert normalize_email("ana@").message == "'ana@' tiene un dominio inválido después de la @"
    assert normalize_email("ana@").code == "invalid-email"
