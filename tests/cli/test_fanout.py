"""``--locations``: one command for several sub-accounts in one process, each with its own
reports and outcome, the worst exit code at the end (issue 13, point 3), over the sandbox."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from bulkio.cli import main
from tests.conftest import SandboxHandle


def _profiles(tmp_path: Path, sandbox: SandboxHandle, **tokens: tuple[str, str]) -> Path:
    text = "".join(f'[profiles.{name}]\nlocation_id = "{loc}"\ntoken = "{token}"\n'
                   f'base_url = "{sandbox.url}"\n\n' for name, (loc, token) in tokens.items())
    path = tmp_path / "bulkio.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_profiles_fan_out_and_a_failing_location_does_not_stop_the_others(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    norte, norte_token = sandbox.admin.create_location()
    config = _profiles(tmp_path, sandbox, centro=(sandbox.location_id, sandbox.token),
                       norte=(norte, norte_token), roto=(norte, "pit-not-a-real-token"))
    src = tmp_path / "alta.csv"
    src.write_text("email,tags\nana@example.mx,vip\nluis@example.mx,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(src), "--config", str(config),
                                       "--locations", "centro,roto,norte", "-q"])
    assert result.exit_code == 1, result.output  # the worst: one location stopped
    for loc in (sandbox.location_id, norte):
        assert {c["email"] for c in sandbox.admin.contacts(loc)} == {"ana@example.mx",
                                                                     "luis@example.mx"}
    rows = [line.split() for line in result.stderr.splitlines()]
    assert ["location", "exit", "outcome"] in rows
    assert ["centro", "0", "ok"] in rows and ["norte", "0", "ok"] in rows
    assert any(r[:3] == ["roto", "1", "stopped:"] for r in rows), result.stderr
    # the failing location's next step names it, so that it runs as printed
    assert "--profile roto" in result.stderr and "bulkio resume" in result.stderr
    # each location's reports carry its id (whichever ran first): none overwrites another
    assert (tmp_path / f"alta.{sandbox.location_id}.success.csv").exists()
    assert (tmp_path / f"alta.{norte}.success.csv").exists()
    assert not (tmp_path / "alta.success.csv").exists()


def test_all_sandbox_locations_export_one_file_each(tmp_path: Path) -> None:
    runner = CliRunner()
    src = tmp_path / "c.csv"
    src.write_text("email\nana@example.mx\n", encoding="utf-8")
    assert runner.invoke(main, ["sandbox", "locations", "add", "Norte"]).exit_code == 0
    assert runner.invoke(main, ["import", str(src), "--sandbox", "--locations", "all",
                                "-q"]).exit_code == 0  # fmt: skip
    out = tmp_path / "todos-{location}.csv"
    result = runner.invoke(main, ["export", "-o", str(out), "--sandbox", "--locations", "all"])
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("todos-*.csv"))
    assert len(files) == 2
    assert all("ana@example.mx" in f.read_text(encoding="utf-8") for f in files)
    unknown = runner.invoke(main, ["export", "-o", str(out), "--sandbox", "--locations", "Sur"])
    assert unknown.exit_code == 1 and "no single sandbox location is 'Sur'" in unknown.output
    stdout = runner.invoke(main, ["export", "-o", "-", "--sandbox", "--locations", "all"])
    assert stdout.exit_code == 2 and "one file per location" in stdout.output


def test_a_location_column_routes_each_row_to_its_location(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["sandbox", "locations", "add", "Norte"]).exit_code == 0
    src = tmp_path / "altas.csv"
    src.write_text("email,Sucursal\nana@example.mx,Norte\nluis@example.mx,Sandbox location\n"
                   "sol@example.mx,Marte\n", encoding="utf-8")
    result = runner.invoke(main, ["import", str(src), "--sandbox", "--locations", "all"])
    assert result.exit_code == 3, result.output  # the worst: one row routed nowhere
    assert "1 rows name no location of this run" in result.stderr
    assert ["(no", "location)", "3", "some", "rows", "failed:"] in [
        line.split()[:6] for line in result.stderr.splitlines()]
    reports = sorted(p.name for p in tmp_path.glob("altas.*.success.csv"))
    assert len(reports) == 2 and all(name.count(".") == 3 for name in reports), reports
    exported = runner.invoke(main, ["export", "-o", str(tmp_path / "e-{location}.csv"),
                                    "--sandbox", "--locations", "all", "-q"])  # fmt: skip
    assert exported.exit_code == 0, exported.output
    texts = [p.read_text(encoding="utf-8") for p in sorted(tmp_path.glob("e-*.csv"))]
    assert sorted(("ana@example.mx" in t, "luis@example.mx" in t) for t in texts) == [
        (False, True), (True, False)]  # each row in its own location only
    with (tmp_path / "altas.unrouted.failures.csv").open(encoding="utf-8-sig") as fh:
        [row] = list(csv.DictReader(fh))
    assert (row["_row"], row["_error_code"], row["email"]) == ("4", "unknown-location",
                                                               "sol@example.mx")
