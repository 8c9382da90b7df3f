"""Spanish when the locale or --lang says so, English otherwise; error codes are the same."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from bulkio.cli import main
from bulkio.errors import CODES

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
#: every locale variable unset: each test says the one it means
NO_LOCALE: dict[str, str | None] = dict.fromkeys(
    ("BULKIO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"), None
)


def invoke(*args: str, **env: str) -> Result:
    return CliRunner().invoke(main, list(args), env={**NO_LOCALE, **env}, prog_name="bulkio")


def failure_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return Path(shutil.copy(SAMPLES / "contactos_mx.csv", tmp_path / "contactos_mx.csv"))


def test_help_is_spanish_with_lang_es() -> None:
    result = invoke("--lang", "es", "-h")
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("Uso: bulkio [OPTIONS] COMMAND [ARGS]...")
    assert "Mueva contactos entre hojas de cálculo y la API de Contactos v3" in out
    assert "Opciones:" in out and "Comandos:" in out
    assert "Mostrar este mensaje y salir." in out
    assert "Códigos de salida:" in out
    assert "Asigne contactos a un business, o quíteles su business." in out


def test_command_help_is_spanish_from_the_locale() -> None:
    result = invoke("import", "-h", LANG="es_MX.UTF-8")
    assert result.exit_code == 0
    out = result.output
    assert "Importe contactos desde un archivo CSV/XLSX" in out
    assert "Ejemplo:\n    bulkio import contactos.csv --map contactos.map.toml --sandbox" in out
    assert "Correr contra el sandbox integrado" in out  # --sandbox's help
    assert "[predeterminado: upsert]" in out or "predeterminado: upsert" in out


@pytest.mark.parametrize("env", [{}, {"LANG": "C.UTF-8"}, {"LANG": "en_US.UTF-8"}])
def test_english_by_default(env: dict[str, str]) -> None:
    out = invoke("-h", **env).output
    assert out.startswith("Usage: bulkio [OPTIONS] COMMAND [ARGS]...")
    assert "Options:" in out and "Show this message and exit." in out


def test_lang_en_wins_over_a_spanish_locale() -> None:
    assert invoke("--lang", "en", "-h", LANG="es_MX.UTF-8").output.startswith("Usage:")


def test_check_prints_a_spanish_summary_and_the_same_codes(sample: Path) -> None:
    english = invoke("check", str(sample), "--out-dir", str(sample.parent / "en"))
    spanish = invoke("check", str(sample), "--out-dir", str(sample.parent / "es"),
                     LANG="es_MX.UTF-8")  # fmt: skip
    assert english.exit_code == spanish.exit_code == 3
    assert "rows read 60, ready 57, failed 3, cells changed 179" in english.output
    assert "filas leídas 60, listas 57, fallidas 3, celdas cambiadas 179" in spanish.output
    assert "columnas mapeadas:\n  Nombre -> firstName" in spanish.output
    en_rows = failure_rows(sample.parent / "en" / "contactos_mx.failures.csv")
    es_rows = failure_rows(sample.parent / "es" / "contactos_mx.failures.csv")
    assert [(r["_row"], r["_error_code"]) for r in es_rows] == [
        (r["_row"], r["_error_code"]) for r in en_rows
    ] == [("6", "missing-identifier"), ("13", "missing-identifier"), ("25", "duplicate-in-file")]
    assert es_rows[0]["_error_message"] == "la fila no tiene un email válido ni un teléfono válido"
    assert en_rows[0]["_error_message"] == "the row has no valid email and no valid phone"


def test_import_into_the_sandbox_speaks_spanish_with_lang_es(sample: Path) -> None:
    result = invoke("--lang", "es", "import", str(sample), "--sandbox")
    assert result.exit_code == 3
    assert "filas 60: creados 57; fallidas 3" in result.output
    assert "fallas: duplicate-in-file 1, missing-identifier 2" in result.output
    assert "archivo de fallas:" in result.output
    rows = failure_rows(sample.parent / "contactos_mx.failures.csv")
    assert [r["_error_code"] for r in rows] == [
        "missing-identifier", "missing-identifier", "duplicate-in-file"]  # fmt: skip
    assert rows[2]["_error_message"] == (
        "mismo email que la fila 3 (--duplicates first conserva la fila 3)"
    )


@pytest.mark.parametrize(
    ("args", "english", "spanish"),
    [
        (["check", "no-such-file.csv"],
         "Error: no-such-file.csv: file not found (hint: check the path and the current folder)",
         "Error: no-such-file.csv: no se encontró el archivo "
         "(sugerencia: revise la ruta y la carpeta actual)"),
        (["export", "-o", "out.csv"],
         "Error: no API token (hint: set BULKIO_TOKEN",
         "Error: no hay token de la API (sugerencia: defina BULKIO_TOKEN"),
    ],
)  # fmt: skip
def test_common_mistakes_are_explained_in_both_languages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], english: str, spanish: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BULKIO_TOKEN", raising=False)
    en = invoke(*args)
    es = invoke("--lang", "es", *args)
    assert en.exit_code == es.exit_code == 1
    assert english in en.output
    assert spanish in es.output


def test_a_usage_error_is_spanish_too() -> None:
    result = invoke("--lang", "es", "check")
    assert result.exit_code == 2
    assert "Error: Falta el argumento 'FILE'." in result.output
    assert "Pruebe 'bulkio check --help' para ver la ayuda." in result.output


def test_codes_are_the_same_slugs_with_spanish_explanations() -> None:
    english = invoke("codes").output.splitlines()
    spanish = invoke("codes", LANG="es_MX.UTF-8").output.splitlines()
    assert [line.split()[0] for line in spanish] == [line.split()[0] for line in english]
    assert [line.split()[0] for line in english] == list(CODES)
    assert "the row has no values at all" in "\n".join(english)
    assert "la fila no tiene ningún valor" in "\n".join(spanish)


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out += _command_paths(cmd, (*prefix, name))
    return out


def test_every_commands_help_renders_in_spanish() -> None:
    paths = _command_paths(main)
    assert len(paths) > 40
    for path in paths:
        result = invoke("--lang", "es", *path, "-h")
        assert result.exit_code == 0, (path, result.output)
        assert result.output.startswith(f"Uso: bulkio {' '.join(path)} "), path
        assert "Mostrar este mensaje y salir." in result.output, path
