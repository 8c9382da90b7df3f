"""CRM export presets: detection, combined columns, the full-name rule, custom-field
matching, and each sample of ``samples/crm/`` imported end to end into the sandbox."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bulkio.clean.mapping import (
    MappingFile,
    adopt_custom_fields,
    build_mapping,
    closest_field,
    infer_mapping,
    unmapped_lines,
)
from bulkio.clean.normalize.text import split_name_if_unambiguous
from bulkio.clean.prepare import prepare_rows
from bulkio.clean.reading import ReadOptions
from bulkio.clean.sources import detect_source, get_source
from bulkio.cli import main
from bulkio.errors import InputError
from bulkio.files.table import SourceRow, Table

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "crm"
EXPECTED: dict[str, dict[str, dict[str, str]]] = {
    k: v
    for k, v in json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8")).items()
    if not k.startswith("_")
}


def headers_of(name: str) -> list[str]:
    lines = (SAMPLES / name).read_text(encoding="utf-8").splitlines()
    line = lines[1] if name == "monday.csv" else lines[0]  # monday: a title row first
    return next(csv.reader([line]))


@pytest.mark.parametrize(
    ("name", "key"),
    [("hubspot.csv", "hubspot"), ("salesforce.csv", "salesforce"),
     ("salesforce_api.csv", "salesforce"), ("zoho.csv", "zoho"),
     ("pipedrive.csv", "pipedrive"), ("monday.csv", "monday"), ("erp_mx.csv", "mx"),
     ("highlevel.csv", "highlevel")],
)  # fmt: skip
def test_each_sample_is_detected(name: str, key: str) -> None:
    found, hits = detect_source(headers_of(name))
    assert found is not None and found.key == key
    assert hits >= 2


def test_a_plain_sheet_is_no_source() -> None:
    assert detect_source(["Nombre", "Correo", "Teléfono"]) == (None, 0)
    mapping = infer_mapping(["Nombre", "Correo", "Teléfono"])
    assert mapping.crm is None and mapping.describe_source() is None


def test_salesforce_mailing_set_maps_and_other_set_does_not() -> None:
    mapping = infer_mapping(headers_of("salesforce.csv"))
    assert mapping.describe_source() == (
        "looks like a Salesforce contact export (10 of its headers); "
        "force another preset with --from NAME")
    labels = {c: s.label for c, s in mapping.columns.items()}
    assert labels["Mailing Street"] == "address1"
    assert labels["Mailing State/Province"] == "state"
    assert labels["Mailing Zip/Postal Code"] == "postalCode"
    assert labels["Mailing Country"] == "country"
    assert labels["Account Name"] == "companyName"
    assert "second address set" in mapping.unmapped["Other Street"]
    assert "old CRM" in mapping.unmapped["Contact ID"]


def test_forced_source_wins_over_detection_and_unknown_source_is_an_input_error() -> None:
    headers = ["Email", "Phone", "Mobile", "Tag"]
    mapping = build_mapping(headers, None, source="zoho")
    assert mapping.crm is not None and mapping.crm.key == "zoho"
    assert mapping.describe_source() == "read as a Zoho CRM contact export (--from)"
    assert mapping.columns["Tag"].target == "tags"
    with pytest.raises(InputError, match="unknown source 'sugarcrm'"):
        build_mapping(headers, None, source="sugarcrm")
    assert get_source("airtable").key == "monday"


def test_mapping_file_source_is_used_without_option() -> None:
    mapping = build_mapping(["Email", "Mobile"], MappingFile(source_name="salesforce"))
    assert mapping.crm is not None and mapping.crm_origin == "mapping"


def test_pipedrive_prefixed_headers() -> None:
    mapping = infer_mapping(headers_of("pipedrive.csv"))
    assert mapping.columns_for("email") == ["Person - Email - Work", "Person - Email - Home"]
    assert mapping.columns_for("phone") == ["Person - Phone - Work", "Person - Phone - Mobile"]
    assert mapping.columns["Person - Organization"].target == "companyName"
    assert mapping.columns["Person - Name"].target == "name"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Ana Pérez", ("Ana", "Pérez")), ("Pérez García, Ana", ("Ana", "Pérez García")),
     ("  Ana   Pérez ", ("Ana", "Pérez")), ("Juan Carlos Pérez", None),
     ("Ana Pérez García", None), ("María José", None), ("Juan Carlos", None), ("Cher", None),
     ("Pérez,", None)],
)  # fmt: skip
def test_full_name_splits_only_when_unambiguous(
    raw: str, expected: tuple[str, str] | None
) -> None:
    assert split_name_if_unambiguous(raw) == expected


def prepared(headers: list[str], rows: list[list[str]]) -> list[Any]:
    def make() -> Table:
        source = (SourceRow(i + 2, dict(zip(headers, values, strict=True)))
                  for i, values in enumerate(rows))  # fmt: skip
        return Table(path=Path("t.csv"), format="csv", headers=list(headers), rows=source)

    return list(prepare_rows(make, None, default_region="MX"))


def test_mexican_address_and_two_surnames() -> None:
    headers = ["Nombre(s)", "Apellido Paterno", "Apellido Materno", "Calle", "Num Ext",
               "Num Int", "Colonia", "Municipio", "C.P.", "Correo"]  # fmt: skip
    rows = [["Juan Carlos", "Hernández", "Martínez", "Av. Reforma", "222", "4", "Juárez",
             "Cuauhtémoc", "06600", "jc@example.mx"],
            ["Ana", "López", "", "Calle Morelos", "45", "", "Col. Centro", "Monterrey", "64000",
             "ana@example.mx"]]  # fmt: skip
    first, second = prepared(headers, rows)
    assert first.contact["lastName"] == "Hernández Martínez"
    assert first.contact["address1"] == "Av. Reforma 222 Int. 4, Col. Juárez"
    assert first.contact["city"] == "Cuauhtémoc"
    assert second.contact["lastName"] == "López"
    assert second.contact["address1"] == "Calle Morelos 45, Col. Centro"


def test_first_non_empty_phone_is_sent_and_the_others_are_warned() -> None:
    headers = ["Correo", "Teléfono Fijo", "Celular"]
    rows = [["a@example.mx", "", "55 1234 5678"],
            ["b@example.mx", "55 5555 1234", "55 1234 0002"],
            ["c@example.mx", "55 5555 9999", "+52 55 5555 9999"]]  # fmt: skip
    a, b, c = prepared(headers, rows)
    assert a.contact["phone"] == "+525512345678" and a.issues == []
    assert b.contact["phone"] == "+525555551234"
    assert [(i.code, i.severity, i.message) for i in b.issues] == [
        ("extra-value", "warning", "Celular: '55 1234 0002' not sent (phone comes from "
         "Teléfono Fijo); map Celular to a custom field or a note to keep it")]  # fmt: skip
    assert c.issues == []  # the same number twice is no loss


def test_full_name_alone_goes_whole_unless_unambiguous() -> None:
    rows = prepared(["Nombre completo", "Correo"],
                    [["Juan Carlos Pérez", "a@example.mx"], ["Ana Pérez", "b@example.mx"]])
    assert rows[0].contact == {"name": "Juan Carlos Pérez", "email": "a@example.mx"}
    assert rows[1].contact == {"firstName": "Ana", "lastName": "Pérez", "email": "b@example.mx"}


def test_custom_field_columns_match_the_locations_fields_by_name_or_key() -> None:
    mapping = infer_mapping(headers_of("highlevel.csv"))
    assert {"Plan", "Fecha de alta"} <= set(mapping.unmapped)
    fields = [{"name": "Plan", "fieldKey": "contact.plan", "id": "f1"},
              {"name": "Alta", "fieldKey": "contact.fecha_de_alta", "id": "f2"},
              {"name": "Número de póliza", "fieldKey": "contact.poliza", "id": "f3"}]  # fmt: skip
    assert adopt_custom_fields(mapping, fields) == ["Plan", "Fecha de alta"]
    assert mapping.columns["Plan"].custom_field == "contact.plan"
    assert mapping.columns["Fecha de alta"].custom_field == "contact.fecha_de_alta"
    assert list(mapping.columns).index("Plan") > list(mapping.columns).index("Tags")
    assert "Plan" not in mapping.unmapped


def test_preparation_adopts_custom_fields_before_iterating(tmp_path: Path) -> None:
    src = tmp_path / "hl.csv"
    shutil.copyfile(SAMPLES / "highlevel.csv", src)
    prep = ReadOptions(default_region="MX").prepare(src)
    assert prep.adopt_custom_fields([{"name": "Plan", "fieldKey": "contact.plan"}]) == ["Plan"]
    assert prep.summary.mapped["Plan"] == "cf:contact.plan" and "Plan" not in prep.summary.unmapped
    rows = list(prep)
    assert [r.custom_fields for r in rows] == [{"contact.plan": "Premium"},
                                               {"contact.plan": "Básico"}, {}]  # fmt: skip
    with pytest.raises(RuntimeError):
        prep.adopt_custom_fields([])


def test_unmapped_columns_get_the_closest_field() -> None:
    assert closest_field("Emial") == "email"
    assert closest_field("Comentarios internos del vendedor") is None
    assert closest_field("Numero de poliza", ["Número de póliza"]) == "cf:Número de póliza"
    mapping = infer_mapping(["Email", "Ciudadd", "Numero de poliza"])
    adopt_custom_fields(mapping, [{"name": "Número de Póliza Vigente", "fieldKey": "contact.x"}])
    assert unmapped_lines(mapping) == [
        'Ciudadd: no field matches; closest API field: "city" (map it in a --map file)',
        'Numero de poliza: closest custom field: "Número de Póliza Vigente" (map it in a '
        '--map file: { custom_field = "Número de Póliza Vigente" })',
    ]


def arrived(contact: dict[str, Any] | None, field: str, value: str) -> bool:
    if contact is None:
        return False
    if field == "name":
        return f"{contact.get('firstName') or ''} {contact.get('lastName') or ''}".strip() == value
    got = contact.get(field)
    if field == "dateOfBirth" and isinstance(got, str):
        return got[:10] == value
    return bool(got == value)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_export_imports_as_it_comes(sandbox: Any, tmp_path: Path, name: str) -> None:
    """Nothing but --default-region MX: every expected field arrives, every row succeeds."""
    src = tmp_path / name
    shutil.copyfile(SAMPLES / name, src)
    result = CliRunner().invoke(
        main, ["import", str(src), "--default-region", "MX", "--base-url", sandbox.url,
               "--location-id", sandbox.location_id, "--json"],
        env={"BULKIO_TOKEN": sandbox.token}, catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    contacts = {c.get("email"): c for c in sandbox.admin.contacts(sandbox.location_id)}
    missing = [(email, field) for email, fields in EXPECTED[name].items()
               for field, value in fields.items()
               if not arrived(contacts.get(email), field, value)]  # fmt: skip
    assert missing == []
    assert len(contacts) == len(EXPECTED[name])
