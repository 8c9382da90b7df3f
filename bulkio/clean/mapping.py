"""Header -> API field mapping: English/Spanish synonyms, TOML mapping files, custom fields.

A column maps to one *target*: a standard field of the v3 upsert DTO (``firstName``,
``email``, ``phone``, ...), ``name`` (a full name, split into first/last), ``tags``, an
extra used by follow-up steps (``contact_id``, ``businessId``, ``note``, ``task_title``,
``task_body``, ``task_due``, ``workflow_id``, ``campaign_id``, ``followers``) or a custom
field reference (its name, ``contact.<fieldKey>`` or id, resolved at import time).

Headers written ``cf:<name>`` map to the custom field ``<name>`` without a mapping file.
Several columns may fill one field (:data:`COMBINE`): columns mapped to ``lastName`` or
``address1`` are joined (``Apellido Paterno`` + ``Apellido Materno``; street, number and
colonia), columns mapped to ``phone``, ``email`` or ``city`` fall back (the first non-empty
one is sent; the others are reported on the row with ``extra-value``, since the v3 DTO has
no ``additionalEmails``/``additionalPhones``). A second column of any other field stays
unmapped, with a note saying so.

A file may come from another CRM's export: :mod:`bulkio.clean.sources` knows their headers,
detects the source and its rules come before the generic synonyms. Every unmapped column
carries a note with the closest API field or custom field (difflib).
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bulkio.clean.normalize.phone import phone_region
from bulkio.clean.sources import (
    Source,
    detect_source,
    get_source,
    normalize_header,
    source_names,
)
from bulkio.errors import InputError
from bulkio.i18n import _

__all__ = [
    "COMBINE",
    "CONTACT_FIELDS",
    "CUSTOM_PREFIX",
    "EXTRA_FIELDS",
    "TARGETS",
    "ColumnSpec",
    "Mapping",
    "MappingFile",
    "adopt_custom_fields",
    "build_mapping",
    "closest_field",
    "infer_mapping",
    "load_mapping",
    "normalize_header",
    "render_mapping_toml",
    "suggest_target",
    "unmapped_lines",
]

#: one column per DND channel (``DND SMS``, ``No molestar WhatsApp``): ``dnd.<channel>``
DND_CHANNEL_TARGETS: tuple[str, ...] = tuple(
    f"dnd.{c}" for c in ("call", "email", "sms", "whatsApp", "gmb", "fb"))

DateOrder = Literal["DMY", "MDY", "YMD"]
DATE_ORDERS: tuple[str, ...] = ("DMY", "MDY", "YMD")

#: standard fields of UpsertContactDtoV3 a column may fill (``name`` is split into
#: firstName/lastName; locationId, customFields, inboundDndSettings are never columns)
CONTACT_FIELDS: tuple[str, ...] = (
    "firstName", "lastName", "name", "email", "phone", "address1", "city", "state",
    "postalCode", "country", "website", "timezone", "dateOfBirth", "companyName", "source",
    "gender", "dnd", "assignedTo", *DND_CHANNEL_TARGETS, "inboundDnd",
)  # fmt: skip
#: columns that are not contact body fields: identifiers and follow-up steps
EXTRA_FIELDS: tuple[str, ...] = (
    "contact_id", "businessId", "note", "note_title", "note_pinned", "task_title",
    "task_body", "task_due", "task_assignee", "workflow_id", "workflow_start", "campaign_id",
    "followers",
)  # fmt: skip
#: every target a column may name (custom fields aside)
TARGETS: tuple[str, ...] = (*CONTACT_FIELDS, "tags", *EXTRA_FIELDS)

#: header prefix that maps a column to a custom field by name, key or id
CUSTOM_PREFIX = "cf:"

#: fields several columns may fill: "join" (values joined, in header order) or "fallback"
#: (the first non-empty value is sent, the others are reported with ``extra-value``)
COMBINE: dict[str, str] = {"lastName": "join", "address1": "join", "phone": "fallback",
                           "email": "fallback", "city": "fallback"}  # fmt: skip

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "firstName": ("first name", "firstname", "first", "given name", "nombre", "nombres",
                  "primer nombre", "nombre de pila"),
    "lastName": ("last name", "lastname", "surname", "family name", "last", "apellido",
                 "apellidos", "apellido(s)", "apellido paterno", "apellido materno",
                 "primer apellido", "segundo apellido"),
    "name": ("full name", "name", "contact name", "nombre completo", "nombre y apellido",
             "nombre y apellidos", "contacto", "cliente"),
    "email": ("email", "e-mail", "email address", "mail", "correo", "correo electrónico",
              "correo-e", "e-mail address", "email 1"),
    "phone": ("phone", "phone number", "telephone", "tel", "teléfono", "telefono", "celular",
              "cel", "móvil", "movil", "mobile", "mobile phone", "cell", "cell phone",
              "whatsapp", "número de teléfono", "teléfono móvil", "teléfono celular",
              "número", "numero", "mobile phone number", "teléfono fijo",
              "business phone", "home phone"),
    "address1": ("address", "address 1", "address1", "street", "street address",
                 "dirección", "direccion", "domicilio", "calle", "colonia",
                 "número exterior", "número interior", "num ext", "num int"),
    "city": ("city", "town", "ciudad", "municipio", "localidad", "alcaldía", "delegación"),
    "state": ("state", "province", "region", "estado", "provincia", "departamento",
              "entidad federativa", "state/region", "state/province"),
    "postalCode": ("postal code", "postalcode", "zip", "zip code", "zipcode", "postcode",
                   "código postal", "codigo postal", "cp", "c.p.", "zip/postal code"),
    "country": ("country", "country code", "país", "pais", "country/region",
                "country region"),
    "website": ("website", "web site", "web", "url", "site", "sitio web", "website url",
                "página web",
                "pagina web", "sitio"),
    "timezone": ("timezone", "time zone", "tz", "zona horaria", "huso horario"),
    "dateOfBirth": ("date of birth", "dob", "birthday", "birth date", "birthdate",
                    "fecha de nacimiento", "fecha nacimiento", "cumpleaños", "nacimiento",
                    "f. nacimiento"),
    "companyName": ("company", "company name", "organization", "organisation", "empresa",
                    "compañía", "compania", "organización", "negocio", "razón social",
                    "business name", "account name"),
    "source": ("source", "lead source", "origen", "fuente"),
    "tags": ("tags", "tag", "labels", "etiquetas", "etiqueta"),
    "gender": ("gender", "sex", "género", "genero", "sexo"),
    "dnd": ("dnd", "do not disturb", "no molestar", "no contactar"),
    "assignedTo": ("assigned to", "assignedto", "owner", "asignado a", "asignado",
                   "responsable"),
    "businessId": ("business id", "businessid", "id empresa", "id negocio"),
    "contact_id": ("contact id", "contactid", "id", "id contacto", "id de contacto"),
    "note": ("note", "notes", "nota", "notas", "comentario", "comentarios"),
    "task_title": ("task", "task title", "tarea", "título tarea", "titulo tarea"),
    "task_body": ("task body", "task description", "descripción tarea",
                  "descripcion tarea"),
    "task_due": ("task due", "due date", "fecha límite", "fecha limite", "vencimiento",
                 "fecha de vencimiento"),
    "workflow_id": ("workflow id", "workflow", "id flujo", "flujo"),
    "campaign_id": ("campaign id", "campaign", "id campaña", "campaña"),
    "followers": ("followers", "seguidores"),
    "dnd.call": ("dnd call", "dnd calls", "dnd llamadas", "no molestar llamadas",
                 "no molestar llamada", "no llamar"),
    "dnd.email": ("dnd email", "no molestar email", "no molestar correo",
                  "no enviar correos"),
    "dnd.sms": ("dnd sms", "no molestar sms", "no enviar sms"),
    "dnd.whatsApp": ("dnd whatsapp", "no molestar whatsapp"),
    "dnd.gmb": ("dnd gmb", "dnd google", "no molestar google", "no molestar gmb"),
    "dnd.fb": ("dnd fb", "dnd facebook", "no molestar facebook", "no molestar fb"),
    "inboundDnd": ("inbound dnd", "dnd inbound", "dnd entrante", "no molestar entrante",
                   "bloquear entrantes"),
    "note_title": ("note title", "título nota", "titulo nota", "título de la nota",
                   "titulo de la nota"),
    "note_pinned": ("note pinned", "pinned", "nota fijada", "fijada", "fijar nota"),
    "task_assignee": ("task assignee", "task assigned to", "tarea asignada a",
                      "responsable tarea", "asignado tarea"),
    "workflow_start": ("workflow start", "event start time", "inicio flujo",
                       "inicio del flujo", "fecha inicio flujo"),
}  # fmt: skip

_TRAILING_DIGITS = re.compile(r"\d+$")


_LOOKUP: dict[str, str] = {
    normalize_header(s): target for target, syns in _SYNONYMS.items() for s in syns
}
_LOOKUP.update({normalize_header(t): t for t in TARGETS})


def suggest_target(header: str) -> str | None:
    """The standard target a header means, by synonym (``"Teléfono 2"`` -> ``phone``), or None.

    ``Mailing City`` / ``MailingPostalCode`` (Salesforce, Zoho) read as ``City`` / ``PostalCode``.
    """
    key = normalize_header(header)
    if not key:
        return None
    found = _LOOKUP.get(key)
    if found is None:
        found = _LOOKUP.get(_TRAILING_DIGITS.sub("", key))
    if found is None and key.startswith("mailing") and len(key) > len("mailing"):
        found = _LOOKUP.get(key[len("mailing") :])
    return found


@dataclass(frozen=True)
class ColumnSpec:
    """How one column maps: to a ``target`` or to a ``custom_field`` reference, with options."""

    column: str
    target: str | None = None
    custom_field: str | None = None
    date_order: str | None = None
    region: str | None = None
    tag_separator: str | None = None
    origin: Literal["synonym", "file", "header"] = "synonym"

    @property
    def label(self) -> str:
        """The target as shown to users: ``email`` or ``cf:Plan``."""
        return self.target if self.target is not None else f"{CUSTOM_PREFIX}{self.custom_field}"


@dataclass(frozen=True)
class MappingFile:
    """A parsed, validated mapping file (column names are checked later, against headers)."""

    path: Path | None = None
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    constants: dict[str, Any] = field(default_factory=dict)
    default_region: str | None = None
    date_order: str | None = None
    tag_separator: str | None = None
    #: the source preset (``[defaults] from = "salesforce"``)
    source_name: str | None = None


@dataclass
class Mapping:
    """The mapping of one file's headers, in header order."""

    headers: list[str]
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    #: column -> why it is not mapped and what to do (never silently dropped)
    unmapped: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    constants: dict[str, Any] = field(default_factory=dict)
    default_region: str | None = None
    date_order: str | None = None
    tag_separator: str | None = None
    source: Path | None = None
    #: the CRM export the headers come from (detected, or forced by --from / the mapping)
    crm: Source | None = None
    #: how many of the source's distinctive headers the file has
    crm_hits: int = 0
    #: "detected", "option" (--from) or "mapping" ([defaults] from)
    crm_origin: str | None = None

    def columns_for(self, target: str) -> list[str]:
        """The columns mapped to ``target``, in header order."""
        return [c for c, s in self.columns.items() if s.target == target]

    def combined(self) -> dict[str, list[str]]:
        """target -> its columns, for the :data:`COMBINE` targets filled by several columns."""
        out: dict[str, list[str]] = {}
        for target in COMBINE:
            cols = self.columns_for(target)
            if len(cols) > 1:
                out[target] = cols
        return out

    def describe_source(self) -> str | None:
        """``looks like a Salesforce contact export (6 of its headers)``, or None."""
        if self.crm is None:
            return None
        if self.crm_origin == "detected":
            return _("looks like a {label} ({hits} of its headers); "
                     "force another preset with --from NAME").format(
                label=self.crm.label, hits=self.crm_hits)
        how = "--from" if self.crm_origin == "option" else _("the mapping file")
        return _("read as a {label} ({how})").format(label=self.crm.label, how=how)


_FIELD_WORDS: dict[str, str] = {**_LOOKUP}


def closest_field(header: str, custom_fields: Sequence[str] = ()) -> str | None:
    """The API field (``state``) or custom field (``cf:Plan``) closest to ``header``, by
    difflib over the synonyms, the field names and ``custom_fields``; None when nothing is
    close (ratio below 0.6)."""
    key = normalize_header(header)
    if not key:
        return None
    words = dict(_FIELD_WORDS)
    for name in custom_fields:
        words.setdefault(normalize_header(name), f"{CUSTOM_PREFIX}{name}")
    close = difflib.get_close_matches(key, list(words), n=1, cutoff=0.6)
    if not close and key.startswith("mailing"):
        close = difflib.get_close_matches(key[7:], list(words), n=1, cutoff=0.6)
    return words[close[0]] if close else None


def _unmapped_note(header: str, custom_fields: Sequence[str] = ()) -> str:
    guess = closest_field(header, custom_fields)
    if guess is not None and guess.startswith(CUSTOM_PREFIX):
        return _('closest custom field: "{name}" (map it in a --map file: '
                 '{{ custom_field = "{name}" }})').format(name=guess[len(CUSTOM_PREFIX):])
    if guess is not None:
        return _('no field matches; closest API field: "{field}" (map it in a --map file)').format(
            field=guess)
    return _('no standard field matches; map it in a --map file, e.g. '
             '{{ custom_field = "{header}" }}').format(header=header)


def _duplicate_note(target: str, first: str) -> str:
    if target in ("phone", "email"):
        extra = "additionalPhones" if target == "phone" else "additionalEmails"
        return (
            f'{target} already comes from "{first}" and the v3 API has no {extra}; '
            "map this column to a custom field or ignore it"
        )
    return f'{target} already comes from "{first}"; map this column elsewhere or ignore it'


def infer_mapping(headers: Sequence[str]) -> Mapping:
    """Map headers by synonyms alone (no mapping file)."""
    return build_mapping(headers, None)


def _resolve_source(
    headers: Sequence[str], mf: MappingFile, source: str | None
) -> tuple[Source | None, int, str | None]:
    name, origin = (source, "option") if source else (mf.source_name, "mapping")
    if name and name != "auto":
        try:
            preset = get_source(name)
        except KeyError:
            raise InputError(_("unknown source {name}").format(
                name=repr(name)), path=mf.path if origin == "mapping"
                             else None, hint="sources: " + ", ".join(source_names())) from None
        return preset, preset.hits(headers), origin
    found, hits = detect_source(headers)
    return found, hits, "detected" if found else None


def build_mapping(
    headers: Sequence[str], mapping_file: MappingFile | None, *, source: str | None = None
) -> Mapping:
    """Map ``headers``: the mapping file's explicit entries first, then the rules of the
    source preset (``source``: a :func:`~bulkio.clean.sources.source_names` name; None: the
    mapping file's, else detected), then synonyms for the rest.

    Raises InputError when the file names a column the headers do not have, or for an
    unknown source name.
    """
    mf = mapping_file or MappingFile()
    present = set(headers)
    for name in (*mf.columns, *mf.ignore):
        if name not in present:
            close = difflib.get_close_matches(name, list(headers), n=1)
            hint = (
                _('did you mean "{name}"?').format(name=close[0])
                if close
                else _("run `bulkio map FILE` to list the columns")
            )
            raise InputError(
                _('mapping names column "{name}", which the file does not have').format(name=name),
                path=mf.path,
                hint=hint,
            )
    crm, hits, origin = _resolve_source(headers, mf, source)
    mapping = Mapping(
        headers=list(headers),
        constants=dict(mf.constants),
        default_region=mf.default_region,
        date_order=mf.date_order,
        tag_separator=mf.tag_separator,
        source=mf.path,
        crm=crm,
        crm_hits=hits,
        crm_origin=origin,
    )
    taken: dict[str, str] = {}
    # explicit entries claim their targets before synonyms do, whatever the column order
    for name, spec in mf.columns.items():
        if spec.target is not None and spec.target != "tags":
            if spec.target in taken and spec.target not in COMBINE:
                raise InputError(
                    _('columns "{first}" and "{second}" both map to {field}').format(
                        first=taken[spec.target], second=name, field=spec.target),
                    path=mf.path,
                    hint=_("map one of them to a custom field or ignore it"),
                )
            taken.setdefault(spec.target, name)
    # a field the mapping file fills explicitly takes no inferred column besides
    explicit = set(taken)
    ignored = set(mf.ignore)
    for header in headers:
        if header in ignored:
            mapping.ignored.append(header)
            continue
        if header in mf.columns:
            mapping.columns[header] = mf.columns[header]
            continue
        if header.casefold().startswith(CUSTOM_PREFIX) and header[len(CUSTOM_PREFIX) :].strip():
            ref = header[len(CUSTOM_PREFIX) :].strip()
            mapping.columns[header] = ColumnSpec(header, custom_field=ref, origin="header")
            continue
        rule = crm.rule(header) if crm is not None else None
        if isinstance(rule, tuple):
            mapping.unmapped[header] = f"{crm.label if crm else ''} column: {rule[1]}"
            continue
        target = rule if rule is not None else suggest_target(header)
        if target is None:
            if header.strip():
                mapping.unmapped[header] = _unmapped_note(header)
            else:
                mapping.unmapped[header] = "the column has no header; name it to map it"
        elif target in taken and target != "tags" and (target not in COMBINE
                                                         or target in explicit):
            mapping.unmapped[header] = _duplicate_note(target, taken[target])
        else:
            if target != "tags":
                taken.setdefault(target, header)
            mapping.columns[header] = ColumnSpec(header, target=target)
    return mapping


def adopt_custom_fields(mapping: Mapping, fields: Sequence[AbcMapping[str, Any]]) -> list[str]:
    """Map the unmapped columns whose header is the name or key of one of the location's
    custom ``fields`` (items of ``GET /locations/{id}/customFields``: ``name``,
    ``fieldKey``) to that field, as a HighLevel export names them; refresh the other
    unmapped columns' notes with the closest custom field. Returns the columns adopted.

    Call it once the target location's fields are known (import), before resolving the
    mapping's custom-field references.
    """
    by_key: dict[str, str] = {}
    names: list[str] = []
    for f in fields:
        name = str(f.get("name") or "").strip()
        key = str(f.get("fieldKey") or "").strip()
        if not name and not key:
            continue
        ref = key or name
        if name:
            names.append(name)
            by_key.setdefault(normalize_header(name), ref)
        if key:
            by_key.setdefault(normalize_header(key), ref)
            by_key.setdefault(normalize_header(key.removeprefix("contact.")), ref)
    adopted: list[str] = []
    for header in list(mapping.unmapped):
        found = by_key.get(normalize_header(header)) if header.strip() else None
        if found is None:
            continue
        del mapping.unmapped[header]
        mapping.columns[header] = ColumnSpec(header, custom_field=found, origin="header")
        adopted.append(header)
    if adopted:
        # keep header order
        mapping.columns = {h: mapping.columns[h] for h in mapping.headers if h in mapping.columns}
    for header, note in list(mapping.unmapped.items()):
        if header.strip() and note == _unmapped_note(header):  # no guess yet: guess again
            mapping.unmapped[header] = _unmapped_note(header, names)
    return adopted


def unmapped_lines(mapping: Mapping) -> list[str]:
    """One line a column that will not be sent, with its note (what check, map and import
    print before sending)."""
    return [f"{column}: {note}" for column, note in mapping.unmapped.items()]


def _bad(path: Path, message: str, hint: str) -> InputError:
    return InputError(message, path=path, hint=hint)


def _check_target(path: Path, column: str, target: object) -> str:
    if not isinstance(target, str) or target not in TARGETS:
        close = difflib.get_close_matches(str(target), list(TARGETS), n=1)
        hint = (
            _('did you mean "{name}"?').format(name=close[0])
            if close
            else _("fields: ") + ", ".join(TARGETS) + _('; or { custom_field = "Name" }')
        )
        raise _bad(path, _('column "{column}" maps to unknown field {field}').format(
            column=column, field=repr(target)), hint)
    return target


def _check_order(path: Path, where: str, value: object) -> str:
    if not isinstance(value, str) or value.upper() not in DATE_ORDERS:
        raise _bad(
            path,
            _("{where}: date_order must be DMY, MDY or YMD, not {value}").format(
                where=where, value=repr(value)),
            _("day-first files (31/12/1990) use DMY"),
        )
    return value.upper()


def _check_region(path: Path, where: str, value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value):
        raise _bad(
            path,
            _("{where}: region must be a two-letter country code, not {value}").format(
                where=where, value=repr(value)),
            'e.g. default_region = "MX"',
        )
    region = phone_region(value)
    if region is None:
        raise _bad(
            path,
            _("{where}: {value} is not a country code phone numbers know").format(
                where=where, value=repr(value)),
            _("use an ISO 3166 code, e.g. default_region = \"MX\""),
        )
    return region


def _check_separator(path: Path, where: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise _bad(path, _("{where}: tag_separator must be a non-empty string").format(
            where=where), 'e.g. ","')
    return value


_COLUMN_KEYS = {"field", "custom_field", "date_order", "region", "tag_separator"}


def _parse_column(path: Path, column: str, entry: object) -> ColumnSpec:
    if isinstance(entry, str):
        if entry.casefold().startswith(CUSTOM_PREFIX):
            return ColumnSpec(
                column, custom_field=entry[len(CUSTOM_PREFIX) :].strip(), origin="file"
            )
        return ColumnSpec(column, target=_check_target(path, column, entry), origin="file")
    if not isinstance(entry, dict):
        raise _bad(
            path,
            _("column \"{column}\": expected a field name or a table").format(column=column),
            '"Correo" = "email" or "Plan" = { custom_field = "Plan" }',
        )
    unknown = set(entry) - _COLUMN_KEYS
    if unknown:
        raise _bad(
            path,
            _("column \"{column}\": unknown option {unknown}").format(
                column=column, unknown=repr(sorted(unknown)[0])),
            "options: " + ", ".join(sorted(_COLUMN_KEYS)),
        )
    has_field, has_cf = "field" in entry, "custom_field" in entry
    if has_field == has_cf:
        raise _bad(
            path,
            _("column \"{column}\": give exactly one of field or custom_field").format(
                column=column),
            '"Fecha" = { field = "dateOfBirth", date_order = "DMY" }',
        )
    where = f'column "{column}"'
    custom = entry.get("custom_field")
    if has_cf and (not isinstance(custom, str) or not custom.strip()):
        raise _bad(
            path,
            _("{where}: custom_field must be a name, contact.<key> or an id").format(where=where),
            '"Plan" = { custom_field = "Plan" }',
        )
    return ColumnSpec(
        column,
        target=_check_target(path, column, entry["field"]) if has_field else None,
        custom_field=custom.strip() if isinstance(custom, str) else None,
        date_order=_check_order(path, where, entry["date_order"])
        if "date_order" in entry
        else None,
        region=_check_region(path, where, entry["region"]) if "region" in entry else None,
        tag_separator=(
            _check_separator(path, where, entry["tag_separator"])
            if "tag_separator" in entry
            else None
        ),
        origin="file",
    )


def _parse_constants(path: Path, raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _bad(path, _("[constants] must be a table"), 'source = "migration 2026"')
    constants: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "tags":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise _bad(
                    path, _("[constants] tags must be a list of strings"), 'tags = ["migrated"]'
                )
            constants["tags"] = [v.strip() for v in value if v.strip()]
            continue
        if key not in TARGETS or key in ("name", "contact_id"):
            close = difflib.get_close_matches(key, list(TARGETS), n=1)
            raise _bad(
                path,
                _("[constants] unknown field {key}").format(key=repr(key)),
                f'did you mean "{close[0]}"?' if close else "fields: " + ", ".join(TARGETS),
            )
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, str | int | float):
            raise _bad(path, _("[constants] {key} must be a string").format(
                key=key), f'{key} = "..."')
        constants[key] = str(value)
    return constants


def load_mapping(path: str | Path) -> MappingFile:
    """Read and validate a TOML mapping file (see ``templates/mapping.example.toml``)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise _bad(
            p, _("mapping file not found"), _("create one with `bulkio map FILE -o mapping.toml`")
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(p, _("cannot read mapping file: {exc}").format(
            exc=exc), _("save it as UTF-8 text")) from None
    except tomllib.TOMLDecodeError as exc:
        raise _bad(p, _("invalid TOML: {error}").format(error=exc),
                   _('check quotes: "Column name" = "field"')) from None
    unknown = set(data) - {"defaults", "columns", "constants", "ignore"}
    if unknown:
        raise _bad(
            p,
            _("unknown section {unknown}").format(unknown=repr(sorted(unknown)[0])),
            _("sections: [defaults], [columns], [constants] and a top-level ignore = [...]"),
        )
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise _bad(p, _("[defaults] must be a table"), 'default_region = "MX"')
    bad_default = set(defaults) - {"default_region", "date_order", "tag_separator", "from"}
    if bad_default:
        raise _bad(
            p,
            _("[defaults] unknown option {bad_default}").format(
                bad_default=repr(sorted(bad_default)[0])),
            _("options: default_region, date_order, tag_separator, from"),
        )
    source_name = defaults.get("from")
    if source_name is not None:
        try:
            get_source(str(source_name))
        except KeyError:
            raise _bad(p, _("[defaults] from: unknown source {source_name}").format(
                source_name=repr(source_name)),
                       "sources: " + ", ".join(source_names())) from None
    columns_raw = data.get("columns", {})
    if not isinstance(columns_raw, dict):
        raise _bad(p, _("[columns] must be a table"), '"Correo" = "email"')
    ignore = data.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(i, str) for i in ignore):
        raise _bad(p,
            _("ignore must be a list of column names"), _("ignore = [\"Notas internas\"]"))
    both = set(ignore) & set(columns_raw)
    if both:
        raise _bad(
            p, _("column \"{both}\" is both mapped and ignored").format(
                both=sorted(both)[0]), _("keep one of the two")
        )
    return MappingFile(
        path=p,
        columns={c: _parse_column(p, c, e) for c, e in columns_raw.items()},
        ignore=tuple(ignore),
        constants=_parse_constants(p, data.get("constants", {})),
        default_region=(
            _check_region(p, "[defaults]", defaults["default_region"])
            if "default_region" in defaults
            else None
        ),
        date_order=(
            _check_order(p, "[defaults]", defaults["date_order"])
            if "date_order" in defaults
            else None
        ),
        tag_separator=(
            _check_separator(p, "[defaults]", defaults["tag_separator"])
            if "tag_separator" in defaults
            else None
        ),
        source_name=str(source_name) if source_name is not None else None,
    )


def _toml_str(value: str) -> str:
    # a JSON string is a valid TOML basic string (same escapes, \\u ones included)
    return json.dumps(value, ensure_ascii=False)


def _spec_toml(spec: ColumnSpec) -> str:
    options: list[str] = []
    if spec.target is not None:
        options.append(f"field = {_toml_str(spec.target)}")
    else:
        options.append(f"custom_field = {_toml_str(spec.custom_field or '')}")
    for key in ("date_order", "region", "tag_separator"):
        value = getattr(spec, key)
        if value is not None:
            options.append(f"{key} = {_toml_str(value)}")
    if len(options) == 1 and spec.target is not None:
        return _toml_str(spec.target)
    return "{ " + ", ".join(options) + " }"


def render_mapping_toml(
    mapping: Mapping, *, file_name: str = "", date_orders: dict[str, str | None] | None = None
) -> str:
    """A mapping file for ``mapping``: every column, unmapped ones commented with a suggestion."""
    lines = [
        f"# bulkio mapping{f' for {file_name}' if file_name else ''} (written by `bulkio map`).",
        "# Edit it, then pass it with --map. Format: templates/mapping.example.toml.",
        "",
        f"ignore = [{', '.join(_toml_str(c) for c in mapping.ignored)}]",
        "",
        "[defaults]",
        f"{'' if mapping.default_region else '# '}default_region = "
        f"{_toml_str(mapping.default_region or 'MX')}",
        f"{'' if mapping.date_order else '# '}date_order = "
        f"{_toml_str(mapping.date_order or 'DMY')}",
        f"{'' if mapping.tag_separator else '# '}tag_separator = "
        f"{_toml_str(mapping.tag_separator or ',')}",
        f"{'' if mapping.crm else '# '}from = "
        f"{_toml_str(mapping.crm.key if mapping.crm else 'auto')}"
        + (f"  # {mapping.crm.label}" if mapping.crm else "  # source preset: "
           + ", ".join(source_names())),
        "",
        "[columns]",
    ]
    for header in mapping.headers:
        spec = mapping.columns.get(header)
        if spec is not None:
            if (
                spec.target in ("dateOfBirth", "task_due")
                and spec.date_order is None
                and date_orders
            ):
                order = date_orders.get(header)
                if order:
                    spec = ColumnSpec(
                        spec.column,
                        target=spec.target,
                        date_order=order,
                        region=spec.region,
                        tag_separator=spec.tag_separator,
                    )
            lines.append(f"{_toml_str(header)} = {_spec_toml(spec)}")
        elif header in mapping.unmapped:
            note = mapping.unmapped[header].replace("\n", " ")
            lines.append(
                f"# {_toml_str(header)} = {{ custom_field = {_toml_str(header)} }}"
                f"  # unmapped: {note}"
            )
    lines += ["", "[constants]"]
    if mapping.constants:
        for key, value in mapping.constants.items():
            rendered = (
                "[" + ", ".join(_toml_str(v) for v in value) + "]"
                if isinstance(value, list)
                else _toml_str(str(value))
            )
            lines.append(f"{key} = {rendered}")
    else:
        lines += ['# source = "migration 2026"', '# tags = ["migrated"]']
    return "\n".join(lines) + "\n"


def targets_summary(mapping: Mapping) -> Iterable[tuple[str, str]]:
    """(column, label) pairs of the mapped columns, in header order."""
    return ((c, s.label) for c, s in mapping.columns.items())
