"""Row preparation: row rules and their codes, date order per column, in-file duplicates,
and the samples' expected results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pytest

from bulkio.clean.mapping import MappingFile, load_mapping
from bulkio.clean.prepare import Duplicates, prepare_rows
from bulkio.clean.records import Change, PreparedRow
from bulkio.errors import InputError
from bulkio.files.readers import open_table
from bulkio.files.table import SourceRow, Table

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TODAY = date(2026, 6, 1)


def factory(headers: Sequence[str], rows: Sequence[Sequence[str | None]]) -> Callable[[], Table]:
    def make() -> Table:
        source = (
            SourceRow(i + 2, dict(zip(headers, values, strict=True)))
            for i, values in enumerate(rows)
        )
        return Table(path=Path("t.csv"), format="csv", headers=list(headers), rows=source)

    return make


def run(
    headers: Sequence[str],
    rows: Sequence[Sequence[str | None]],
    mapping: MappingFile | None = None,
    *,
    duplicates: Duplicates = "first",
    date_order: str | None = None,
    default_region: str | None = "MX",
) -> tuple[list[PreparedRow], object]:
    prep = prepare_rows(factory(headers, rows), mapping, default_region=default_region,
                        date_order=date_order, duplicates=duplicates, today=TODAY)  # fmt: skip
    return list(prep), prep.summary


def codes(row: PreparedRow) -> list[tuple[str, str]]:
    return [(i.code, i.severity) for i in row.issues]


def test_clean_row_is_normalized_with_changes() -> None:
    headers = ["Nombre completo", "Correo", "Teléfono", "País", "Fecha de nacimiento",
               "Etiquetas", "cf:Plan", "Empresa"]  # fmt: skip
    rows, summary = run(headers, [["Ana López", " ana@ejemplo.mx", "044 55 1234 5678",
                                   "México", "25/12/1990", "vip; nuevo", "Oro", "ACME"]])
    (row,) = rows
    assert row.ok and row.issues == []
    assert row.contact == {
        "firstName": "Ana", "lastName": "López", "email": "ana@ejemplo.mx",
        "phone": "+525512345678", "country": "MX", "dateOfBirth": "1990-12-25",
        "companyName": "ACME",
    }  # fmt: skip
    assert row.tags == ["vip", "nuevo"]
    assert row.custom_fields == {"Plan": "Oro"}
    changed = {(c.column, c.field): (c.before, c.after) for c in row.changes}
    assert changed[("Teléfono", "phone")] == ("044 55 1234 5678", "+525512345678")
    assert changed[("País", "country")] == ("México", "MX")
    assert changed[("Correo", "email")] == (" ana@ejemplo.mx", "ana@ejemplo.mx")
    assert ("Empresa", "companyName") not in changed
    assert summary.rows_ready == 1 and summary.rows_failed == 0  # type: ignore[attr-defined]


def test_missing_identifier() -> None:
    rows, summary = run(["email", "phone", "first name"], [[None, None, "Ana"],
                                                           ["bad@", "123", "Luis"]])
    assert codes(rows[0]) == [("missing-identifier", "error")]
    assert codes(rows[1]) == [("invalid-email", "warning"), ("invalid-phone", "warning"),
                              ("missing-identifier", "error")]  # fmt: skip
    assert "bad@" in rows[1].issues[-1].message
    assert summary.errors == {"missing-identifier": 2}  # type: ignore[attr-defined]


def test_invalid_email_with_valid_phone_is_a_warning_and_dropped() -> None:
    rows, _ = run(["email", "phone"], [["juan@", "5512345678"]])
    assert rows[0].ok and codes(rows[0]) == [("invalid-email", "warning")]
    assert "email" not in rows[0].contact and rows[0].contact["phone"] == "+525512345678"
    assert any(c.field == "email" and c.after is None for c in rows[0].changes)


def test_invalid_phone_with_valid_email_is_a_warning_and_dropped() -> None:
    rows, _ = run(["email", "phone"], [["a@b.mx", "12"]])
    assert rows[0].ok and codes(rows[0]) == [("invalid-phone", "warning")]
    assert rows[0].contact == {"email": "a@b.mx"}


def test_unknown_country_warns_and_drops_the_field() -> None:
    rows, _ = run(["email", "country"], [["a@b.mx", "Narnia"]])
    assert rows[0].ok and codes(rows[0]) == [("unknown-country", "warning")]
    assert "country" not in rows[0].contact


@pytest.mark.parametrize(
    ("value", "code"),
    [("31/02/1988", "impossible-date"), ("hace mucho", "invalid-date"),
     ("01/01/2090", "impossible-date")],
)  # fmt: skip
def test_bad_date_warns_and_drops(value: str, code: str) -> None:
    rows, _ = run(["email", "dob"], [["a@b.mx", value], ["c@d.mx", "25/12/1990"]])
    assert rows[0].ok and codes(rows[0]) == [(code, "warning")]
    assert "dateOfBirth" not in rows[0].contact


def test_phone_region_comes_from_the_row_country() -> None:
    rows, _ = run(["email", "phone", "país"],
                  [["a@b.mx", "300 123 4567", "Colombia"], ["c@d.mx", "55 1234 5678", None],
                   ["e@f.mx", "55 1234 5678", "Narnia"]])  # fmt: skip
    assert rows[0].contact["phone"] == "+573001234567"
    assert rows[1].contact["phone"] == "+525512345678"
    assert rows[2].contact["phone"] == "+525512345678"  # unknown country: default region


def test_postal_code_gets_its_zeros_back_in_the_row_country() -> None:
    rows, _ = run(["email", "C.P.", "País", "Ciudad"],
                  [["a@b.mx", "6700", "México", " León "], ["c@d.mx", "6700", None, None],
                   ["e@f.mx", "6700", "España", None]])  # fmt: skip
    assert [r.contact["postalCode"] for r in rows] == ["06700", "06700", "6700"]
    assert rows[0].contact["city"] == "León"
    assert Change(2, "Ciudad", "city", " León ", "León") in rows[0].changes


def test_no_email_or_phone_column_is_input_error() -> None:
    with pytest.raises(InputError, match="no column maps to email, phone or contact id"):
        prepare_rows(factory(["Nombre", "Plan"], [["Ana", "x"]]))
    # a contact id alone is accepted (updates by id); rows still report missing-identifier
    rows = list(prepare_rows(factory(["Contact ID", "Nombre"], [["abc123", "Ana"]])))
    assert rows[0].extras == {"contact_id": "abc123"}
    assert codes(rows[0]) == [("missing-identifier", "error")]


# -- date order per column ------------------------------------------------------------


def test_date_order_is_proven_per_column() -> None:
    headers = ["email", "Fecha de nacimiento", "Fecha límite"]
    rows, summary = run(headers, [["a@b.mx", "03/04/1990", "04/03/2027"],
                                  ["c@d.mx", "25/12/1990", "12/25/2027"]])  # fmt: skip
    assert summary.date_orders == {  # type: ignore[attr-defined]
        "Fecha de nacimiento": "DMY", "Fecha límite": "MDY"}  # fmt: skip
    assert rows[0].contact["dateOfBirth"] == "1990-04-03"
    assert rows[0].extras["task_due"] == "2027-04-03"


def test_undecided_column_fails_only_its_ambiguous_rows() -> None:
    rows, summary = run(["email", "dob"], [["a@b.mx", "03/04/1990"], ["c@d.mx", "1990-04-03"],
                                           ["e@f.mx", "05/05/1990"]])  # fmt: skip
    assert summary.date_orders == {"dob": None}  # type: ignore[attr-defined]
    assert summary.date_order_sources == {"dob": "none"}  # type: ignore[attr-defined]
    assert codes(rows[0]) == [("ambiguous-date", "error")]
    assert rows[1].ok and rows[1].contact["dateOfBirth"] == "1990-04-03"
    assert rows[2].ok and rows[2].contact["dateOfBirth"] == "1990-05-05"


def test_mixed_proofs_leave_the_column_undecided() -> None:
    rows, summary = run(["email", "dob"], [["a@b.mx", "25/12/1990"], ["c@d.mx", "12/25/1990"],
                                           ["e@f.mx", "03/04/1990"]])  # fmt: skip
    assert summary.date_orders == {"dob": None}  # type: ignore[attr-defined]
    assert [r.ok for r in rows] == [True, True, False]


def test_date_order_option_overrides_detection() -> None:
    rows, summary = run(["email", "dob"], [["a@b.mx", "03/04/1990"]], date_order="MDY")
    assert summary.date_orders == {"dob": "MDY"}  # type: ignore[attr-defined]
    assert summary.date_order_sources == {"dob": "option"}  # type: ignore[attr-defined]
    assert rows[0].contact["dateOfBirth"] == "1990-03-04"


def test_column_date_order_beats_the_option(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[columns]\n"dob" = { field = "dateOfBirth", date_order = "DMY" }\n')
    rows, _ = run(["email", "dob"], [["a@b.mx", "03/04/1990"]], load_mapping(path),
                  date_order="MDY")  # fmt: skip
    assert rows[0].contact["dateOfBirth"] == "1990-04-03"


# -- duplicates -----------------------------------------------------------------------

DUP_HEADERS = ["email", "phone"]
DUP_ROWS = [
    ["ana@x.mx", "5511111111"],  # row 2
    ["ANA@x.mx", "5522222222"],  # row 3: same email as 2
    ["luis@x.mx", "+52 55 2222 2222"],  # row 4: same phone as 3
    ["eva@x.mx", None],  # row 5: unique
]


def _dup_rows(policy: Duplicates) -> dict[int, str]:
    rows, _ = run(DUP_HEADERS, DUP_ROWS, duplicates=policy)
    return {r.row: ("ok" if r.ok else r.issues[-1].message) for r in rows}


def test_duplicates_first() -> None:
    assert _dup_rows("first") == {
        2: "ok",
        3: "same email as row 2 (--duplicates first keeps row 2)",
        4: "ok",  # its phone's first holder (row 3) failed, so row 4 holds it
        5: "ok",
    }


def test_duplicates_last() -> None:
    assert _dup_rows("last") == {
        2: "same email as row 3 (--duplicates last keeps row 3)",
        3: "same phone as row 4 (--duplicates last keeps row 4)",
        4: "ok",
        5: "ok",
    }


def test_duplicates_fail() -> None:
    assert _dup_rows("fail") == {
        2: "same email as row 3 (--duplicates fail)",
        3: "same email as row 2 (--duplicates fail)",
        4: "same phone as row 3 (--duplicates fail)",
        5: "ok",
    }


def test_first_duplicate_that_fails_otherwise_does_not_claim_the_key() -> None:
    rows, _ = run(["email", "dob"], [["a@b.mx", "03/04/1990"], ["a@b.mx", "1990-01-01"]])
    assert codes(rows[0]) == [("ambiguous-date", "error")]
    assert rows[1].ok


def test_plain_table_is_buffered_and_gives_the_same_rows() -> None:
    make = factory(DUP_HEADERS, DUP_ROWS)
    from_table = [r.ok for r in prepare_rows(make())]
    from_factory = [r.ok for r in prepare_rows(make)]
    assert from_table == from_factory == [True, False, True, True]


def test_constants_and_tag_separator(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[defaults]\ntag_separator = "|"\n'
                    '[columns]\n"Plan" = { custom_field = "Plan" }\n'
                    '[constants]\nsource = "migración"\ncountry = "México"\ntags = ["migrado"]\n',
                    encoding="utf-8")  # fmt: skip
    rows, _ = run(["email", "tags", "Plan", "source"],
                  [["a@b.mx", "a, b|c", "Pro", None], ["c@d.mx", None, None, "feria"]],
                  load_mapping(path))  # fmt: skip
    assert rows[0].tags == ["a, b", "c", "migrado"]
    assert rows[0].contact["source"] == "migración" and rows[0].contact["country"] == "MX"
    assert rows[0].custom_fields == {"Plan": "Pro"}
    assert rows[1].contact["source"] == "feria"  # a cell wins over the constant
    assert rows[1].tags == ["migrado"]


def test_reader_issues_are_carried_and_counted() -> None:
    from bulkio.errors import RowIssue

    def make() -> Table:
        rows = iter([SourceRow(2, {"email": "a@b.mx"}, (RowIssue(2, "ragged-row", "x",
                                                                  severity="warning"),)),
                     SourceRow(4, {"email": None}, (RowIssue(4, "empty-row", "y",
                                                             severity="warning"),))])  # fmt: skip
        return Table(path=Path("t.csv"), format="csv", headers=["email"], rows=rows)

    prep = prepare_rows(make)
    rows = list(prep)
    assert rows[0].ok and codes(rows[0]) == [("ragged-row", "warning")]
    assert codes(rows[1]) == [("empty-row", "warning"), ("missing-identifier", "error")]
    assert prep.summary.warnings == {"ragged-row": 1, "empty-row": 1}


# -- samples --------------------------------------------------------------------------


def _sample(name: str, mapping: MappingFile | None = None) -> tuple[list[PreparedRow], object]:
    path = SAMPLES / name
    prep = prepare_rows(lambda: open_table(path), mapping, today=TODAY)
    return list(prep), prep.summary


def test_sample_contactos_mx_expected_results() -> None:
    rows, summary = _sample("contactos_mx.csv", load_mapping(SAMPLES / "contactos_mx.map.toml"))
    s = summary
    assert (s.rows_read, s.rows_ready, s.rows_failed) == (60, 57, 3)  # type: ignore[attr-defined]
    assert s.errors == {"missing-identifier": 2, "duplicate-in-file": 1}  # type: ignore[attr-defined]
    assert s.warnings == {"impossible-date": 1, "invalid-email": 1,  # type: ignore[attr-defined]
                          "invalid-phone": 1, "unknown-country": 1}  # fmt: skip
    failed = {r.row: r.issues[-1].code for r in rows if not r.ok}
    assert failed == {6: "missing-identifier", 13: "missing-identifier", 25: "duplicate-in-file"}
    by_row = {r.row: r for r in rows}
    assert by_row[2].custom_fields == {"Plan": "Básico"}
    assert by_row[2].contact["source"] == "migración 2026"
    assert "migrado" in by_row[2].tags
    assert all(r.contact.get("phone", "+52").startswith("+52") for r in rows)
    assert s.ignored == ["Notas internas"]  # type: ignore[attr-defined]


def test_sample_contactos_mx_without_mapping_detects_day_first() -> None:
    rows, summary = _sample("contactos_mx.csv")
    assert summary.date_orders == {"Fecha de nacimiento": "DMY"}  # type: ignore[attr-defined]
    assert set(summary.unmapped) == {"Plan", "Notas internas"}  # type: ignore[attr-defined]
    assert summary.rows_ready == 57  # type: ignore[attr-defined]
    assert {r.row: r.contact.get("dateOfBirth") for r in rows}[42] == "1990-12-25"


def test_sample_clientes_xlsx_expected_results() -> None:
    rows, summary = _sample("clientes.xlsx")
    s = summary
    assert s.header_row == 4  # type: ignore[attr-defined]
    assert (s.rows_read, s.rows_ready, s.rows_failed) == (30, 28, 2)  # type: ignore[attr-defined]
    assert s.errors == {"missing-identifier": 1, "duplicate-in-file": 1}  # type: ignore[attr-defined]
    failed = {r.row: r.issues[-1].message for r in rows if not r.ok}
    assert failed == {14: "the row has no valid email and no valid phone",
                      25: "same phone as row 7 (--duplicates first keeps row 7)"}  # fmt: skip
    first = rows[0]
    assert first.contact["postalCode"].startswith("0") and len(first.contact["postalCode"]) == 5
    assert first.contact["dateOfBirth"] == "1970-01-01"
    assert first.contact["phone"].startswith("+5255")
    assert (first.contact["firstName"], first.contact["lastName"]) == ("José", "Hernández")
    assert first.tags == ["cliente", "sucursal centro"]


def test_samples_are_regenerated_byte_for_byte(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_contactos(tmp_path / "c.csv")
    module.write_clientes(tmp_path / "c.xlsx")
    assert (tmp_path / "c.csv").read_bytes() == (SAMPLES / "contactos_mx.csv").read_bytes()
    assert (tmp_path / "c.xlsx").read_bytes() == (SAMPLES / "clientes.xlsx").read_bytes()
