"""Country names and codes -> the ISO 3166-1 alpha-2 codes the API accepts.

The index is built once, lazily, from ``pycountry`` (alpha-2, alpha-3, English names) and
its gettext catalogues for Spanish, Portuguese, French and German, plus a small alias
table for what people actually type (``EEUU``, ``Inglaterra``, ``Holanda``). Keys are
normalized: accents stripped, casefolded, dots and apostrophes dropped, other punctuation
turned into spaces.

The API's list (its docs' ``Country.md``, 247 codes) is pycountry's current list minus
:data:`NOT_ACCEPTED` plus :data:`EXTRA_CODES`. Three names on that list are read
otherwise on purpose: ``Congo`` is the Republic of the Congo (CG, as in ISO; the list
gives it to CD), ``Korea`` is South Korea (KR; the list gives it to KP), and the bare
``Virgin Islands`` (listed for both VG and VI) is rejected as ambiguous.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import lru_cache

import pycountry

from bulkio.clean.normalize import Result, accept, reject
from bulkio.i18n import _, language_cache

__all__ = [
    "ACCEPTED_CODES",
    "EXTRA_CODES",
    "NOT_ACCEPTED",
    "country_region",
    "normalization_key",
    "normalize_country",
]

#: codes in pycountry that the API's list lacks (it predates them)
NOT_ACCEPTED: frozenset[str] = frozenset({"BL", "BQ", "CW", "SS"})
#: codes on the API's list that pycountry's current list lacks
EXTRA_CODES: dict[str, tuple[str, ...]] = {
    "AN": ("Netherlands Antilles", "Antillas Neerlandesas", "ANT"),
    "XK": ("Kosovo", "XKX"),
}
ACCEPTED_CODES: frozenset[str] = frozenset(
    {c.alpha_2 for c in pycountry.countries} - NOT_ACCEPTED | set(EXTRA_CODES)
)

# What people type that is neither an ISO name nor a code. Keys are normalized.
_ALIASES: dict[str, str] = {
    "uk": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "gran bretana": "GB",
    "britain": "GB",
    "england": "GB",
    "inglaterra": "GB",
    "scotland": "GB",
    "escocia": "GB",
    "wales": "GB",
    "gales": "GB",
    "northern ireland": "GB",
    "irlanda del norte": "GB",
    "reino unido": "GB",
    "usa": "US",
    "us": "US",
    "eeuu": "US",
    "eua": "US",
    "estados unidos": "US",
    "estados unidos de america": "US",
    "united states": "US",
    "united states of america": "US",
    "mexico": "MX",
    "mejico": "MX",
    "republica mexicana": "MX",
    "estados unidos mexicanos": "MX",
    "holanda": "NL",
    "holland": "NL",
    "the netherlands": "NL",
    "paises bajos": "NL",
    "corea del sur": "KR",
    "south korea": "KR",
    "korea": "KR",
    "corea": "KR",
    "corea del norte": "KP",
    "north korea": "KP",
    "rusia": "RU",
    "russia": "RU",
    "bolivia": "BO",
    "venezuela": "VE",
    "iran": "IR",
    "siria": "SY",
    "syria": "SY",
    "vietnam": "VN",
    "laos": "LA",
    "taiwan": "TW",
    "tanzania": "TZ",
    "moldova": "MD",
    "moldavia": "MD",
    "republica dominicana": "DO",
    "rep dominicana": "DO",
    "dominican republic": "DO",
    "czech republic": "CZ",
    "republica checa": "CZ",
    "chequia": "CZ",
    "ivory coast": "CI",
    "costa de marfil": "CI",
    "vatican": "VA",
    "vaticano": "VA",
    "palestine": "PS",
    "palestina": "PS",
    "macedonia": "MK",
    "swaziland": "SZ",
    "burma": "MM",
    "birmania": "MM",
    "turkey": "TR",
    "turquia": "TR",
    "cape verde": "CV",
    "cabo verde": "CV",
    # spellings from the API's own country list
    "libyan arab jamahiriya": "LY",
    "micronesia": "FM",
    "palestinian territory": "PS",
    "saint helena": "SH",
    "santa elena": "SH",
    "saint martin": "MF",
    "sint maarten": "SX",
    "cote divoire": "CI",
    "cote d ivoire": "CI",
    "british virgin islands": "VG",
    "us virgin islands": "VI",
    "islas virgenes britanicas": "VG",
    "islas virgenes estadounidenses": "VI",
}

# languages whose catalogue names are indexed, most trusted first: a key claimed by an
# earlier source is never overwritten by a later one
_LANGUAGES = ("es", "pt", "fr", "de")
_DROP = re.compile(r"[.'’`´\"]")
_SPACES = re.compile(r"[\W_]+")


def normalization_key(text: str) -> str:
    """Lookup key: accents stripped, casefolded, dots/apostrophes dropped, words spaced."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", _DROP.sub("", bare.casefold())).strip()


def _names(country: object) -> list[str]:
    return [
        str(getattr(country, attr))
        for attr in ("name", "common_name", "official_name")
        if getattr(country, attr, None)
    ]


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    index: dict[str, str] = {}

    def claim(name: str, code: str) -> None:
        key = normalization_key(name)
        if key:
            index.setdefault(key, code)
            # "Korea, Republic of" is also typed "Republic of Korea"
            if ", " in name:
                head, _, tail = name.partition(", ")
                index.setdefault(normalization_key(f"{tail} {head}"), code)

    for key, code in _ALIASES.items():
        index[key] = code
    countries = [c for c in pycountry.countries if c.alpha_2 not in NOT_ACCEPTED]
    for country in countries:
        claim(country.alpha_2, country.alpha_2)
        claim(country.alpha_3, country.alpha_2)
    for code, names in EXTRA_CODES.items():
        claim(code, code)
        for name in names:
            claim(name, code)
    for country in countries:
        for name in _names(country):
            claim(name, country.alpha_2)
    for language in _LANGUAGES:
        try:
            catalogue = gettext.translation(
                "iso3166-1", pycountry.LOCALES_DIR, languages=[language]
            )
        except OSError:
            continue
        for country in countries:
            for name in _names(country):
                claim(catalogue.gettext(name), country.alpha_2)
    return index


def _unaccepted_name(key: str) -> str | None:
    for code in sorted(NOT_ACCEPTED):
        country = pycountry.countries.get(alpha_2=code)
        if country is not None and key in {
            normalization_key(n) for n in [*_names(country), code, country.alpha_3]
        }:
            return f"{country.name} ({code})"
    return None


@language_cache(maxsize=4096)
def normalize_country(raw: str) -> Result:
    """ISO alpha-2 code the API accepts (``México`` -> ``MX``, ``EE.UU.`` -> ``US``)."""
    key = normalization_key(raw)
    code = _index().get(key)
    if code is None and " " in key and all(len(word) <= 2 for word in key.split()):
        # spaced abbreviations: "EE. UU.", "U. S. A."
        code = _index().get(key.replace(" ", ""))
    if code is not None:
        return accept(code)
    unaccepted = _unaccepted_name(key)
    if unaccepted is not None:
        return reject("unknown-country", _("{unaccepted} is not on the API's country list").format(
            unaccepted=unaccepted))
    return reject("unknown-country",
        _("{raw} is not a country name or ISO code the API accepts").format(
        raw=repr(raw)))


def country_region(raw: str) -> str | None:
    """Alpha-2 region for reading national phone numbers, or None when unknown."""
    result = normalize_country(raw)
    return str(result.value) if result.code is None else None
