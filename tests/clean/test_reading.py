"""One reading-options type (:class:`bulkio.clean.reading.ReadOptions`): check, import, bulk."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from bulkio.clean.reading import ReadOptions
from bulkio.cli import main
from bulkio.cli.reading import pop_read_options, reading_option_list
from bulkio.runs.journal import Journal


def _parse(args: list[str], *, prepare: bool = True) -> ReadOptions:
    got: list[ReadOptions] = []

    @click.command()
    def cmd(**kwargs: Any) -> None:
        got.append(pop_read_options(kwargs))
        assert not kwargs, kwargs

    for option in reversed(reading_option_list(prepare=prepare)):
        cmd = option(cmd)
    result = CliRunner().invoke(cmd, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return got[0]


@pytest.mark.parametrize(("args", "expected"), [
    ([], ReadOptions()),
    (["--delimiter", "semicolon"], ReadOptions(delimiter=";")),
    (["--delimiter", "tab"], ReadOptions(delimiter="\t")),
    (["--delimiter", "|"], ReadOptions(delimiter="|")),
    (["--sheet", "2"], ReadOptions(sheet=2)),
    (["--sheet", "Hoja1"], ReadOptions(sheet="Hoja1")),
    (["--default-region", "mx", "--date-order", "dmy"],
     ReadOptions(default_region="MX", date_order="DMY")),
    (["--map", "m.toml", "--duplicates", "fail", "--header-row", "3"],
     ReadOptions(mapping=Path("m.toml"), duplicates="fail", header_row=3)),
])  # fmt: skip
def test_command_line_builds_read_options(args: list[str], expected: ReadOptions) -> None:
    assert _parse(args) == expected


def test_bulk_commands_take_the_reading_options_without_map_and_duplicates() -> None:
    assert _parse(["--delimiter", "pipe", "--sheet", "1"], prepare=False) == ReadOptions(
        delimiter="|", sheet=1)
    names = {p.name for o in reading_option_list(prepare=False)
             for p in click.command()(o(lambda **_: None)).params}  # fmt: skip
    assert "map_file" not in names and "duplicates" not in names


def test_json_round_trip_keeps_every_field(tmp_path: Path) -> None:
    read = ReadOptions(mapping=tmp_path / "m.toml", encoding="cp1252", delimiter=";", sheet=2,
                       header_row=2, default_region="MX", date_order="DMY", duplicates="last")
    assert ReadOptions.from_json(json.loads(json.dumps(read.to_json()))) == read


def test_bulk_run_journals_the_same_read_options_as_import(sandbox: Any, tmp_path: Path
                                                          ) -> None:
    src = tmp_path / "tags.csv"
    with src.open("w", encoding="cp1252", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["Correo electrónico", "Etiquetas"])
        writer.writerow(["ana@ejemplo.mx", "vip"])
    sandbox.admin.seed(sandbox.location_id, contacts=[{"email": "ana@ejemplo.mx"}])
    argv = ["tags", "add", str(src), "--encoding", "cp1252", "--delimiter", "semicolon",
            "--base-url", sandbox.url, "--location-id", sandbox.location_id, "-q"]
    result = CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with Journal.open(tmp_path / ".bulkio" / "journal.db") as journal:
        run = journal.latest_run(input_path=src, location_id=sandbox.location_id,
                                 command="tags add")
        assert run is not None
        stored = ReadOptions.from_json(run.options["read"])
    assert stored == ReadOptions(encoding="cp1252", delimiter=";")
    assert stored.open(src).headers == ["Correo electrónico", "Etiquetas"]
