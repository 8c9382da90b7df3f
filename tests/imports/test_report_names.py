"""One file imported into two locations: each location keeps its own reports (issue 11)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bulkio.cli import main
from tests.conftest import SandboxHandle


def _import(src: Path, location_id: str, token: str, url: str) -> None:
    result = CliRunner().invoke(main, ["import", str(src), "--base-url", url, "--location-id",
                                       location_id, "-q"], env={"BULKIO_TOKEN": token})
    assert result.exit_code == 0, result.output


def test_a_second_location_gets_its_own_report_names(sandbox: SandboxHandle,
                                                     tmp_path: Path) -> None:
    src = tmp_path / "clientes.csv"
    src.write_text("email\nana@example.mx\nluis@example.mx\n", encoding="utf-8")
    other, other_token = sandbox.admin.create_location()
    _import(src, sandbox.location_id, sandbox.token, sandbox.url)
    first = (tmp_path / "clientes.success.csv").read_bytes()
    _import(src, other, other_token, sandbox.url)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in other)
    assert (tmp_path / f"clientes.{safe}.success.csv").exists()
    assert (tmp_path / f"clientes.{safe}.summary.json").exists()
    assert (tmp_path / "clientes.success.csv").read_bytes() == first  # left alone
    # the first location keeps the plain names on its next run
    src.write_text("email\nana@example.mx\nluis@example.mx\nsol@example.mx\n", encoding="utf-8")
    _import(src, sandbox.location_id, sandbox.token, sandbox.url)
    assert b"sol@example.mx" in (tmp_path / "clientes.success.csv").read_bytes()
    assert b"sol@example.mx" not in (tmp_path / f"clientes.{safe}.success.csv").read_bytes()
