"""Conventions for scripts (issue 14, points 3 and 4): --json schemas as documented in
docs/scripting.md, a closed pipe, timestamps and --log-file, shell completion, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bulkio.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
_ROW = re.compile(r"^\| `(bulkio [a-z ]+)`[^|]*\|(.*?)\|(.*?)\|$")
_KEY = re.compile(r"`([A-Za-z_]+)`")


def _documented() -> dict[str, tuple[set[str], set[str]]]:
    """Command -> (keys always there, keys sometimes there), from docs/scripting.md."""
    out: dict[str, tuple[set[str], set[str]]] = {}
    for line in (ROOT / "docs" / "scripting.md").read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if m is None:
            continue
        command, always, sometimes = m.groups()
        if always.strip().startswith("same as "):
            out[command] = out[always.strip().removeprefix("same as ").strip("`")]
            continue
        out[command] = (set(_KEY.findall(always)), set(_KEY.findall(sometimes)))
    return out


def _json(result: Result) -> dict[str, Any]:
    lines = result.stdout.splitlines()
    assert len(lines) == 1, f"not one line on stdout: {result.stdout[:400]!r}"
    doc = json.loads(lines[0])
    assert isinstance(doc, dict)
    return doc


def _invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_every_command_prints_one_json_line_with_the_documented_keys(
        tmp_path: Path, sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "contactos.csv"
    src.write_bytes((SAMPLES / "contactos_mx.csv").read_bytes())
    tags = tmp_path / "tags.csv"
    tags.write_bytes((SAMPLES / "bulk_tags.csv").read_bytes())
    api = ["--base-url", sandbox.url, "--location-id", sandbox.location_id]
    env: dict[str, str | None] = {"BULKIO_TOKEN": sandbox.token, "CANCUN_TOKEN": sandbox.token}
    config = tmp_path / "bulkio.toml"
    config.write_text(f'[profiles.cancun]\nlocation_id = "{sandbox.location_id}"\n'
                      f'token_env = "CANCUN_TOKEN"\nbase_url = "{sandbox.url}"\n',
                      encoding="utf-8")
    db = str(tmp_path / "rehearsal.db")
    seen: dict[str, list[set[str]]] = {}

    def run(command: str, *args: str, codes: tuple[int, ...] = (0, 3)) -> dict[str, Any]:
        result = _invoke(*command.split()[1:], *args, "--json", env=env)
        assert result.exit_code in codes, result.output
        doc = _json(result)
        seen.setdefault(command, []).append(set(doc))
        return doc

    imported = run("bulkio import", str(src), "--default-region", "MX", *api)
    run("bulkio import", str(src), "--default-region", "MX", "--dry-run", *api)
    run_id = imported["run_id"]
    run("bulkio retry", run_id, *api)
    run("bulkio resume", run_id, *api)
    run("bulkio check", str(src))
    run("bulkio map", str(src))
    run("bulkio codes")
    run("bulkio export", "-o", str(tmp_path / "out.csv"), *api)
    run("bulkio tags add", str(tags), *api)
    run("bulkio tags add", str(tags), "--dry-run", *api)
    run("bulkio runs")
    run("bulkio runs show", run_id)
    run("bulkio undo", run_id, "--dry-run", *api)
    undone = run("bulkio undo", run_id, "--yes", *api)
    assert undone["dry_run"] is False
    run("bulkio sandbox fields list", "--db", db)
    run("bulkio sandbox locations list", "--db", db)
    run("bulkio sandbox users list", "--db", db)
    run("bulkio sandbox businesses list", "--db", db)
    run("bulkio sandbox status", "--db", db)
    run("bulkio sandbox fields copy", "--from-location-id", sandbox.location_id, "--base-url",
        sandbox.url, "--db", db)
    serve = subprocess.Popen([sys.executable, "-m", "bulkio", "sandbox", "serve", "--port",
                              "0", "--json", "--db", str(tmp_path / "served.db")],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert serve.stdout is not None
        served = json.loads(serve.stdout.readline())
        seen["bulkio sandbox serve"] = [set(served)]
        assert served["base_url"].startswith("http://127.0.0.1:")
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    # copy between two locations of the embedded sandbox (tests/copy covers the rest)
    assert _invoke("import", str(tags), "--sandbox", "-q").exit_code == 0
    assert _invoke("sandbox", "locations", "add", "Destino").exit_code == 0
    run("bulkio copy", "--from", "sandbox", "--to", "sandbox:Destino")
    run("bulkio profiles", "--config", str(config))
    run("bulkio profiles check", "--config", str(config))

    documented = _documented()
    # profiles locations needs an agency app installation: tests/cli/test_profiles.py
    assert set(documented) - set(seen) == {"bulkio profiles locations"}
    for command, key_sets in seen.items():
        always, sometimes = documented[command]
        for keys in key_sets:
            if command == "bulkio codes":
                assert keys == set(json.loads(_invoke("codes", "--json").stdout))
                continue
            assert always <= keys, f"{command}: missing {always - keys}"
            extra = keys - always - sometimes
            assert not extra, f"{command}: undocumented {extra}"


def test_a_closed_pipe_ends_quietly_with_exit_0(sandbox: Any) -> None:
    sandbox.admin.seed(sandbox.location_id, count=1500)  # far more than a pipe buffer holds
    env = {**os.environ, "BULKIO_TOKEN": sandbox.token}
    for argv in (["export", "-o", "-", "-q", "--base-url", sandbox.url,
                  "--location-id", sandbox.location_id], ["codes"]):
        proc = subprocess.Popen([sys.executable, "-m", "bulkio", *argv], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()  # what `| head -1` does
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 0, err
        assert first.strip()
        assert "Traceback" not in err and "BrokenPipe" not in err and "Error" not in err


def test_verbose_lines_carry_timestamps_and_the_log_file_keeps_them_without_the_token(
        tmp_path: Path, sandbox: Any) -> None:
    log = tmp_path / "logs" / "run.log"
    result = _invoke("export", "-o", str(tmp_path / "x.csv"), "-vv", "--log-file", str(log),
                     "--base-url", sandbox.url, "--location-id", sandbox.location_id,
                     env={"BULKIO_TOKEN": sandbox.token})
    assert result.exit_code == 0, result.output
    stamp = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|DEBUG|WARNING) bulkio\.[a-z.]+: "
    request = [line for line in result.stderr.splitlines() if "POST /contacts/search" in line]
    assert request and all(re.match(stamp, line) for line in request), result.stderr
    kept = log.read_text(encoding="utf-8")
    assert any("POST /contacts/search -> 200" in line for line in kept.splitlines())
    assert all(re.match(stamp, line) for line in kept.splitlines() if line), kept
    assert sandbox.token not in kept and sandbox.token not in result.output
    # -q hides the lines on the terminal; the file still gets every request
    quiet_log = tmp_path / "quiet.log"
    quiet = _invoke("export", "-o", str(tmp_path / "y.csv"), "-q", "--log-file",
                    str(quiet_log), "--base-url", sandbox.url, "--location-id",
                    sandbox.location_id, env={"BULKIO_TOKEN": sandbox.token})
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert "POST /contacts/search -> 200" in quiet_log.read_text(encoding="utf-8")


def test_the_bash_completion_script_is_produced() -> None:
    # what `_BULKIO_COMPLETE=bash_source bulkio` prints (docs/scripting.md)
    script = CliRunner().invoke(main, [], env={"_BULKIO_COMPLETE": "bash_source"},
                                prog_name="bulkio")
    assert script.exit_code == 0, script.output
    assert "_bulkio_completion()" in script.stdout
    assert "complete -o nosort -F _bulkio_completion bulkio" in script.stdout
    # and what the script asks for while typing `bulkio exp<TAB>`
    words = CliRunner().invoke(main, [], prog_name="bulkio", env={
        "_BULKIO_COMPLETE": "bash_complete", "COMP_WORDS": "bulkio exp", "COMP_CWORD": "1"})
    assert words.stdout.splitlines() == ["plain,export"]


# -- Ctrl-C ---------------------------------------------------------------------------------


def _interrupt_mid_run(sandbox: Any, argv: list[str], cwd: Path) -> tuple[int, str]:
    """Start ``bulkio argv`` against the slowed-down sandbox, Ctrl-C it once requests flow."""
    env = {**os.environ, "BULKIO_TOKEN": sandbox.token}
    sandbox.admin.clear_requests()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulkio", *argv, "--base-url", sandbox.url, "--location-id",
         sandbox.location_id], env=env, cwd=cwd, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while len(sandbox.admin.requests(sandbox.location_id)) < 4:
        assert time.monotonic() < deadline and proc.poll() is None, "the run never got going"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child needs POSIX signals")
def test_ctrl_c_in_a_bulk_command_writes_the_reports_and_prints_the_resume_command(
        tmp_path: Path, sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    emails = [f"p{i}@ejemplo.mx" for i in range(60)]
    sandbox.admin.seed(sandbox.location_id, contacts=[{"email": e} for e in emails])
    src = tmp_path / "t.csv"
    src.write_text("email\n" + "\n".join(emails) + "\n", encoding="utf-8")
    sandbox.admin.set_faults(latency_ms=400)
    code, err = _interrupt_mid_run(sandbox, ["tags", "add", "t.csv", "--tags", "vip"],
                                   tmp_path)
    sandbox.admin.clear_faults()
    assert code == 1, err
    assert "Aborted!" not in err and "Traceback" not in err
    assert "interrupted (Ctrl-C)" in err
    [line] = [x for x in err.splitlines() if x.startswith("Resume with: ")]
    command = shlex.split(line.removeprefix("Resume with: "))
    assert command == ["bulkio", "tags", "add", "t.csv", "--location-id", sandbox.location_id,
                       "--base-url", sandbox.url, "--tags", "vip", "--resume"]
    failures = (tmp_path / "t.tags-add.failures.csv").read_text(encoding="utf-8")
    assert "not-processed" in failures
    # the printed command, run as printed, finishes the run
    resumed = _invoke(*command[1:], "--json", env={"BULKIO_TOKEN": sandbox.token})
    assert resumed.exit_code == 0, resumed.output
    assert _json(resumed)["succeeded"] == 60
    assert all(c["tags"] == ["vip"] for c in sandbox.admin.contacts(sandbox.location_id))


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child needs POSIX signals")
def test_ctrl_c_in_an_export_keeps_the_previous_file_and_prints_the_command(
        tmp_path: Path, sandbox: Any) -> None:
    sandbox.admin.seed(sandbox.location_id, count=40)
    previous = tmp_path / "out.csv"
    previous.write_text("the previous export\n", encoding="utf-8")
    sandbox.admin.set_faults(latency_ms=400)
    code, err = _interrupt_mid_run(sandbox, ["export", "-o", "out.csv", "--include", "notes"],
                                   tmp_path)
    sandbox.admin.clear_faults()
    assert code == 1, err
    assert "Aborted!" not in err and "Traceback" not in err
    assert ("Error: export interrupted (Ctrl-C); no file was replaced: out.csv is as before "
            "(hint: run it again with `bulkio export --output out.csv --include notes "
            f"--location-id {sandbox.location_id} --base-url {sandbox.url}`)") in err
    assert previous.read_text(encoding="utf-8") == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child needs POSIX signals")
def test_ctrl_c_in_an_import_writes_the_reports_and_prints_the_resume_command(
        tmp_path: Path, sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "c.csv"
    src.write_text("email,nombre\n" + "".join(f"p{i}@ejemplo.mx,P{i}\n" for i in range(60)),
                   encoding="utf-8")
    sandbox.admin.set_faults(latency_ms=400)
    code, err = _interrupt_mid_run(sandbox, ["import", "c.csv"], tmp_path)
    sandbox.admin.clear_faults()
    assert code == 1, err
    assert "Aborted!" not in err and "Traceback" not in err
    match = re.search(r"finish the run with `(bulkio resume [^`]+)`", err)
    assert match is not None, err
    assert (tmp_path / "c.failures.csv").exists() and (tmp_path / "c.success.csv").exists()
    command = shlex.split(match.group(1))
    assert "--base-url" in command  # where the run went, as typed; the location: journal
    resumed = _invoke(*command[1:], "--json", env={"BULKIO_TOKEN": sandbox.token})
    assert resumed.exit_code == 0, resumed.output
    assert _json(resumed)["failed"] == 0
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 60
