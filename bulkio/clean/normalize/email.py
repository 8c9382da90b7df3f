"""Email addresses: trimmed, ``mailto:`` and ``Name <addr>`` unwrapped, domain lowercased.

Validation is practical, not RFC 5322: one ``@``, no spaces, a local part without
consecutive or edge dots, a domain of dot-separated labels ending in a letters-only TLD.
Typos (``gmial.com``) are not corrected: bulkio never guesses an address.

Invisible and control characters (zero-width space, soft hyphen, bidi controls, line
breaks: :func:`bulkio.clean.normalize.strip_invisible`) are removed and the value is kept
with an ``invisible-characters`` warning, so ``ana\u200b@x.com`` is not a second contact.
Addresses are compared and sent in Unicode NFC: ``jose\u0301@x.mx`` (NFD, as macOS
writes it) is ``jos\u00e9@x.mx``.
"""

from __future__ import annotations

import re
import unicodedata

from bulkio.clean.normalize import Result, accept, flag_invisible, reject, strip_invisible
from bulkio.i18n import _, language_cache

__all__ = ["normalize_email"]

_ANGLE = re.compile(r"^[^<>]*<([^<>]+)>\s*$")
_LOCAL = re.compile(r"^[^\s@\"(),:;<>\[\]\\]+$")
_LABEL = re.compile(r"^(?!-)[^\W_](?:[\w-]{0,61}[^\W_])?$")
_TLD = re.compile(r"^(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})$")


# An address the rules below accept unchanged: a local part of allowed characters with
# single inner dots, then lowercase ASCII labels and a letters-only TLD. Most cells are
# like this, so they skip the step-by-step checks (and the cache).
_PLAIN = re.compile(
    r"[^\s@\"(),:;<>\[\]\\.]+(?:\.[^\s@\"(),:;<>\[\]\\.]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


def normalize_email(raw: str) -> Result:
    """``Ana.Perez@Example.COM`` -> ``Ana.Perez@example.com``; invalid -> ``invalid-email``."""
    if len(raw) <= 254 and raw.isascii() and raw.isprintable() and _PLAIN.fullmatch(raw):
        return accept(raw)
    return _normalize(raw)


@language_cache(maxsize=65_536)
def _normalize(raw: str) -> Result:
    text, removed = strip_invisible(raw)
    text = unicodedata.normalize("NFC", text)
    if removed and not text.strip():
        return reject("invalid-email", _("{raw} holds only invisible characters").format(
            raw=repr(raw)))
    result = _checked(raw, text)
    return flag_invisible(result, removed)


def _checked(raw: str, text: str) -> Result:
    text = text.strip()
    wrapped = _ANGLE.match(text)
    if wrapped:
        text = wrapped.group(1).strip()
    if text[:7].casefold() == "mailto:":
        text = text[7:].split("?", 1)[0].strip()
    if text.count("@") != 1:
        if text.count("@") > 1:
            return reject("invalid-email", _("{raw} holds several @ (one address per cell)").format(
                raw=repr(raw)))
        return reject("invalid-email", _("{raw} has no @").format(raw=repr(raw)))
    local, domain = text.split("@")
    domain = domain.rstrip(".").casefold()
    if not local or not _LOCAL.match(local) or ".." in local or local[0] == "." or local[-1] == ".":
        return reject("invalid-email", _("{raw} has an invalid part before the @").format(
            raw=repr(raw)))
    labels = domain.split(".")
    if (
        len(labels) < 2
        or len(domain) > 253
        or not all(_LABEL.match(label) for label in labels)
        or not _TLD.match(labels[-1])
    ):
        return reject("invalid-email", _("{raw} has an invalid domain after the @").format(
            raw=repr(raw)))
    return accept(f"{local}@{domain}")
