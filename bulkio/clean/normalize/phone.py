"""Phone numbers -> E.164, read in the row's region when they carry no country code.

Mexico retired its dialling prefixes in August 2019 (``044``/``045`` for mobiles, ``01``
for long distance, the ``1`` after ``+52`` for mobiles); spreadsheets are full of them, so
they are rewritten to today's 10-digit national number before ``phonenumbers`` validates
it. A number that ``phonenumbers`` does not consider valid is rejected, never guessed.
Invisible and control characters (zero-width space, soft hyphen, bidi marks) are removed
first and flagged with an ``invisible-characters`` warning on the valid number.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence

import phonenumbers

from bulkio.clean.normalize import Result, accept, flag_invisible, reject, strip_invisible
from bulkio.i18n import _, language_cache

__all__ = ["e164_code", "e164_codes", "normalize_phone", "phone_region"]

_EXCEL_FLOAT = re.compile(r"^\+?\d+\.0+$")
_EXCEL_SCI = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d{1,2}$")
# "ext", "ext.", "extension", "x", "#", Spanish "ext"/"extensión" and what follows
_EXTENSION = re.compile(r"(?i)\s*(?:ext(?:ensi[oó]n)?\.?|x|#)\s*(\d{1,7})\s*$")
_NON_DIGITS = re.compile(r"\D")


def phone_region(value: str) -> str | None:
    """``value`` upper-cased when phonenumbers knows it as a region (``mx`` -> ``MX``), else
    None: with an unknown region (``ZZ``) every national number would fail."""
    code = value.strip().upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def _from_excel(raw: str) -> str:
    """Undo Excel's numeric storage: ``5512345678.0`` and ``5.512345678E+09``."""
    if _EXCEL_FLOAT.match(raw):
        return raw.split(".", 1)[0]
    if _EXCEL_SCI.match(raw):
        as_float = float(raw)
        if as_float.is_integer():
            return str(int(as_float))
    return raw


def _mx_national(digits: str) -> str | None:
    """Today's 10-digit Mexican number from a legacy national form, or None."""
    if len(digits) == 10:
        return digits
    if len(digits) == 13 and digits[:3] in ("044", "045"):
        return digits[3:]
    if len(digits) == 12 and digits[:2] == "01":
        return digits[2:]
    if len(digits) == 11 and digits[0] == "1":
        return digits[1:]
    return None


def _mx_legacy(body: str, region: str | None) -> str | None:
    """Rewrite a legacy Mexican form as ``+52`` + 10 digits, or None when not one."""
    digits = _NON_DIGITS.sub("", body)
    international = body.startswith("+") or digits.startswith("00")
    if digits.startswith("0052"):
        digits, international = digits[2:], True
    if international or (region != "MX" and digits.startswith("52")):
        if not digits.startswith("52"):
            return None
        national = _mx_national(digits[2:])
    elif region == "MX":
        national = _mx_national(digits)
        if national is None and digits.startswith("52"):
            # "52 1 55 1234 5678" typed without the plus
            national = _mx_national(digits[2:])
    else:
        return None
    return None if national is None else "+52" + national


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _normalize_uncached(raw: str, region: str | None) -> Result:
    clean, removed = strip_invisible(raw)
    return flag_invisible(_normalize_visible(raw, clean, region), removed)


def _normalize_visible(raw: str, clean: str, region: str | None) -> Result:
    text = _from_excel(clean.strip())
    extension = ""
    found = _EXTENSION.search(text)
    if found and len(_NON_DIGITS.sub("", text[: found.start()])) >= 7:
        extension = found.group(1)
        text = text[: found.start()]
    region = region.upper() if region else None
    if not _NON_DIGITS.sub("", text):
        return reject("invalid-phone", _("{raw} has no digits").format(raw=repr(raw)))
    if region is None:
        # Without a region only an international number can be read. Excel drops the
        # leading "+", so 11+ digits not starting with 0 are tried as country code +
        # number; 10 digits or fewer are national numbers of an unknown country.
        digits = _NON_DIGITS.sub("", text)
        if text.startswith(("+", "00")) or (len(digits) >= 11 and digits[0] != "0"):
            number = _parse("+" + digits.removeprefix("00"), None)
        else:
            number = None
    else:
        number = _parse(text, region)
    if number is None:
        legacy = _mx_legacy(text, region)
        if legacy is not None:
            number = _parse(legacy, None)
    if number is None and region is None and not text.startswith(("+", "00")):
        return reject(
            "invalid-phone",
            _("{raw} has no country code and the row has no country; add +<country code> or pass "
              "a default region").format(raw=repr(raw)),
        )
    if number is None:
        where = f" in region {region}" if region else ""
        return reject("invalid-phone", _("{raw} is not a valid phone number{where}").format(
            raw=repr(raw), where=where))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if extension or number.extension:
        return Result(value=e164, message=_("extension {value} dropped").format(
            value=extension or number.extension))
    return accept(e164)


def normalize_phone(raw: str, *, region: str | None) -> Result:
    """E.164 phone number (``+525512345678``); ``region`` (alpha-2) reads national numbers.

    An extension (``ext 123``, ``x123``, ``#123``) is dropped from the value and named in
    ``message``: the API's phone field has no room for it.
    """
    return _normalize(raw, region)


_normalize = language_cache(maxsize=65_536)(_normalize_uncached)


def e164_code(result: Result) -> int:
    """A :func:`normalize_phone` result as one integer, for compact storage.

    ``n > 0``: the number is ``+n`` with nothing to report; ``n < -1``: the number is
    ``+(-n)`` and the result carries a message (an extension was dropped); ``-1``: the
    number was rejected. Read the full Result again for anything but ``n > 0``.
    """
    value = result.value
    if result.code is None and isinstance(value, str) and value.startswith("+"):
        digits = value[1:]
        if digits.isdigit() and len(digits) < 19:
            return -int(digits) if result.message else int(digits)
    return -1


def e164_codes(
    values: Sequence[tuple[str, str | None]], *, cached: bool = False
) -> tuple[bytes, dict[int, Result]]:
    """:func:`e164_code` of ``normalize_phone(raw, region=region)`` for each pair, as the
    bytes of an ``array("q")``, plus the full Result of every value whose code is not
    positive (rejected, or with a message), by position. Runs in worker processes, where
    the mostly distinct values are not cached unless ``cached``."""
    normalize = _normalize if cached else _normalize_uncached
    codes = array("q")
    others: dict[int, Result] = {}
    for i, (raw, region) in enumerate(values):
        result = normalize(raw, region)
        code = e164_code(result)
        codes.append(code)
        if code < 0:
            others[i] = result
    return codes.tobytes(), others
