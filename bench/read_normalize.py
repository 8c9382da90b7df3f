"""Read, normalize and full-``check`` throughput, plus peak memory of ``check`` on 1M rows.

Run: ``python bench/read_normalize.py [--rows 200000] [--memory-rows 1000000]``

Generates messy Spanish-locale files with ``bench/gen_messy.py`` (cp1252 ``;`` CSV and
XLSX) in a temporary folder and prints a table:

- read: iterate ``open_table`` rows;
- normalize: iterate ``prepare_rows`` (both passes: date-order evidence and duplicate
  keys, then normalization), no output;
- check: ``run_check`` end to end, the function ``bulkio check`` calls, writing the
  ready, failure and changes files;
- peak RSS of a fresh ``python -c`` subprocess running the full check on the 1M-row CSV
  (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and of its largest phone worker.

"CPU s" counts this process only: the two phone-validation worker processes that
``prepare_rows`` starts for large files are not in it (their CPU is printed for the 1M
run). Run it on a quiet machine: wall-clock figures of a 2-core box move a lot with any
other load.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gen_messy import write_messy_csv, write_messy_xlsx  # noqa: E402

from bulkio.cli.reading import ReadOptions, open_preparation  # noqa: E402  # noqa: E402
from bulkio.files.readers import open_table  # noqa: E402
from bulkio.imports.check import run_check  # noqa: E402

_MEMORY_SCRIPT = """
import resource, sys, time
from pathlib import Path
from bulkio.imports.check import run_check  # noqa: E402
from bulkio.cli.reading import ReadOptions, open_preparation  # noqa: E402
result = run_check(open_preparation(Path(sys.argv[1]), ReadOptions()), out_dir=Path(sys.argv[2]))
usage = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(result.summary.rows_read, usage.ru_maxrss, usage.ru_utime + usage.ru_stime,
      kids.ru_maxrss, kids.ru_utime + kids.ru_stime)
"""


def _timed(fn: Callable[[], int]) -> tuple[int, float, float]:
    """(rows, wall seconds, CPU seconds of this process): CPU time is robust to a busy box."""
    start, cpu = time.perf_counter(), time.process_time()
    n = fn()
    return n, time.perf_counter() - start, time.process_time() - cpu


def _read(path: Path) -> int:
    return sum(1 for _ in open_table(path).rows)


def _normalize(path: Path) -> int:
    return sum(1 for _ in open_preparation(path, ReadOptions()))


def _check(path: Path, out: Path) -> int:
    return run_check(open_preparation(path, ReadOptions()), out_dir=out).summary.rows_read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--memory-rows", type=int, default=1_000_000, help="0 to skip")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bulkio-bench-") as tmp:
        folder = Path(tmp)
        files = {
            "csv": write_messy_csv(folder / "messy.csv", args.rows),
            "xlsx": write_messy_xlsx(folder / "messy.xlsx", args.rows),
        }
        print(f"{'file':<6} {'stage':<10} {'rows':>9} {'wall s':>8} {'rows/s':>8} "
              f"{'CPU s':>8} {'rows/CPU-s':>10}")  # fmt: skip
        for kind, path in files.items():
            for stage, fn in (
                ("read", lambda p=path: _read(p)),
                ("normalize", lambda p=path: _normalize(p)),
                ("check", lambda p=path: _check(p, folder / "out")),
            ):
                n, secs, cpu = _timed(fn)
                print(f"{kind:<6} {stage:<10} {n:>9} {secs:>8.2f} {n / secs:>8.0f} "
                      f"{cpu:>8.2f} {n / cpu:>10.0f}", flush=True)  # fmt: skip
        if args.memory_rows:
            big = write_messy_csv(folder / "big.csv", args.memory_rows)
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", _MEMORY_SCRIPT, str(big), str(folder / "big-out")],
                cwd=ROOT, capture_output=True, text=True, check=True,
            )  # fmt: skip
            secs = time.perf_counter() - start
            rows_s, maxrss_s, cpu_s, kid_rss_s, kid_cpu_s = done.stdout.split()
            rows, maxrss_kb, cpu = int(rows_s), int(maxrss_s), float(cpu_s)
            print(f"\ncheck of a {rows:,}-row CSV in a subprocess: {secs:.1f} s wall "
                  f"({rows / secs:,.0f} rows/s), {cpu:.1f} CPU s ({rows / cpu:,.0f} rows/CPU-s), "
                  f"peak RSS {maxrss_kb / 1024:.0f} MB; phone workers "
                  f"{float(kid_cpu_s):.1f} CPU s, peak RSS {int(kid_rss_s) / 1024:.0f} MB "
                  "each at most")  # fmt: skip


if __name__ == "__main__":
    main()
