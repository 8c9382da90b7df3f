"""Every shell example of the README and the docs runs, as printed, against the sandbox.

Rules the pages follow (docs/development.md explains them to writers):

- a ```` ```python ```` block runs whole with this interpreter, in the same workspace;
- a ```` ```bash ```` block is executed line by line, in one scratch workspace per page that
  holds copies of ``samples/``, ``templates/`` and ``bench/gen_messy.py``; blocks of one page
  share it, in order, so a page can build on its earlier examples;
- a line must exit 0 or 3 (3 = the run finished and some rows failed, as the samples'
  deliberately bad rows do), unless it ends with a ``# exit N`` comment;
- ``RUN_ID`` stands for the newest run of the workspace's journals;
- a line whose comment ends with ``runs until Ctrl-C`` must still be running after a few
  seconds, then is stopped;
- a block right after ``<!-- not-run: REASON -->`` is not executed (a real location, a
  package install): the reason is required, and every ``bulkio`` command still needs one
  executed example somewhere (:func:`test_every_command_has_an_executed_example`).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from bulkio.cli import main

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
SKIP = re.compile(r"<!--\s*not-run:\s*(.*?)\s*-->")
INSTALL = re.compile(
    r"^python3 -m venv \.venv && \. \.venv/bin/activate && pip install [^&]+(&& )?"
)
EXIT = re.compile(r"#\s*exit (\d+)\s*$")
LINE_TIMEOUT = 180
_PROFILES_TEST = "tests/cli/test_profiles.py::"
#: commands whose only documented example needs a real location, and the test that runs
#: the same command against a served sandbox instead
EXEMPT = {
    "bulkio sandbox fields copy": "tests/sandbox/test_cli.py::test_fields_copy_from_real_location",
    "bulkio profiles": _PROFILES_TEST + "test_the_docs_example_runs_against_the_sandbox",
    "bulkio profiles check": _PROFILES_TEST + "test_the_docs_example_runs_against_the_sandbox",
    "bulkio profiles locations": _PROFILES_TEST
    + "test_the_agency_example_lists_locations_and_exports_one_with_an_exchanged_token",
}


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lines: tuple[str, ...]
    skip: str | None
    lang: str = "bash"


def _blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8").split("\n")
    out: list[Block] = []
    i = 0
    while i < len(text):
        if text[i].strip() in ("```bash", "```python"):
            lang = text[i].strip()[3:]
            j = i + 1
            while not text[j].startswith("```"):
                j += 1
            prev = next((t for t in reversed(text[:i]) if t.strip()), "")
            m = SKIP.search(prev)
            body = text[i + 1 : j]
            lines = _logical(body) if lang == "bash" else ["\n".join(body)]
            out.append(Block(page, i + 1, tuple(lines), m.group(1) if m else None, lang))
            i = j
        i += 1
    return out


def _logical(lines: list[str]) -> list[str]:
    out: list[str] = []
    buf = ""
    for raw in lines:
        if buf:
            buf += " " + raw.strip()
        else:
            buf = raw.strip()
        if buf.endswith("\\"):
            buf = buf[:-1].rstrip()
            continue
        if buf and not buf.startswith("#"):
            out.append(buf)
        buf = ""
    return out


ALL_BLOCKS = [b for p in PAGES for b in _blocks(p)]


def _workspace(tmp: Path) -> Path:
    ws = tmp / "ws"
    ws.mkdir()
    for name in ("samples", "templates"):
        leftovers = shutil.ignore_patterns(".bulkio", "*-check", "*.success.*", "*.failures.*",
                                           "*.summary.json")  # fmt: skip
        shutil.copytree(ROOT / name, ws / name, ignore=leftovers)
    (ws / "bench").mkdir()
    shutil.copy(ROOT / "bench" / "gen_messy.py", ws / "bench" / "gen_messy.py")
    (ws / "home").mkdir()
    return ws


def _env(ws: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKIO_")}
    env["HOME"] = str(ws / "home")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["COLUMNS"] = "100"
    env.pop("VIRTUAL_ENV", None)
    return env


def _newest_run(ws: Path) -> str:
    best: tuple[str, str] | None = None
    for db in ws.rglob("journal.db"):
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT started_at, id FROM runs ORDER BY started_at DESC "
                               "LIMIT 1").fetchone()  # fmt: skip
        if row and (best is None or row[0] > best[0]):
            best = (row[0], row[1])
    assert best is not None, "RUN_ID used before any run was journaled"
    return best[1]


def _run_line(line: str, ws: Path, env_file: Path, where: str) -> None:
    cmd = INSTALL.sub("", line)
    if not cmd or cmd == "pytest":
        return  # the install is CI's own; `pytest` is this very run
    if "RUN_ID" in cmd:
        cmd = cmd.replace("RUN_ID", _newest_run(ws))
    forever = cmd.rstrip().endswith("runs until Ctrl-C")
    m = EXIT.search(cmd)
    expected = {int(m.group(1))} if m else {0, 3}
    script = f'set -a; . "{env_file}"; set +a\n{cmd}\nrc=$?\nexport -p > "{env_file}"\nexit $rc\n'
    proc = subprocess.Popen(["bash", "-c", script], cwd=ws, env=_env(ws),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip
    if forever:
        time.sleep(4)
        alive = proc.poll() is None
        if alive:
            os.killpg(proc.pid, signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        assert alive, f"{where}: `{line}` ended at once:\n{out}\n{err}"
        return
    try:
        out, err = proc.communicate(timeout=LINE_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"{where}: `{line}` still running after {LINE_TIMEOUT} s")
    assert proc.returncode in expected, (
        f"{where}: `{line}` exited {proc.returncode}, expected {sorted(expected)}\n"
        f"stdout:\n{out[-3000:]}\nstderr:\n{err[-3000:]}"
    )
    assert "Traceback" not in err, f"{where}: `{line}` printed a traceback:\n{err}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_examples_run(page: Path, tmp_path: Path) -> None:
    blocks = [b for b in ALL_BLOCKS if b.page == page and b.skip is None]
    if not blocks:
        pytest.skip(f"{page.name} has no executed shell example")
    ws = _workspace(tmp_path)
    env_file = tmp_path / "env.sh"
    env_file.write_text("")
    for block in blocks:
        where = f"{page.relative_to(ROOT)}:{block.line}"
        if block.lang == "python":
            _run_python(block.lines[0], ws, where)
            continue
        for line in block.lines:
            _run_line(line, ws, env_file, where)


def _run_python(code: str, ws: Path, where: str) -> None:
    proc = subprocess.run([sys.executable, "-c", code], cwd=ws, env=_env(ws), text=True,
                          capture_output=True, timeout=LINE_TIMEOUT)  # fmt: skip
    assert proc.returncode == 0, f"{where}: the Python example failed:\n{proc.stderr[-3000:]}"


def test_skipped_examples_say_why() -> None:
    for b in ALL_BLOCKS:
        if b.skip is not None:
            assert len(b.skip) >= 10, f"{b.page}:{b.line}: a not-run block needs a reason"


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, cmd in group.commands.items():
        if cmd.hidden:
            continue
        path = (*prefix, name)
        if isinstance(cmd, click.Group):
            out.extend(_command_paths(cmd, path))
        else:
            out.append(path)
    return out


def test_every_command_has_an_executed_example() -> None:
    executed = [
        line.split()
        for b in ALL_BLOCKS
        if b.skip is None and b.lang == "bash"
        for raw in b.lines
        for line in [INSTALL.sub("", raw)]
        if line.startswith("bulkio ") or " bulkio " in line
    ]
    missing = []
    for path in _command_paths(main):
        words = ["bulkio", *path]
        if " ".join(words) in EXEMPT:
            assert (ROOT / EXEMPT[" ".join(words)].split("::")[0]).exists()
            continue
        if not any(any(ws[i : i + len(words)] == words for i in range(len(ws))) for ws in executed):
            missing.append(" ".join(words))
    assert missing == [], f"commands with no executed example in README.md or docs/: {missing}"
