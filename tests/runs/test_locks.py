"""Run locks: OS-level, per (command family, location, input) scope, released on death."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bulkio.runs.locks import ScopeBusyError, hold_scope, scope_held

_HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bulkio.runs.locks import hold_scope
    with hold_scope(Path(sys.argv[1]), command="import", location_id="L1",
                    input_path=sys.argv[2]) as lock:
        lock.name_run("20261201-0000-abcd")
        print("held", flush=True)
        time.sleep(60)
    """
)


def test_second_holder_of_a_scope_refuses_naming_the_run(tmp_path: Path) -> None:
    journal = tmp_path / "journal.db"
    src = tmp_path / "f.csv"
    with hold_scope(journal, command="import", location_id="L1", input_path=src) as lock:
        lock.name_run("20261201-0000-wxyz")
        assert scope_held(journal, command="import", location_id="L1", input_path=src)
        with pytest.raises(ScopeBusyError) as info, \
                hold_scope(journal, command="import", location_id="L1", input_path=src):
            pass
        assert "import of f.csv into L1 is already running: run 20261201-0000-wxyz" \
            in str(info.value)
        assert "--wait" in info.value.hint
        # other files, locations or command families run side by side
        with hold_scope(journal, command="import", location_id="L2", input_path=src), \
                hold_scope(journal, command="import", location_id="L1",
                           input_path=tmp_path / "g.csv"), \
                hold_scope(journal, command="tags-add", location_id="L1", input_path=src):
            pass
    assert not scope_held(journal, command="import", location_id="L1", input_path=src)


@pytest.mark.parametrize("how", ["kill -9", "timeout -s KILL"])
def test_a_killed_holder_frees_the_scope_at_once(tmp_path: Path, how: str) -> None:
    journal = tmp_path / "journal.db"
    src = tmp_path / "f.csv"
    argv = [sys.executable, "-c", _HOLDER, str(journal), str(src)]
    if how == "timeout -s KILL":
        argv = ["timeout", "-s", "KILL", "3", *argv]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(ScopeBusyError, match="20261201-0000-abcd"), \
                hold_scope(journal, command="import", location_id="L1", input_path=src):
            pass
        if how == "kill -9":
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL)
    # no PID check, no stale file to clean: the OS released the lock with the process
    with hold_scope(journal, command="import", location_id="L1", input_path=src):
        pass
