"""An API that never answers (wrong --base-url, DNS, TLS) stops the run at once, resumably."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from bulkio.cli import main

#: nothing listens on port 1 of the loopback: every connection is refused
DEAD_URL = "http://127.0.0.1:1"


def invoke(sandbox: Any, base_url: str, *args: str) -> Result:
    argv = [*args, "--base-url", base_url, "--location-id", sandbox.location_id]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token},
                              catch_exceptions=False)


def write_rows(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["email", "first name"])
        writer.writerows([f"c{i}@ejemplo.mx", f"Nombre{i}"] for i in range(n))
    return path


def test_import_against_a_dead_url_aborts_at_once_and_resumes(sandbox: Any, tmp_path: Path,
                                                               ) -> None:
    src = write_rows(tmp_path / "e.csv", 3)
    result = invoke(sandbox, DEAD_URL, "import", str(src))
    assert result.exit_code == 1, result.output
    assert "no response" in result.output and "--base-url" in result.output
    assert "api-error" not in result.output and "Traceback" not in result.output
    with (tmp_path / "e.failures.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert {r["_error_code"] for r in csv.DictReader(fh)} == {"not-processed"}
    # the hint fits the command: `bulkio resume ID`, not an option `resume` does not have
    run_id = result.output.split("run ", 1)[1].split(",")[0]
    journal = str(tmp_path / ".bulkio" / "journal.db")
    # ... and repeats where the API is, so that it runs verbatim
    assert f"finish the run with `bulkio resume {run_id} --base-url {DEAD_URL}`" \
        in result.output
    assert "re-run with --resume" not in result.output
    resumed = invoke(sandbox, DEAD_URL, "resume", run_id, "--journal", journal)
    assert resumed.exit_code == 1, resumed.output
    assert f"`bulkio resume {run_id} --base-url {DEAD_URL} --journal {journal}`" \
        in resumed.output
    assert "re-run with --resume" not in resumed.output
    again = invoke(sandbox, sandbox.url, "import", str(src), "--resume", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["resumed"] is True
    emails = sorted(c["email"] for c in sandbox.admin.contacts(sandbox.location_id))
    assert emails == [f"c{i}@ejemplo.mx" for i in range(3)]


def test_tags_add_against_a_dead_url_aborts_at_once_and_resumes(sandbox: Any, tmp_path: Path,
                                                                ) -> None:
    src = write_rows(tmp_path / "e.csv", 2)
    assert invoke(sandbox, sandbox.url, "import", str(src)).exit_code == 0
    result = invoke(sandbox, DEAD_URL, "tags", "add", str(src), "--tags", "vip")
    assert result.exit_code == 1, result.output
    assert "no response" in result.output and "--base-url" in result.output
    assert "api-error" not in result.output
    [error] = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert "--resume" not in error  # said once, in the command below
    # the real command to resume with, as typed, not a literal FILE
    [resume] = [line for line in result.output.splitlines() if line.startswith("Resume with")]
    assert resume == (f"Resume with: bulkio tags add {src} --location-id "
                      f"{sandbox.location_id} --base-url {DEAD_URL} --tags vip --resume")
    again = invoke(sandbox, sandbox.url, "tags", "add", str(src), "--tags", "vip", "--resume")
    assert again.exit_code == 0, again.output
    assert all(c["tags"] == ["vip"] for c in sandbox.admin.contacts(sandbox.location_id))
