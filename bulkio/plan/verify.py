"""Read-after-write: compare a contact write's body with the contact the API answered.

The upsert, create and update answers carry the stored contact, so checking costs no
request. The API accepts some writes with 200 and stores something else (see
``/work/shared/spec/README.md``): an upsert whose email matches one contact and phone
another drops the phone (#37); upsert keeps the stored gender of an existing contact
(#313); an upsert email equal to an additional email becomes the primary (#337).
:func:`not_stored` lists every field whose stored value differs from the value sent, after
the normalisation the API itself applies (emails compared case-insensitively, phones by
their digits, tags trimmed and lower-cased, dates as ``YYYY-MM-DD`` whatever the format
or epoch milliseconds, custom fields by id with numbers, lists and dates normalised).

Nothing here does I/O: :mod:`bulkio.imports.phases` and the bulk commands call it with the
body they sent and the answer they got.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

__all__ = ["Mismatch", "list_not_stored", "not_stored", "split_match"]

#: body keys that are instructions, not stored values, or that the API never echoes
#: (``inboundDndSettings`` is write-only: GetContactByIdSchemaV3 does not list it)
_NOT_ECHOED = frozenset({"locationId", "createNewIfDuplicateAllowed", "inboundDndSettings"})
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%m-%d-%Y", "%Y.%m.%d", "%m.%d.%Y",
                 "%Y_%m_%d", "%m_%d_%Y")
_SPACES = re.compile(r"\s+")
_SHOWN = 80


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One field whose stored value is not the value sent."""

    field: str
    sent: Any
    stored: Any

    @property
    def message(self) -> str:
        """The row warning's text: ``field: sent X, stored Y``."""
        return f"{self.field}: sent {_show(self.sent)}, stored {_show(self.stored)}"


def _show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "nothing"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _text(value: Any) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def _iso_date(value: Any) -> str | None:
    """A date in any format the API takes or answers (epoch ms too, #314) -> YYYY-MM-DD."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC).date().isoformat()
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if text.isdigit() and len(text) > 8:
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC).date().isoformat()
    head = text.split("T", 1)[0].split(" ", 1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(head, fmt).date().isoformat()
        except ValueError:
            continue
    return text


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))


def _same_phone(sent: Any, stored: Any) -> bool:
    a, b = _digits(sent), _digits(stored)
    if not a or not b:
        return a == b
    # the API prefixes a bare national number with its country code (+1 for 10 digits)
    return a == b or (not str(sent).strip().startswith("+") and b.endswith(a))


def _tag_set(value: Any) -> frozenset[str]:
    if not isinstance(value, list | tuple):
        return frozenset()
    return frozenset(t for t in (_text(v).casefold() for v in value) if t)


def _scalar(value: Any) -> Any:
    """A custom-field value in comparable form (numbers as floats, text trimmed)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    text = _text(value)
    try:
        return float(text)
    except ValueError:
        pass
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T.*)?", text):
        return _iso_date(text)
    return text


def _same_custom(sent: Any, stored: Any) -> bool:
    a, b = _custom_value(sent), _custom_value(stored)
    if a == b:
        return True
    # a DATE field may be answered as epoch milliseconds
    if (isinstance(a, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", a)
            and isinstance(stored, int | float) and not isinstance(stored, bool)):
        return a == _iso_date(stored)
    # a PHONE custom field is stored in E.164, like the phone
    return (isinstance(stored, str) and stored.startswith("+") and isinstance(sent, str)
            and _same_phone(sent, stored))


def _custom_value(value: Any) -> Any:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list | tuple):
        return frozenset(_scalar(v) for v in value if v not in (None, ""))
    return _scalar(value)


def _custom_fields(sent: Any, stored: Any) -> list[Mismatch]:
    if not isinstance(sent, list):
        return []
    held: dict[str, Any] = {}
    for item in stored if isinstance(stored, list) else []:
        if isinstance(item, Mapping) and item.get("id"):
            raw = next((item[k] for k in ("value", "fieldValue", "field_value") if k in item),
                       None)
            held[str(item["id"])] = raw
    out: list[Mismatch] = []
    for item in sent:
        if not isinstance(item, Mapping):
            continue
        ref = str(item.get("id") or item.get("key") or "")
        raw = next((item[k] for k in ("fieldValue", "field_value", "value") if k in item), None)
        if not ref or not item.get("id"):
            continue  # sent by key: the answer lists ids only, nothing to compare with
        if not _same_custom(raw, held.get(ref)):
            out.append(Mismatch(f"customFields.{ref}", raw, held.get(ref)))
    return out


def _dnd_settings(key: str, sent: Any, stored: Any) -> list[Mismatch]:
    if not isinstance(sent, Mapping):
        return []
    held = stored if isinstance(stored, Mapping) else {}
    out: list[Mismatch] = []
    for channel, setting in sent.items():
        want = setting.get("status") if isinstance(setting, Mapping) else setting
        got_raw = held.get(channel)
        got = got_raw.get("status") if isinstance(got_raw, Mapping) else got_raw
        if str(want or "").casefold() != str(got or "").casefold():
            out.append(Mismatch(f"{key}.{channel}", want, got))
    return out


def _site(value: Any) -> str:
    """A website without scheme, ``www.``, case or trailing slash (the API may add a scheme)."""
    text = _text(value or "").casefold()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    return text.removeprefix("www.").rstrip("/")


def _same(key: str, sent: Any, stored: Any) -> bool:
    if sent is None or sent == "":
        return True  # nothing was asked for this field
    if key == "email":
        return _text(sent).casefold() == _text(stored or "").casefold()
    if key == "phone":
        return _same_phone(sent, stored)
    if key == "dateOfBirth":
        return _iso_date(sent) == _iso_date(stored)
    if key == "tags":
        return _tag_set(sent) == _tag_set(stored)
    if key in ("gender", "country", "type"):
        return _text(sent).casefold() == _text(stored or "").casefold()
    if key == "website":
        return _site(sent) == _site(stored)
    if isinstance(sent, bool):
        return bool(sent == stored)
    if isinstance(sent, list | tuple):
        return _tag_set(sent) == _tag_set(stored)
    if isinstance(sent, Mapping):
        return True  # compared key by key elsewhere
    return _text(sent) == _text(stored if stored is not None else "")


def not_stored(sent: Mapping[str, Any], stored: Mapping[str, Any]) -> list[Mismatch]:
    """The fields of ``sent`` (a create/update/upsert body) not stored as sent.

    ``stored`` is the contact of the API's answer; a field it does not carry counts as not
    stored (the API renders no nulls), except the write-only keys of :data:`_NOT_ECHOED`.
    An answer that carries no more than the contact's id is not a stored contact: nothing
    is compared.
    """
    out: list[Mismatch] = []
    if len([k for k in stored if k != "id"]) == 0:
        return out
    for key, value in sent.items():
        if key in _NOT_ECHOED:
            continue
        if key == "customFields":
            out += _custom_fields(value, stored.get("customFields"))
        elif key == "dndSettings":
            out += _dnd_settings(key, value, stored.get(key))
        elif key == "name" and (sent.get("firstName") or sent.get("lastName")):
            continue  # the API derives name from first and last name when they are sent
        elif not _same(key, value, stored.get(key)):
            out.append(Mismatch(key, value, stored.get(key)))
    return out


def split_match(
    email_owner: Mapping[str, Any] | None, phone_owner: Mapping[str, Any] | None
) -> str | None:
    """When a row's email and phone belong to two different contacts, say so (#37).

    The upsert would update the email's contact and silently drop the phone.
    """
    if not email_owner or not phone_owner:
        return None
    a, b = email_owner.get("id"), phone_owner.get("id")
    if not a or not b or a == b:
        return None
    return (f"the email belongs to contact {a} and the phone to contact {b}: the API "
            "updates the first and drops the phone")


def list_not_stored(field: str, sent: list[str], stored: Any, *, removed: bool = False,
                    fold: bool = False) -> list[Mismatch]:
    """Items of a list write (tags, followers) the answer's list does not reflect.

    ``stored`` is the contact's list after the call; added items must be in it, removed
    ones (``removed``) must not. An answer without the list checks nothing.
    """
    if not isinstance(stored, list):
        return []
    def key(value: Any) -> str:
        return _text(value).casefold() if fold else str(value)

    held = {key(v) for v in stored}
    wrong = [v for v in sent if (key(v) in held) == removed]
    if not wrong:
        return []
    return [Mismatch(field, ("removed " if removed else "") + ", ".join(wrong),
                     ", ".join(str(v) for v in stored))]
