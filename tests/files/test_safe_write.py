"""Safe writes: exclusive unpredictable temp files, planted symlinks, leftovers of a killed
run, full disk (a file-size limit in a subprocess) and read-only folders."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bulkio.errors import InputError
from bulkio.files.export_writers import open_output
from bulkio.files.report_sheets import open_sheet_writer
from bulkio.files.safe_write import AtomicFile, clean_leftovers

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX-only (symlinks, rlimits)")


@posix_only
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_planted_symlink_at_the_old_predictable_name_is_never_followed(
    tmp_path: Path, fmt: str
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    target = tmp_path / f"in.success.{fmt}"
    planted = tmp_path / f".{target.name}.{os.getpid()}.tmp"  # what bulkio used to open
    planted.symlink_to(victim)
    writer = open_sheet_writer(target, ["_row", "email"], fmt=fmt)  # type: ignore[arg-type]
    writer.write([2, "ana@example.com"])
    writer.close()
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert target.is_file() and not target.is_symlink()
    if fmt == "csv":
        assert target.read_bytes() == b"\xef\xbb\xbf_row,email\r\n2,ana@example.com\r\n"


def test_temp_names_are_unpredictable_and_in_the_target_folder(tmp_path: Path) -> None:
    a, b = AtomicFile(tmp_path / "c.csv"), AtomicFile(tmp_path / "c.csv")
    try:
        assert a.path.parent == b.path.parent == tmp_path
        assert a.path != b.path
        assert a.path.name.startswith(f".c.csv.{os.getpid()}-")
        assert a.path.name.endswith(".tmp")
    finally:
        a.discard()
        b.discard()
    assert list(tmp_path.iterdir()) == []


@posix_only
def test_leftovers_of_dead_processes_are_removed_live_ones_kept(tmp_path: Path) -> None:
    target = tmp_path / "c.csv"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    old_style = tmp_path / f".c.csv.{dead_pid}.tmp"
    new_style = tmp_path / f".c.csv.{dead_pid}-x1y2z3.tmp"
    live = tmp_path / f".c.csv.{os.getpid()}-abcdef.tmp"
    other = tmp_path / f".other.csv.{dead_pid}-abcdef.tmp"
    for p in (old_style, new_style, live, other):
        p.write_text("partial", encoding="utf-8")
    assert clean_leftovers(target) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


_KILLED_EXPORT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from bulkio.files.export_writers import open_output
    out = open_output(Path(sys.argv[1]), fmt="csv")
    sheet = out.add_sheet("contacts", ["id", "email"])
    sheet.write_rows([[str(i), f"p{i}@example.com"] for i in range(5000)])
    os.kill(os.getpid(), signal.SIGKILL)
""")


@posix_only
def test_a_killed_export_keeps_the_previous_file_and_the_next_run_cleans_up(
    tmp_path: Path,
) -> None:
    target = tmp_path / "contacts.csv"
    target.write_bytes(b"id,email\r\n1,old@example.com\r\n")
    proc = subprocess.run([sys.executable, "-c", _KILLED_EXPORT, str(target)],
                          capture_output=True, check=False)
    assert proc.returncode == -9
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "contacts.csv"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".contacts.csv.")
    assert target.read_bytes() == b"id,email\r\n1,old@example.com\r\n"
    out = open_output(target, fmt="csv")
    out.add_sheet("contacts", ["id", "email"]).write_rows([["2", "new@example.com"]])
    out.commit()
    assert [p.name for p in tmp_path.iterdir()] == ["contacts.csv"]
    assert target.read_bytes() == b"id,email\r\n2,new@example.com\r\n"


_FULL_DISK = textwrap.dedent("""
    import resource, signal, sys
    from pathlib import Path
    from bulkio.errors import InputError
    from bulkio.files.export_writers import open_output
    from bulkio.files.report_sheets import open_sheet_writer
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
    target, kind = Path(sys.argv[1]), sys.argv[2]
    rows = [[str(i), f"persona{i}@ejemplo.mx", "x" * 50] for i in range(3000)]
    try:
        if kind == "export":
            out = open_output(target, fmt=target.suffix[1:])
            try:
                out.add_sheet("contacts", ["id", "email", "note"]).write_rows(rows)
                out.commit()
            except BaseException:
                out.abort()
                raise
        else:
            w = open_sheet_writer(target, ["id", "email", "note"], fmt=target.suffix[1:])
            for r in rows:
                w.write(r)
            w.close()
    except InputError as exc:
        print(exc)
        sys.exit(1)
""")


@posix_only
@pytest.mark.parametrize(("name", "kind"), [("c.csv", "export"), ("c.xlsx", "export"),
                                            ("r.failures.csv", "report"),
                                            ("r.failures.xlsx", "report")])
def test_a_full_disk_keeps_the_previous_file_and_says_one_line(
    tmp_path: Path, name: str, kind: str
) -> None:
    target = tmp_path / name
    target.write_bytes(b"previous")
    proc = subprocess.run([sys.executable, "-c", _FULL_DISK, str(target), kind],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout == f"{target}: cannot write the file: File too large\n"
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == [name]


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes in read-only folders")
def test_a_read_only_folder_is_one_input_error(tmp_path: Path) -> None:
    target = tmp_path / "c.csv"
    target.write_bytes(b"previous")
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(InputError, match=r"c\.csv: cannot write the file: Permission denied"):
            open_output(target, fmt="csv").add_sheet("contacts", ["id"])
    finally:
        tmp_path.chmod(0o755)
    assert target.read_bytes() == b"previous"
