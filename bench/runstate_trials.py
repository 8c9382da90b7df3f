"""Run state under abuse: many trials of concurrent fresh runs and of kills at random moments
followed by an immediate ``--resume`` or ``--new``, over real loopback HTTP.

Each trial uses a fresh sandbox location and a fresh state home, imports a file whose every
row has one note and one task, and ends with a count of the sandbox: duplicate contacts,
notes or tasks, and lost rows (a row without its contact, note or task). Prints a table.

    .venv/bin/python bench/runstate_trials.py                 # 10 trials of each, 200 rows
    .venv/bin/python bench/runstate_trials.py -t 3 -n 60      # quicker look
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bulkio.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[1]


def write_input(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["email", "first name", "note", "task title", "task due"])
        for i in range(n):
            writer.writerow([f"r{i}@ejemplo.mx", f"Fila{i}", f"nota {i}", f"llamar {i}",
                             "2027-01-15"])


def tally(admin: Any, location: str, n: int) -> tuple[int, int]:
    """(duplicates, lost rows)."""
    emails = Counter(c["email"] for c in admin.contacts(location))
    notes = Counter(x["body"] for x in admin.notes(location))
    tasks = Counter(x["title"] for x in admin.tasks(location))
    dup = sum(v - 1 for c in (emails, notes, tasks) for v in c.values() if v > 1)
    lost = sum(1 for i in range(n) if not (emails[f"r{i}@ejemplo.mx"] and notes[f"nota {i}"]
                                          and tasks[f"llamar {i}"]))
    return dup, lost


def bulkio(sb: Sandbox, location: str, token: str, home: Path, src: Path, *extra: str,
           prefix: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BULKIO_TOKEN": token, "BULKIO_STATE_DIR": str(home),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "bulkio", "import", str(src), "--base-url", sb.url,
         "--location-id", location, "-q", *extra],
        cwd=src.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-t", "--trials", type=int, default=10)
    parser.add_argument("-n", "--rows", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(2026)
    rows: list[tuple[str, int, int, int, str]] = []
    with tempfile.TemporaryDirectory() as tmp, Sandbox(None, rate_limit=None,
                                                       daily_limit=None) as sb:
        admin = sb.admin
        admin.set_faults(latency_ms=args.latency_ms)
        for scenario in ("two fresh runs at once", "kill -9", "timeout -s KILL"):
            dups = lost = refused = 0
            started = time.monotonic()
            for trial in range(args.trials):
                location, token = admin.create_location()
                work = Path(tmp) / f"{scenario.replace(' ', '-')}-{trial}"
                work.mkdir()
                home = work / ".bulkio"
                src = work / "f.csv"
                write_input(src, args.rows)
                if scenario == "two fresh runs at once":
                    procs = [bulkio(sb, location, token, home, src) for _ in range(2)]
                    codes = [p.wait(timeout=600) for p in procs]
                    refused += codes.count(1)
                else:
                    delay = rng.uniform(0.5, 3.0)
                    if scenario == "kill -9":
                        proc = bulkio(sb, location, token, home, src)
                        time.sleep(delay)
                        proc.send_signal(signal.SIGKILL)
                    else:
                        proc = bulkio(sb, location, token, home, src,
                                      prefix=("timeout", "-s", "KILL", f"{delay:.2f}"))
                    proc.wait(timeout=600)
                    way = "--resume" if trial % 2 else "--new"
                    again = bulkio(sb, location, token, home, src, way)  # immediately
                    if again.wait(timeout=600) not in (0,):
                        err = again.stderr.read().decode() if again.stderr else ""
                        print(f"  {scenario} trial {trial}: {way} failed: {err.strip()}")
                d, lo = tally(admin, location, args.rows)
                dups += d
                lost += lo
            note = f"{refused} second runs refused" if scenario.startswith("two") else \
                "resume / --new alternately"
            rows.append((scenario, args.trials, dups, lost,
                         f"{note}; {time.monotonic() - started:.0f} s"))
    print(f"{args.rows} rows per file, one note and one task per row, "
          f"{args.latency_ms} ms latency per request")
    print(f"{'scenario':<24} {'trials':>6} {'duplicates':>10} {'lost rows':>9}  notes")
    for scenario, trials, dups, lost, note in rows:
        print(f"{scenario:<24} {trials:>6} {dups:>10} {lost:>9}  {note}")


if __name__ == "__main__":
    main()
