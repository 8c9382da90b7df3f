"""Small text normalizers: tags, yes/no, gender, timezone, website, postal code, names, DND."""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from functools import lru_cache

from bulkio.clean.normalize import Result, accept, reject
from bulkio.i18n import _, language_cache

__all__ = [
    "DND_CHANNELS",
    "normalize_dnd",
    "normalize_dnd_status",
    "normalize_gender",
    "normalize_name",
    "normalize_postal_code",
    "normalize_timezone",
    "normalize_website",
    "parse_bool",
    "split_full_name",
    "split_name_if_unambiguous",
    "split_tags",
]

_WHITESPACE = re.compile(r"\s+")


def _fold(text: str) -> str:
    """Casefolded, accents stripped, inner whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WHITESPACE.sub(" ", bare.casefold()).strip()


# --- tags ---------------------------------------------------------------------------


def split_tags(raw: str, *, separators: str = ",;|") -> list[str]:
    """Tags in first-seen order: split, trimmed, empties dropped, case-insensitive dedupe.

    The first spelling of a tag wins (``VIP, vip`` -> ``["VIP"]``); case is kept as typed.
    """
    parts = re.split("[" + re.escape(separators) + "]", raw) if separators else [raw]
    tags: list[str] = []
    seen: set[str] = set()
    for part in parts:
        tag = _WHITESPACE.sub(" ", part).strip()
        key = tag.casefold()
        if tag and key not in seen:
            seen.add(key)
            tags.append(tag)
    return tags


# --- booleans -----------------------------------------------------------------------

_TRUE = frozenset(
    {"yes", "y", "si", "s", "true", "t", "verdadero", "v", "1", "1.0", "x", "✓", "✔", "on"}
)
_FALSE = frozenset({"no", "n", "false", "f", "falso", "0", "0.0", "off", "✗", "✘"})


def parse_bool(raw: str) -> Result:
    """True/False from yes/no, sí/no, s/n, true/false, verdadero/falso, 1/0, x, ✓."""
    key = _fold(raw).rstrip(".")
    if key in _TRUE:
        return accept(True)
    if key in _FALSE:
        return accept(False)
    return reject("invalid-boolean", _("{raw} is not a yes/no value (yes, no, sí, 1, 0, x)").format(
        raw=repr(raw)))


# --- gender -------------------------------------------------------------------------

_GENDERS = {
    **dict.fromkeys(("male", "m", "masculino", "masc", "hombre", "h", "man", "varon"), "male"),
    **dict.fromkeys(("female", "f", "femenino", "fem", "mujer", "woman"), "female"),
}


def normalize_gender(raw: str) -> Result:
    """``male``/``female`` from English or Spanish words and their initials (m/f/h)."""
    gender = _GENDERS.get(_fold(raw).rstrip("."))
    if gender is None:
        return reject("invalid-gender",
            _("{raw} is not a gender the API knows (male, female)").format(
            raw=repr(raw)))
    return accept(gender)


# --- timezone -----------------------------------------------------------------------


# tzdata keeps these for POSIX compatibility; people who type them mean the regional
# zone with daylight saving (EST for New York), which they are not
_ABBREVIATIONS = frozenset({"EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT"})


@lru_cache(maxsize=1)
def _timezones() -> dict[str, str]:
    return {
        name.casefold(): name
        for name in zoneinfo.available_timezones()
        if name not in _ABBREVIATIONS
    }


@language_cache(maxsize=4096)
def normalize_timezone(raw: str) -> Result:
    """IANA name in its canonical spelling (``america/mexico city`` -> ``America/Mexico_City``).

    Abbreviations such as ``CST`` or ``EST`` are rejected: they name several zones.
    """
    key = _WHITESPACE.sub("_", raw.strip()).casefold()
    name = _timezones().get(key)
    if name is None:
        return reject(
            "invalid-timezone",
                _("{raw} is not an IANA timezone such as America/Mexico_City").format(
                raw=repr(raw))
        )
    return accept(name)


# --- website ------------------------------------------------------------------------

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_HOST_LABEL = re.compile(r"^(?!-)[^\W_](?:[\w-]{0,61}[^\W_])?$")
_TLD = re.compile(r"^(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})$")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


@language_cache(maxsize=65_536)
def normalize_website(raw: str) -> Result:
    """URL with a scheme: ``www.Tesla.com`` -> ``https://www.tesla.com`` (host lowercased)."""
    text = raw.strip()
    found = _SCHEME.match(text)
    if found:
        scheme = found.group(1).casefold()
        if scheme not in ("http", "https"):
            return reject("invalid-website", _("{raw} is not an http(s) address").format(
                raw=repr(raw)))
        rest = text[found.end() :]
    else:
        scheme, rest = "https", text
    if not rest or any(ch.isspace() for ch in rest):
        return reject("invalid-website", _("{raw} is not a valid URL or domain").format(
            raw=repr(raw)))
    split = re.search(r"[/?#]", rest)
    host, tail = (rest[: split.start()], rest[split.start() :]) if split else (rest, "")
    if "@" in host:
        return reject("invalid-website", _("{raw} looks like an email, not a website").format(
            raw=repr(raw)))
    hostname, _colon, port = host.partition(":")
    hostname = hostname.rstrip(".").casefold()
    if port and not port.isdigit():
        return reject("invalid-website", _("{raw} has an invalid port").format(raw=repr(raw)))
    labels = hostname.split(".")
    valid_name = (
        len(labels) >= 2
        and all(_HOST_LABEL.match(label) for label in labels)
        and bool(_TLD.match(labels[-1]))
    )
    valid_ip = bool(_IPV4.match(hostname)) and all(int(p) <= 255 for p in labels)
    if not (valid_name or valid_ip):
        return reject("invalid-website",
                      _("{raw} has no valid host name (like example.com)").format(raw=repr(raw)))
    return accept(f"{scheme}://{hostname}{':' + port if port else ''}{tail}")


# --- postal code --------------------------------------------------------------------

_FLOAT_ARTEFACT = re.compile(r"^(\d+)\.0+$")
# "C.P. 06700", "CP: 06700", "Zip 90210": the label is not part of the code
_LABEL = re.compile(r"^(?:c\.?\s?p\.?|zip(?:\s?code)?|c[oó]d(?:igo)?\.?\s?postal)\s*[:#]?\s*", re.I)
_ZIP_PLUS4 = re.compile(r"^(\d{3,5})-(\d{4})$")
#: countries whose postal codes are all five digits, so lost leading zeros are restorable
_FIVE_DIGITS = frozenset({"MX", "US"})


def normalize_postal_code(raw: str, *, country: str | None = None) -> Result:
    """Postal code as text: ``C.P.``/``ZIP`` labels and ``.0`` float artefacts stripped; for
    MX and US a 3-4 digit code gets back the leading zeros Excel removed (``6700`` ->
    ``06700``, ``2134-1234`` -> ``02134-1234``)."""
    if len(raw) >= 5 and raw.isdigit() and raw.isascii():
        return accept(raw)  # nothing to strip or restore
    text = _WHITESPACE.sub(" ", raw).strip()
    text = _LABEL.sub("", text) or text
    found = _FLOAT_ARTEFACT.match(text)
    if found:
        text = found.group(1)
    if country and country.upper() in _FIVE_DIGITS:
        if text.isdigit() and 3 <= len(text) < 5:
            text = text.zfill(5)
        plus4 = _ZIP_PLUS4.match(text)
        if plus4 and country.upper() == "US":
            text = f"{plus4.group(1).zfill(5)}-{plus4.group(2)}"
    return accept(text)


# --- names --------------------------------------------------------------------------


def normalize_name(raw: str) -> Result:
    """Name trimmed with inner whitespace collapsed; the user's casing is kept."""
    return accept(_WHITESPACE.sub(" ", raw).strip())


def split_full_name(raw: str) -> tuple[str, str]:
    """``(first, last)``: ``Pérez García, Ana`` -> ``(Ana, Pérez García)``; otherwise the
    first word is the first name and the rest the last name (``Ana Pérez García``)."""
    text = _WHITESPACE.sub(" ", raw).strip(" ,")
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        if first and last:
            return first, last
    first, _, last = text.partition(" ")
    return first, last


#: given names that are often the second half of a compound given name (María José, Juan
#: Carlos): a two-word name ending in one of them may have no surname at all
_COMPOUND_SECOND = frozenset({
    "jose", "maria", "carlos", "luis", "antonio", "manuel", "fernanda", "guadalupe", "elena",
    "isabel", "eugenia", "angel", "alberto", "pablo", "jesus", "francisco", "javier", "ignacio",
    "andrea", "paula", "sofia", "teresa", "victoria", "camila", "alejandro", "eduardo",
})  # fmt: skip


def split_name_if_unambiguous(raw: str) -> tuple[str, str] | None:
    """``(first, last)`` when a full name splits one way only, else None (send it whole
    as the API's ``name``): ``Pérez García, Ana`` (comma form) and ``Ana Pérez`` (one given
    name, one surname) split; ``Juan Carlos Pérez`` (compound given name?), ``Ana Pérez
    García`` (two surnames?) and ``María José`` (a compound given name, no surname) do not,
    since no rule tells them apart."""
    text = _WHITESPACE.sub(" ", raw).strip(" ,")
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        if first and last:
            return first, last
        return None
    words = text.split(" ")
    if len(words) == 2 and "," not in text and _fold(words[1]) not in _COMPOUND_SECOND:
        return words[0], words[1]
    return None


# --- DND ----------------------------------------------------------------------------

#: v3 ``dndSettings`` keys
DND_CHANNELS = ("call", "email", "sms", "whatsApp", "gmb", "fb")
_CHANNEL_ALIASES = {
    **dict.fromkeys(("call", "calls", "phone", "llamada", "llamadas", "telefono"), "call"),
    **dict.fromkeys(("email", "e-mail", "mail", "correo", "emails"), "email"),
    **dict.fromkeys(("sms", "text", "texto", "mensaje", "mensajes"), "sms"),
    **dict.fromkeys(("whatsapp", "wa", "wsp", "whats"), "whatsApp"),
    **dict.fromkeys(("gmb", "google", "google business"), "gmb"),
    **dict.fromkeys(("fb", "facebook", "messenger"), "fb"),
}
_ALL_CHANNELS = frozenset({"all", "todo", "todos", "todas", "everything"})
_STATUSES = {
    **dict.fromkeys(("active", "activo", "on", "yes", "si", "1", "true"), "active"),
    **dict.fromkeys(("inactive", "inactivo", "off", "no", "0", "false"), "inactive"),
    **dict.fromkeys(("permanent", "permanente"), "permanent"),
}


def normalize_dnd_status(raw: str) -> Result:
    """One DND channel's cell (``DND SMS``: ``sí``, ``no``, ``permanente``...) ->
    ``{"status": "active" | "inactive" | "permanent"}`` for that channel of ``dndSettings``
    (or ``inboundDndSettings.all``)."""
    key = _fold(raw)
    status = _STATUSES.get(key)
    if status is None:
        flag = parse_bool(raw)
        if flag.code is not None or not isinstance(flag.value, bool):
            return reject("invalid-value", _("{raw} is not a DND status: use yes/no, active, "
                                             "inactive or permanent").format(raw=repr(raw)))
        status = "active" if flag.value else "inactive"
    return accept({"status": status})


def normalize_dnd(raw: str) -> Result:
    """Global DND flag or per-channel ``dndSettings``.

    Accepted syntax (case and accents ignored):

    * a yes/no value (see :func:`parse_bool`) or ``all``/``todos``: value ``True``/``False``
      for the contact's global ``dnd``;
    * a list of channels separated by ``,`` ``;`` ``|`` or ``+``: ``sms, email`` -> those
      channels ``active``. Channels: call (phone, llamada), email (correo), sms (texto),
      whatsApp (wa), gmb (google), fb (facebook);
    * ``channel:status`` (or ``channel=status``) items, status active, inactive or
      permanent (``activo``/``inactivo``/``permanente``, yes/no): ``sms:active; call:no``.

    A list yields a new dict ``{channel: {"status": ...}}`` ready for v3 ``dndSettings``.
    """
    key = _fold(raw)
    if key in _ALL_CHANNELS:
        return accept(True)
    flag = parse_bool(raw)
    if flag.code is None:
        return flag
    settings: dict[str, dict[str, str]] = {}
    for item in re.split(r"[,;|+]", key):
        item = item.strip()
        if not item:
            continue
        found = re.match(r"^(.*?)\s*[:=]\s*(.*)$", item)
        name, status_text = (found.group(1), found.group(2)) if found else (item, "")
        channel = _CHANNEL_ALIASES.get(name.strip())
        status = _STATUSES.get(status_text) if found else "active"
        if channel is None or status is None:
            return reject(
                "invalid-value",
                _("{raw} is not a DND value: use yes/no, or channels such as 'sms, email' or "
                  "'sms:active; call:inactive'").format(raw=repr(raw)),
            )
        settings[channel] = {"status": status}
    if not settings:
        return reject("invalid-value", _("{raw} names no DND channel").format(raw=repr(raw)))
    return accept(settings)
