"""``bulkio check``, ``bulkio map`` and ``bulkio codes`` through click's CliRunner."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bulkio.clean.mapping import build_mapping, load_mapping
from bulkio.cli import main
from bulkio.errors import CODES

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    for name in ("contactos_mx.csv", "contactos_mx.map.toml"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    return tmp_path / "contactos_mx.csv"


def test_check_sample_writes_three_files_and_exits_3(sample: Path) -> None:
    result = invoke("check", str(sample), "--map", str(sample.with_suffix(".map.toml")), "--json")
    assert result.exit_code == 3
    doc = json.loads(result.stdout)
    assert (doc["rows_read"], doc["rows_ready"], doc["rows_failed"]) == (60, 57, 3)
    assert doc["encoding"] == "cp1252" and doc["delimiter"] == ";"
    out = sample.parent / "contactos_mx-check"
    assert doc["ready_file"] == str(out / "contactos_mx.ready.csv")
    ready = read_csv(out / "contactos_mx.ready.csv")
    failures = read_csv(out / "contactos_mx.failures.csv", ";")
    assert len(ready) == 57 and len(failures) == 3
    assert {r["_row"] for r in ready}.isdisjoint({f["_row"] for f in failures})
    assert [f["_error_code"] for f in failures] == [
        "missing-identifier", "missing-identifier", "duplicate-in-file"]  # fmt: skip
    # failure file = bulkio columns + the user's own columns, as read
    assert list(failures[0])[:3] == ["_row", "_error_code", "_error_message"]
    assert failures[0]["Nombre"] == "Francisco" and failures[0]["Plan"] == "Pro"
    assert ready[0]["cf:Plan"] == "Básico" and ready[0]["country"] == "MX"
    assert ready[0]["phone"] == "+525539986987"  # E.164, no apostrophe
    changes = read_csv(out / "contactos_mx.changes.csv")
    assert {"row": "2", "column": "País", "field": "country", "before": "México",
            "after": "MX"} in changes  # fmt: skip
    assert "rows read 60, ready 57, failed 3" in result.stderr
    assert "Plan -> cf:Plan" in result.stderr


def test_check_clean_file_exits_0_with_out_dir(tmp_path: Path) -> None:
    src = tmp_path / "ok.csv"
    src.write_text("Email,Teléfono,Fecha de nacimiento\na@b.mx,5512345678,1990-01-31\n",
                   encoding="utf-8")  # fmt: skip
    result = invoke("check", str(src), "--out-dir", str(tmp_path / "out"), "--default-region", "mx")
    assert result.exit_code == 0, result.output
    assert read_csv(tmp_path / "out" / "ok.ready.csv")[0]["phone"] == "+525512345678"
    assert read_csv(tmp_path / "out" / "ok.failures.csv") == []


def test_check_xlsx_failure_file_is_xlsx(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "clientes.xlsx", tmp_path / "clientes.xlsx")
    result = invoke("check", str(tmp_path / "clientes.xlsx"))
    assert result.exit_code == 3
    out = tmp_path / "clientes-check"
    assert (out / "clientes.failures.xlsx").exists()
    assert len(read_csv(out / "clientes.ready.csv")) == 28


def test_duplicates_option(sample: Path) -> None:
    result = invoke("check", str(sample), "--duplicates", "fail", "--json")
    assert json.loads(result.stdout)["errors"]["duplicate-in-file"] == 2


@pytest.mark.parametrize(
    ("make", "args", "fragment"),
    [
        (None, [], "file not found"),
        ("garbage", [], ""),
        ("nocols", [], "no column maps to email, phone or contact id"),
        ("ok", ["--sheet", "2"], "--sheet applies to Excel"),
        ("ok", ["--map", "missing.toml"], "mapping file not found"),
        ("badmap", [], "unknown field 'emial'"),
        ("absentcol", [], 'mapping names column "Correo"'),
    ],
)
def test_hostile_input_is_one_line_and_exit_1(
    tmp_path: Path, make: str | None, args: list[str], fragment: str
) -> None:
    src = tmp_path / "in.csv"
    if make == "garbage":
        src.write_bytes(b"\x00\xff\xfe" * 50 + bytes(range(256)) * 20)
    elif make == "nocols":
        src.write_text("Nombre,Plan\nAna,Pro\n")
    elif make is not None:
        src.write_text("Email,Nombre\na@b.mx,Ana\n")
    if make == "badmap":
        (tmp_path / "m.toml").write_text('[columns]\n"Email" = "emial"\n')
        args = ["--map", str(tmp_path / "m.toml")]
    if make == "absentcol":
        (tmp_path / "m.toml").write_text('[columns]\n"Correo" = "email"\n')
        args = ["--map", str(tmp_path / "m.toml")]
    args = [str(tmp_path / a) if a.endswith(".toml") and "/" not in a else a for a in args]
    result = CliRunner().invoke(main, ["check", str(src), *args])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert fragment in lines[0]


def test_usage_error_exits_2(sample: Path) -> None:
    assert CliRunner().invoke(main, ["check", str(sample), "--duplicates", "some"]).exit_code == 2
    assert CliRunner().invoke(main, ["check"]).exit_code == 2
    bad_region = CliRunner().invoke(main, ["check", str(sample), "--default-region", "Mexico"])
    assert bad_region.exit_code == 2


@pytest.mark.parametrize("command", [["check"], ["import"], ["tags", "add"]])
@pytest.mark.parametrize(("args", "option", "fragment"), [
    (["--default-region", "ZZ"], "--default-region", "'ZZ' is not a country code"),
    (["--default-region", "Mexico"], "--default-region", "two-letter"),
    (["--delimiter", "ab"], "--delimiter", "one character"),
    (["--encoding", "utf-9"], "--encoding", "unknown encoding 'utf-9'"),
])  # fmt: skip
def test_bad_reading_option_is_a_usage_error_naming_it(
    sample: Path, command: list[str], args: list[str], option: str, fragment: str,
) -> None:
    result = CliRunner().invoke(main, [*command, str(sample), *args],
                                env={"BULKIO_TOKEN": "x"})
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output and fragment in result.output


@pytest.mark.parametrize("command", ["check", "map", "codes"])
def test_help_starts_with_a_line_then_an_example(command: str) -> None:
    result = invoke(command, "-h")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "bulkio " + command in result.output


def test_map_writes_an_editable_mapping_that_check_accepts(sample: Path) -> None:
    out = sample.parent / "mine.toml"
    result = invoke("map", str(sample), "-o", str(out))
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert '"Correo electrónico" = "email"' in text
    assert '"Fecha de nacimiento" = { field = "dateOfBirth", date_order = "DMY" }' in text
    assert '# "Plan" = { custom_field = "Plan" }  # unmapped:' in text
    headers = sample.read_text(encoding="cp1252").splitlines()[0].split(";")
    mapping = build_mapping(headers, load_mapping(out))
    assert set(mapping.unmapped) == {"Plan", "Notas internas"}
    # refuses to overwrite, then --force does
    assert invoke("map", str(sample), "-o", str(out)).exit_code == 1
    assert invoke("map", str(sample), "-o", str(out), "--force").exit_code == 0
    # the written mapping is usable as is
    assert invoke("check", str(sample), "--map", str(out)).exit_code == 3


def test_map_prints_to_stdout_and_keeps_a_given_mapping(sample: Path) -> None:
    result = invoke("map", str(sample), "--map", str(sample.with_suffix(".map.toml")))
    assert result.exit_code == 0
    assert '"Plan" = { custom_field = "Plan" }' in result.stdout
    assert 'ignore = ["Notas internas"]' in result.stdout
    assert 'default_region = "MX"' in result.stdout


def test_codes_lists_the_catalogue() -> None:
    result = invoke("codes")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(CODES)
    assert any(line.startswith("ambiguous-date ") for line in lines)
    assert json.loads(invoke("codes", "--json").stdout) == CODES


def test_ambiguous_dates_fail_until_date_order_is_given(tmp_path: Path) -> None:
    src = tmp_path / "fechas.csv"
    src.write_text("Correo;Fecha de nacimiento\na@b.mx;03/04/1990\nc@d.mx;05/06/1980\n",
                   encoding="utf-8")  # fmt: skip
    first = invoke("check", str(src), "--json")
    assert first.exit_code == 3
    assert json.loads(first.stdout)["errors"] == {"ambiguous-date": 2}
    assert "UNDECIDED" in first.stderr
    second = invoke("check", str(src), "--date-order", "dmy", "--json")
    assert second.exit_code == 0
    ready = read_csv(tmp_path / "fechas-check" / "fechas.ready.csv")
    assert [r["dateOfBirth"] for r in ready] == ["1990-04-03", "1980-06-05"]


@pytest.fixture
def salesforce(tmp_path: Path) -> Path:
    shutil.copy(SAMPLES / "crm" / "salesforce.csv", tmp_path / "salesforce.csv")
    return tmp_path / "salesforce.csv"


def test_check_names_the_source_and_lists_unmapped_columns(salesforce: Path) -> None:
    result = invoke("check", str(salesforce), "--default-region", "MX", "--json")
    assert result.exit_code == 0, result.output
    assert ("looks like a Salesforce contact export (10 of its headers); force another preset "
            "with --from NAME") in result.stderr  # fmt: skip
    assert "  Mailing Zip/Postal Code -> postalCode" in result.stderr
    assert "  phone is the first non-empty of Business Phone + Mobile" in result.stderr
    assert "columns NOT mapped (6; not sent, kept in the reports):" in result.stderr
    assert "  Other Street: Salesforce contact export column: a second address set" in (
        result.stderr)
    doc = json.loads(result.stdout)
    assert doc["source"] == "salesforce"
    assert doc["warnings"] == {"extra-value": 1}
    assert doc["combined"] == {"phone": ["Business Phone", "Mobile"]}


def test_from_forces_a_preset_and_rejects_unknown_names(salesforce: Path) -> None:
    result = invoke("check", str(salesforce), "--default-region", "MX", "--from", "zoho")
    assert "read as a Zoho CRM contact export (--from)" in result.stderr
    assert "  Other Street: Zoho CRM contact export column: a second address" in result.stderr
    bad = CliRunner().invoke(main, ["check", str(salesforce), "--from", "sugarcrm"])
    assert bad.exit_code == 2 and "--from" in bad.output


def test_map_write_saves_the_mapping_for_the_next_file(salesforce: Path, tmp_path: Path) -> None:
    out = tmp_path / "sf.map.toml"
    result = invoke("map", str(salesforce), "--write", str(out))
    assert result.exit_code == 0, result.output
    assert "columns NOT mapped (6; not sent unless you map them):" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert 'from = "salesforce"  # Salesforce contact export' in text
    assert '"Mobile" = "phone"' in text and '"Business Phone" = "phone"' in text
    assert load_mapping(out).source_name == "salesforce"
    # the next export of the same CRM, with the same columns, reads the same way
    nxt = tmp_path / "salesforce-march.csv"
    shutil.copy(salesforce, nxt)
    again = invoke("check", str(nxt), "--map", str(out), "--default-region", "MX", "--json")
    assert again.exit_code == 0, again.output
    assert "read as a Salesforce contact export (the mapping file)" in again.stderr
    assert json.loads(again.stdout)["mapped"]["Mailing Country"] == "country"


def test_invisible_characters_do_not_make_a_second_contact(tmp_path: Path) -> None:
    src = tmp_path / "inv.csv"
    src.write_text("Email,Teléfono\nana@example.com,+528102978753\n"
                   "ana\u200b@example.com,+52 81\u200b0297 8754\n"
                   "jose\u0301@ejemplo.mx,\n", encoding="utf-8")
    result = invoke("check", str(src), "--out-dir", str(tmp_path / "out"), "--json")
    failures = read_csv(tmp_path / "out" / "inv.failures.csv")
    ready = read_csv(tmp_path / "out" / "inv.ready.csv")
    assert [(f["_row"], f["_error_code"]) for f in failures] == [("3", "duplicate-in-file")]
    assert [r["email"] for r in ready] == ["ana@example.com", "jos\u00e9@ejemplo.mx"]
    assert result.exit_code == 3


def test_ready_file_shows_a_full_name_sent_whole(tmp_path: Path) -> None:
    src = tmp_path / "nombres.csv"
    src.write_text("Nombre completo,Correo\nJuan Carlos Pérez,jc@example.mx\n"
                   "Ana López,ana@example.mx\n", encoding="utf-8")
    result = invoke("check", str(src))
    assert result.exit_code == 0, result.output
    with (tmp_path / "nombres-check" / "nombres.ready.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["name"], r["firstName"], r["lastName"]) for r in rows] == [
        ("Juan Carlos Pérez", "", ""), ("", "Ana", "López")]
