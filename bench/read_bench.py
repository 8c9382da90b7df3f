"""Reader benchmark: rows/s for messy 200,000-row CSV and XLSX, peak memory for 1M rows.

Run from the repo root: ``.venv/bin/python bench/read_bench.py [--rows 200000]
[--big-rows 1000000]``. Files are generated in a temporary folder (bench/gen_messy.py).
Rows/s are given per wall-clock second and per CPU second of the process (the latter is
what to compare on a shared machine where other jobs compete for the cores). Each
peak-memory figure comes from a fresh subprocess (``ru_maxrss``) that opens the
file with ``open_table`` and consumes every row; "imports only" is the same process
without reading, so the difference is what reading costs.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import pandas as pd  # noqa: E402
import python_calamine as pc  # noqa: E402
from gen_messy import write_messy_csv, write_messy_xlsx  # noqa: E402

from bulkio.files.readers import open_table  # noqa: E402

# VmHWM (peak resident set) of the child itself: ru_maxrss would carry the parent's peak
# across fork+exec on Linux.
_CHILD = """
import re, sys, time
from pathlib import Path
from bulkio.files.readers import open_table  # noqa: E402
path = sys.argv[1]
t = time.perf_counter()
n = 0
if path != "-":
    for _ in open_table(path).rows:
        n += 1
status = Path("/proc/self/status").read_text()
print(n, time.perf_counter() - t, re.search(r"VmHWM:\\s+(\\d+)", status).group(1))
"""


def _child(path: str) -> tuple[int, float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _CHILD, path], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1]), int(out[2]) / 1024  # KiB -> MiB


def _time_open_table(path: Path) -> int:
    n = sum(1 for _ in open_table(path).rows)
    return n


def _time_stdlib_csv(path: Path) -> int:
    with path.open(encoding="cp1252", newline="") as f:
        n = sum(1 for _ in csv.reader(f, delimiter=";")) - 1
    return n


def _time_calamine_only(path: Path) -> int:
    with pc.CalamineWorkbook.from_path(str(path)) as wb:
        n = sum(1 for _ in wb.get_sheet_by_index(0).iter_rows()) - 3  # title, blank, header
    return n


def _time_pandas(path: Path) -> int:
    n = 0
    for chunk in pd.read_csv(path, sep=";", encoding="cp1252", dtype=str,
                             keep_default_na=False, na_filter=False, chunksize=50_000,
                             engine="c"):
        for _ in chunk.itertuples(index=False):
            n += 1
    return n


def _measure(fn: Callable[[Path], int], path: Path) -> tuple[int, float, float]:
    """Rows, wall seconds and CPU seconds of the process (fair on a shared, busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    n = fn(path)
    return n, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--big-rows", type=int, default=1_000_000)
    args = ap.parse_args()
    results: list[tuple[str, int, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        csv_path = write_messy_csv(d / "messy.csv", args.rows)
        t = time.perf_counter()
        xlsx_path = write_messy_xlsx(d / "messy.xlsx", args.rows)
        gen_xlsx = time.perf_counter() - t
        big_path = write_messy_csv(d / "big.csv", args.big_rows)

        for label, fn, path in (
            ("CSV open_table (stdlib csv, chosen)", _time_open_table, csv_path),
            ("CSV bare stdlib csv.reader", _time_stdlib_csv, csv_path),
            ("CSV pandas C engine, chunks+itertuples", _time_pandas, csv_path),
            ("XLSX open_table (calamine, chosen)", _time_open_table, xlsx_path),
            ("XLSX bare calamine load + iter_rows", _time_calamine_only, xlsx_path),
        ):
            n, wall, cpu = _measure(fn, path)
            results.append((label, n, wall, f"{n / wall:,.0f} rows/s wall, "
                                            f"{n / cpu:,.0f} rows/s CPU ({cpu:.2f} s)"))

        _, _, base = _child("-")
        results.append(("peak RSS: imports only", 0, 0.0, f"{base:,.0f} MiB"))
        for label, path in (
            (f"peak RSS: CSV {args.rows:,} rows", csv_path),
            (f"peak RSS: CSV {args.big_rows:,} rows", big_path),
            (f"peak RSS: XLSX {args.rows:,} rows", xlsx_path),
        ):
            n, secs, rss = _child(str(path))
            results.append((label, n, secs, f"{rss:,.0f} MiB"))
        sizes = {p.name: p.stat().st_size / 2**20 for p in (csv_path, xlsx_path, big_path)}

    print(f"{'measure':<42} {'rows':>10} {'wall s':>9}  figure")
    print("-" * 100)
    for label, n, secs, figure in results:
        print(f"{label:<42} {n:>10,} {secs:>9.2f}  {figure}")
    print("-" * 100)
    print("file sizes: " + ", ".join(f"{k} {v:.1f} MiB" for k, v in sizes.items())
          + f"; xlsx written in {gen_xlsx:.1f} s")


if __name__ == "__main__":
    main()
