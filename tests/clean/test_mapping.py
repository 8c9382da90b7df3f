"""Header mapping: synonyms, the cf: convention, TOML mapping files and their errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bulkio.clean.mapping import (
    build_mapping,
    infer_mapping,
    load_mapping,
    normalize_header,
    render_mapping_toml,
    suggest_target,
)
from bulkio.errors import InputError


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("First Name", "firstName"),
        ("Nombre", "firstName"),
        ("nombre(s)", "firstName"),
        ("Apellido", "lastName"),
        ("Apellido(s)", "lastName"),
        ("APELLIDOS", "lastName"),
        ("Last name", "lastName"),
        ("Full Name", "name"),
        ("Nombre completo", "name"),
        ("Email", "email"),
        ("E-mail", "email"),
        ("e-mail address", "email"),
        ("Correo", "email"),
        ("Correo electrónico", "email"),
        ("CORREO ELECTRONICO", "email"),
        ("Phone", "phone"),
        ("Teléfono", "phone"),
        ("Tel.", "phone"),
        ("Celular", "phone"),
        ("Móvil", "phone"),
        ("WhatsApp", "phone"),
        ("Teléfono 2", "phone"),
        ("Address", "address1"),
        ("Dirección", "address1"),
        ("Domicilio", "address1"),
        ("City", "city"),
        ("Ciudad", "city"),
        ("Municipio", "city"),
        ("State", "state"),
        ("Estado", "state"),
        ("Provincia", "state"),
        ("Postal code", "postalCode"),
        ("Código Postal", "postalCode"),
        ("C.P.", "postalCode"),
        ("CP", "postalCode"),
        ("ZIP", "postalCode"),
        ("Country", "country"),
        ("País", "country"),
        ("Website", "website"),
        ("Sitio web", "website"),
        ("Página web", "website"),
        ("Timezone", "timezone"),
        ("Zona horaria", "timezone"),
        ("Date of birth", "dateOfBirth"),
        ("Fecha de nacimiento", "dateOfBirth"),
        ("Cumpleaños", "dateOfBirth"),
        ("Company", "companyName"),
        ("Empresa", "companyName"),
        ("Compañía", "companyName"),
        ("Source", "source"),
        ("Origen", "source"),
        ("Fuente", "source"),
        ("Tags", "tags"),
        ("Etiquetas", "tags"),
        ("Gender", "gender"),
        ("Género", "gender"),
        ("Sexo", "gender"),
        ("DND", "dnd"),
        ("No molestar", "dnd"),
        ("Assigned to", "assignedTo"),
        ("Asignado a", "assignedTo"),
        ("Business ID", "businessId"),
        ("Contact ID", "contact_id"),
        ("id", "contact_id"),
        ("Nota", "note"),
        ("Tarea", "task_title"),
        ("Fecha límite", "task_due"),
        ("Workflow ID", "workflow_id"),
        ("Campaign ID", "campaign_id"),
        ("Seguidores", "followers"),
        ("firstName", "firstName"),
        ("postalCode", "postalCode"),
        ("Notas internas", None),
        ("Plan", None),
        ("", None),
    ],
)
def test_synonyms(header: str, target: str | None) -> None:
    assert suggest_target(header) == target


def test_normalize_header_strips_accents_case_and_punctuation() -> None:
    assert normalize_header("  Correo  Electrónico ") == "correoelectronico"
    assert normalize_header("C.P.") == "cp"
    assert normalize_header("AÑO-Nacimiento") == "anonacimiento"


def test_second_phone_and_email_are_fallbacks_and_a_second_website_is_unmapped() -> None:
    mapping = infer_mapping(["Teléfono", "Celular", "Correo", "Email (2)", "Web", "Sitio"])
    assert mapping.columns_for("phone") == ["Teléfono", "Celular"]
    assert mapping.columns_for("email") == ["Correo", "Email (2)"]
    assert mapping.combined() == {"phone": ["Teléfono", "Celular"],
                                  "email": ["Correo", "Email (2)"]}  # fmt: skip
    assert mapping.columns_for("website") == ["Web"]
    assert mapping.unmapped["Sitio"] == (
        'website already comes from "Web"; map this column elsewhere or ignore it')


def test_unmapped_columns_are_listed_with_a_suggestion() -> None:
    mapping = infer_mapping(["Email", "Plan", "Emial"])
    assert set(mapping.unmapped) == {"Plan", "Emial"}
    assert 'custom_field = "Plan"' in mapping.unmapped["Plan"]
    assert '"email"' in mapping.unmapped["Emial"]


def test_cf_header_convention_maps_a_custom_field() -> None:
    mapping = infer_mapping(["email", "cf:Plan", "CF:contact.nivel"])
    assert mapping.columns["cf:Plan"].custom_field == "Plan"
    assert mapping.columns["CF:contact.nivel"].custom_field == "contact.nivel"
    assert mapping.columns["cf:Plan"].label == "cf:Plan"


def test_several_tag_columns_are_all_mapped() -> None:
    mapping = infer_mapping(["email", "Tags", "Etiquetas"])
    assert mapping.columns_for("tags") == ["Tags", "Etiquetas"]


MAPPING_TOML = """
ignore = ["Notas internas"]

[defaults]
default_region = "mx"
date_order = "dmy"
tag_separator = "|"

[columns]
"Correo" = "email"
"Celular" = { field = "phone", region = "CO" }
"Plan" = { custom_field = "Plan" }
"Nivel" = "cf:contact.nivel"
"Alta" = { field = "dateOfBirth", date_order = "MDY" }

[constants]
source = "migration 2026"
tags = ["migrated"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_mapping_parses_every_section(tmp_path: Path) -> None:
    mf = load_mapping(_write(tmp_path, MAPPING_TOML))
    assert mf.default_region == "MX" and mf.date_order == "DMY" and mf.tag_separator == "|"
    assert mf.ignore == ("Notas internas",)
    assert mf.columns["Correo"].target == "email"
    assert mf.columns["Celular"].region == "CO"
    assert mf.columns["Plan"].custom_field == "Plan"
    assert mf.columns["Nivel"].custom_field == "contact.nivel"
    assert mf.columns["Alta"].date_order == "MDY"
    assert mf.constants == {"source": "migration 2026", "tags": ["migrated"]}


def test_explicit_entries_win_over_synonyms(tmp_path: Path) -> None:
    mf = load_mapping(_write(tmp_path, MAPPING_TOML))
    headers = ["Teléfono", "Celular", "Correo", "Plan", "Nivel", "Alta", "Notas internas", "X"]
    mapping = build_mapping(headers, mf)
    # Celular claims phone explicitly, so the earlier Teléfono is the second phone
    assert mapping.columns_for("phone") == ["Celular"]
    assert "Teléfono" in mapping.unmapped
    assert mapping.ignored == ["Notas internas"]
    assert "X" in mapping.unmapped
    assert list(mapping.columns) == ["Celular", "Correo", "Plan", "Nivel", "Alta"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[columns]\n"Correo" = "emial"', "unknown field 'emial'"),
        ('[columns]\n"Correo" = { field = "email", colour = "red" }', "unknown option 'colour'"),
        ('[columns]\n"Correo" = { field = "email", custom_field = "x" }', "exactly one"),
        ('[columns]\n"Fecha" = { field = "dateOfBirth", date_order = "DDMMYY" }', "DMY, MDY"),
        ('[defaults]\ndefault_region = "Mexico"', "two-letter"),
        ('[defaults]\ndefault_region = "ZZ"', "'ZZ' is not a country code"),
        ('[columns]\n"Tel" = { field = "phone", region = "QQ" }', "'QQ' is not a country code"),
        ('[defaults]\nlanguage = "es"', "unknown option 'language'"),
        ('[constants]\nsourc = "x"', "unknown field 'sourc'"),
        ("[constants]\ntags = [1, 2]", "list of strings"),
        ('[colums]\n"a" = "email"', "unknown section 'colums'"),
        ('ignore = "Notas"', "list of column names"),
        ('ignore = ["A"]\n[columns]\n"A" = "email"', "both mapped and ignored"),
        ("[columns\n", "invalid TOML"),
        ('[columns]\n"Correo" = 3', "expected a field name"),
    ],
)
def test_bad_mapping_file_is_one_input_error(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        load_mapping(_write(tmp_path, text))
    assert fragment in str(info.value)
    assert info.value.hint
    assert "\n" not in str(info.value)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_mapping(tmp_path / "nope.toml")


def test_mapping_naming_an_absent_column(tmp_path: Path) -> None:
    mf = load_mapping(_write(tmp_path, '[columns]\n"Corre" = "email"'))
    with pytest.raises(InputError, match='column "Corre"') as info:
        build_mapping(["Correo", "Nombre"], mf)
    assert info.value.hint == 'did you mean "Correo"?'


def test_two_explicit_columns_for_one_field(tmp_path: Path) -> None:
    mf = load_mapping(_write(tmp_path, '[columns]\n"A" = "website"\n"B" = "website"'))
    with pytest.raises(InputError, match="both map to website"):
        build_mapping(["A", "B"], mf)
    # fields that combine (join or first non-empty) take several explicit columns
    mf = load_mapping(_write(tmp_path, '[columns]\n"A" = "email"\n"B" = "email"'))
    assert build_mapping(["A", "B"], mf).combined() == {"email": ["A", "B"]}


def test_rendered_mapping_round_trips(tmp_path: Path) -> None:
    mf = load_mapping(_write(tmp_path, MAPPING_TOML))
    headers = ["Teléfono", "Celular", "Correo", "Plan", "Nivel", "Alta", "Notas internas"]
    mapping = build_mapping(headers, mf)
    text = render_mapping_toml(mapping, file_name="x.csv")
    assert '# "Teléfono" = { custom_field = "Teléfono" }  # unmapped:' in text
    again = build_mapping(headers, load_mapping(_write(tmp_path, text)))
    assert {c: s.label for c, s in again.columns.items()} == {
        c: s.label for c, s in mapping.columns.items()
    }
    assert again.columns["Celular"].region == "CO"
    assert again.constants == mapping.constants
    assert again.ignored == mapping.ignored


def test_rendered_inferred_mapping_is_valid_toml_with_detected_orders() -> None:
    mapping = infer_mapping(["Nombre", "Correo", "Fecha de nacimiento", 'Plan "2024"\\'])
    text = render_mapping_toml(mapping, date_orders={"Fecha de nacimiento": "DMY"})
    data = tomllib.loads(text)
    assert data["columns"]["Nombre"] == "firstName"
    assert data["columns"]["Fecha de nacimiento"] == {"field": "dateOfBirth", "date_order": "DMY"}
    assert len(data["columns"]) == 3
    # the unmapped column's commented line parses once uncommented
    line = next(x for x in text.splitlines() if x.startswith('# "Plan'))
    entry = tomllib.loads(line[2:].split("  # unmapped")[0])
    assert entry == {'Plan "2024"\\': {"custom_field": 'Plan "2024"\\'}}


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize("name", ["contacts_template.csv", "plantilla_contactos.csv"])
def test_template_headers_all_map_to_distinct_fields(name: str) -> None:
    headers = (TEMPLATES / name).read_text(encoding="utf-8-sig").strip().split(",")
    mapping = infer_mapping(headers)
    assert mapping.unmapped == {}
    targets = [s.target for s in mapping.columns.values()]
    assert len(set(targets)) == len(targets) == 18
    assert "name" not in targets and "tags" in targets


def test_example_mapping_file_is_valid() -> None:
    mf = load_mapping(TEMPLATES / "mapping.example.toml")
    headers = [*mf.columns, *mf.ignore]
    mapping = build_mapping(headers, mf)
    assert mapping.columns_for("phone") == ["Celular"]
    assert mapping.columns["Nivel"].custom_field == "contact.nivel"
    assert mapping.constants["tags"] == ["migrado", "importado con bulkio"]
