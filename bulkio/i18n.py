"""Messages in the user's language: gettext catalogs under ``bulkio/locale``, chosen at call time.

The language is resolved on every call, so a test (or ``bulkio --lang es``) can switch it:

1. :func:`set_language` (the CLI's ``--lang``), if set;
2. ``BULKIO_LANG``;
3. the locale: ``LC_ALL``, then ``LC_MESSAGES``, then ``LANG`` (the first one set wins, as
   POSIX says), and on Windows, where they are usually unset, the user's locale.

``es`` or ``es_*`` (``es_MX.UTF-8``) means Spanish; anything else (``C.UTF-8``, ``en_US``,
unset) means English, the language the messages are written in. Code marks a message with
:func:`_` (or :func:`ngettext`) where it is shown, and with :func:`N_` where it is only
defined (a module-level table translated later by ``_(table[key])``). Placeholders are
named, filled after translation: ``_("rows {n}: created {created}").format(...)``.

This module imports nothing of bulkio, so every layer may use it.
"""

from __future__ import annotations

import gettext
import locale
import os
import sys
from collections.abc import Callable
from functools import cache, lru_cache, wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

DOMAIN = "bulkio"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: languages with a catalog; English is the source language and needs none
LANGUAGES = ("en", "es")

_override: str | None = None


def normalize(value: str | None) -> str | None:
    """``es_MX.UTF-8`` -> ``es``; ``C``/``POSIX``/empty -> None; any other -> its language."""
    if not value:
        return None
    code = value.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].strip().lower()
    if code in ("", "c", "posix"):
        return None
    if code == "spanish":  # Windows names its locales in words: Spanish_Mexico
        return "es"
    return code


def set_language(lang: str | None) -> None:
    """Force a language (``"es"``, ``"en"``) for every later message; None goes back to the env."""
    global _override
    _override = normalize(lang) if lang else None


def current_language() -> str:
    """The language messages are shown in now: ``"es"`` or ``"en"``."""
    candidates: list[str | None] = [_override, os.environ.get("BULKIO_LANG")]
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(var):
            candidates.append(os.environ[var])
            break
    else:
        if sys.platform == "win32":  # pragma: no cover - Windows has no LANG as a rule
            candidates.append(locale.getlocale()[0])
    for candidate in candidates:
        lang = normalize(candidate)
        if lang:
            return lang if lang in LANGUAGES else "en"
    return "en"


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language (itself when it has no translation)."""
    if not message:
        return message
    return _catalog(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language."""
    return _catalog(current_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now (translate it where shown)."""
    return message


def language_cache(maxsize: int) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``functools.lru_cache`` whose entries are per language (cached results hold messages)."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @lru_cache(maxsize=maxsize)
        def cached(lang: str, *args: Any, **kwargs: Any) -> R:
            return func(*args, **kwargs)

        @wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            return cached(current_language(), *args, **kwargs)  # type: ignore[arg-type]

        wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return wrapper

    return decorate
