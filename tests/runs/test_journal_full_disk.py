"""A journal that cannot be written (full disk: a file-size limit in a subprocess) stops the
run with one line naming the journal, exit 1, no traceback, and the run resumes after."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

_LIMITED = textwrap.dedent("""
    import resource, signal, sys
    from bulkio.cli import main
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    sys.argv = ["bulkio", *sys.argv[2:]]
    main()
""")


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX-only")
def test_full_disk_journal_stops_cleanly_and_resumes(sandbox: Any, tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text("email,first_name\n" + "".join(
        f"p{i}@ejemplo.mx,Nombre{i}\n" for i in range(1500)), encoding="utf-8")
    journal = tmp_path / "j.db"
    env = {**os.environ, "BULKIO_TOKEN": sandbox.token}
    common = ["--journal", str(journal), "--base-url", sandbox.url, "--location-id",
              sandbox.location_id]
    proc = subprocess.run([sys.executable, "-c", _LIMITED, "200000", "import", str(src),
                           *common], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "bug in bulkio" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("Error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"Error: {journal}: cannot write the run "
                                                     "journal")
    done = subprocess.run([sys.executable, "-c", _LIMITED, str(1 << 40), "import", str(src),
                           "--resume", *common], capture_output=True, text=True, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert len(sandbox.admin.contacts(sandbox.location_id)) == 1500
