"""Custom field definitions of a sandbox location: add, list, remove, copy from a real one.

What ``bulkio sandbox fields`` runs: a rehearsal with a mapping file needs the sandbox
location to hold the same custom fields (names, keys, types, options) as the real one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from bulkio.errors import BulkioError
from bulkio.sandbox.contacts import create_custom_field
from bulkio.sandbox.storage import Store
from bulkio.sandbox.validation import CF_TYPES, OPTION_TYPES, ApiFailure

__all__ = [
    "FIELD_TYPES",
    "OPTION_TYPES",
    "CopyOutcome",
    "FieldError",
    "add_field",
    "copy_fields",
    "find_field",
    "remove_field",
]

FIELD_TYPES: tuple[str, ...] = CF_TYPES

_KEY_JUNK = re.compile(r"[^a-z0-9]+")
_KEY_OK = re.compile(r"^contact\.[a-z0-9_]+$")


class FieldError(BulkioError):
    """A custom field cannot be added, found or removed (one line plus a hint)."""


@dataclass(frozen=True)
class CopyOutcome:
    """What :func:`copy_fields` did with one field of the real location."""

    name: str
    field_key: str
    data_type: str
    #: created; unchanged (already there, same definition); conflict (same name or key,
    #: different definition: left alone); unsupported (a type the sandbox cannot hold)
    action: Literal["created", "unchanged", "conflict", "unsupported"]
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the sandbox now mirrors this field."""
        return self.action in ("created", "unchanged")


def default_key(name: str) -> str:
    """The field key the name gives: ``Fecha de alta`` -> ``contact.fecha_de_alta``."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "contact." + _KEY_JUNK.sub("_", plain.lower()).strip("_")


def _normal_key(key: str) -> str:
    text = key.strip()
    return text if text.startswith("contact.") else "contact." + text


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def find_field(store: Store, location_id: str, ref: str) -> dict[str, Any] | None:
    """The field whose id, key (with or without ``contact.``) or name is ``ref``."""
    fields = store.custom_fields(location_id)
    text = ref.strip()
    for field in fields:
        if field["id"] == text:
            return field
    for field in fields:
        if str(field["fieldKey"]).casefold() == _normal_key(text).casefold():
            return field
    for field in fields:
        if _same_name(str(field["name"]), text):
            return field
    return None


def _clean_options(options: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    for option in options or ():
        text = option.strip()
        if text and text not in out:
            out.append(text)
    return out


def add_field(
    store: Store,
    location_id: str,
    *,
    name: str,
    data_type: str,
    options: Iterable[str] | None = None,
    field_key: str | None = None,
) -> dict[str, Any]:
    """Create a custom field; raises :class:`FieldError` on a duplicate or a bad definition."""
    name = " ".join(name.split())
    kind = data_type.strip().upper()
    choices = _clean_options(options)
    if not name:
        raise FieldError("a custom field needs a name", hint="e.g. bulkio sandbox fields add Plan")
    if kind not in FIELD_TYPES:
        raise FieldError(
            f"unknown custom field type {data_type!r}", hint=f"use one of: {', '.join(FIELD_TYPES)}"
        )
    if kind in OPTION_TYPES and not choices:
        raise FieldError(
            f"a {kind} field needs its options", hint="add --options with a comma-separated list"
        )
    if kind not in OPTION_TYPES and choices:
        raise FieldError(
            f"a {kind} field has no options",
            hint=f"--options only goes with {', '.join(OPTION_TYPES)}",
        )
    key = _normal_key(field_key) if field_key else default_key(name)
    if not _KEY_OK.match(key):
        raise FieldError(
            f"invalid field key {key!r}",
            hint="use lower-case letters, digits and _ after 'contact.', e.g. contact.plan",
        )
    for field in store.custom_fields(location_id):
        if _same_name(str(field["name"]), name):
            raise FieldError(
                f"custom field {field['name']!r} already exists ({field['fieldKey']}, "
                f"{field['dataType']})",
                hint=f"remove it first: bulkio sandbox fields remove {field['fieldKey']}",
            )
        if field["fieldKey"] == key:
            raise FieldError(
                f"field key {key} is already used by {field['name']!r}",
                hint="choose another with --key contact.<name>",
            )
    try:
        return create_custom_field(
            store, location_id, name=name, data_type=kind, options=choices or None, field_key=key
        )
    except ApiFailure as exc:  # our checks above should leave nothing for this
        message = exc.body.get("message")
        text = "; ".join(message) if isinstance(message, list) else str(message)
        raise FieldError(f"cannot create custom field {name!r}: {text}") from exc


def remove_field(store: Store, location_id: str, ref: str) -> dict[str, Any]:
    """Delete the field named by id, key or name (and its values on contacts); returns it."""
    field = find_field(store, location_id, ref)
    if field is None:
        names = ", ".join(
            f"{f['name']} ({f['fieldKey']})" for f in store.custom_fields(location_id)
        )
        raise FieldError(
            f"no custom field {ref!r} in the sandbox; it has: {names or 'none'}",
            hint="see them with: bulkio sandbox fields list",
        )
    store.delete_custom_field(location_id, str(field["id"]))
    return field


def _options_of(field: dict[str, Any]) -> list[str]:
    raw = field.get("picklistOptions")
    if not isinstance(raw, list):
        return []
    return _clean_options(str(o) for o in raw if isinstance(o, (str, int, float)))


def copy_fields(
    store: Store, location_id: str, fields: Iterable[dict[str, Any]]
) -> list[CopyOutcome]:
    """Recreate custom field definitions (as ``GET /locations/{id}/customFields`` returns
    them) in a sandbox location: same names, keys, types and options. Idempotent: a field
    already there with the same definition is ``unchanged``; one that differs is left alone
    and reported as a ``conflict``."""
    out: list[CopyOutcome] = []
    for field in fields:
        if str(field.get("model") or "contact") != "contact":
            continue
        name = " ".join(str(field.get("name") or "").split())
        kind = str(field.get("dataType") or "").upper()
        key = str(field.get("fieldKey") or "") or default_key(name)
        options = _options_of(field)
        if kind not in FIELD_TYPES:
            reason = f"type {kind or '(none)'} is not emulated by the sandbox"
            out.append(CopyOutcome(name, key, kind, "unsupported", reason))
            continue
        existing = find_field(store, location_id, key) or find_field(store, location_id, name)
        if existing is not None:
            same = (
                _same_name(str(existing["name"]), name)
                and existing["fieldKey"] == _normal_key(key)
                and existing["dataType"] == kind
                and list(existing.get("picklistOptions") or []) == options
            )
            if same:
                out.append(CopyOutcome(name, key, kind, "unchanged"))
            else:
                out.append(CopyOutcome(
                    name, key, kind, "conflict",
                    f"the sandbox has {existing['name']!r} ({existing['fieldKey']}, "
                    f"{existing['dataType']}) with another definition; remove it to copy "
                    "this one",
                ))  # fmt: skip
            continue
        try:
            add_field(store, location_id, name=name, data_type=kind,
                      options=options if kind in OPTION_TYPES else None, field_key=key)  # fmt: skip
        except FieldError as exc:
            out.append(CopyOutcome(name, key, kind, "unsupported", str(exc)))
            continue
        out.append(CopyOutcome(name, key, kind, "created"))
    return out
