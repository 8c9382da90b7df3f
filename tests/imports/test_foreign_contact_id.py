"""A HighLevel export of another sub-account imports into this one: its ``Contact Id``
column, unknown here, falls back to matching by email/phone with a warning (issue 15)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulkio.cli import main
from tests.conftest import SandboxHandle


@pytest.mark.parametrize("extra", [["--mode", "update"], ["--mode", "update", "--snapshot"],
                                   ["--snapshot"]])  # fmt: skip
def test_foreign_contact_ids_fall_back_to_email(sandbox: SandboxHandle, tmp_path: Path,
                                                extra: list[str]) -> None:
    sandbox.admin.seed(sandbox.location_id, contacts=[
        {"email": "sergio.vargas@example.mx", "firstName": "Sergio"}])
    src = tmp_path / "export_otra_cuenta.csv"
    src.write_text("Contact Id,First Name,Last Name,Email\n"
                   "Zx8kQm2LpR4sT6vW9yA1,Sergio,Vargas,sergio.vargas@example.mx\n",
                   encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(
        main, ["import", str(src), *extra, "--base-url", sandbox.url, "--location-id",
               sandbox.location_id, "-q"], env={"BULKIO_TOKEN": sandbox.token})  # fmt: skip
    assert result.exit_code == 0, result.output
    [contact] = sandbox.admin.contacts(sandbox.location_id)
    assert contact["lastName"] == "Vargas"
    with (tmp_path / "export_otra_cuenta.success.csv").open(encoding="utf-8-sig") as fh:
        [row] = list(csv.DictReader(fh))
    if "--mode" in extra:  # upsert never reads the id; update and snapshot do
        assert "foreign-contact-id" in row["_warnings"]
        assert "Zx8kQm2LpR4sT6vW9yA1 is not in this location" in row["_warnings"]


def test_a_foreign_id_without_email_or_phone_still_fails(sandbox: SandboxHandle,
                                                         tmp_path: Path) -> None:
    src = tmp_path / "solo_id.csv"
    src.write_text("Contact Id,First Name,Email\nZx8kQm2LpR4sT6vW9yA1,Sergio,\n",
                   encoding="utf-8")
    result = CliRunner().invoke(
        main, ["import", str(src), "--mode", "update", "--base-url", sandbox.url,
               "--location-id", sandbox.location_id, "-q"],
        env={"BULKIO_TOKEN": sandbox.token})  # fmt: skip
    assert result.exit_code == 3, result.output
