"""Mutation score per module: run mutmut over the modules where a wrong constant or condition
loses data or budget, and print how many of their mutants the tests kill.

Not part of CI (a full run takes ~30 minutes on 2 cores). What is mutated and which tests run
is configured in pyproject.toml ``[tool.mutmut]``; mutmut first runs that test selection once
to learn which tests call which function, then runs each mutant against those tests only.

    python bench/mutation.py                      # mutate, test, print the table
    python bench/mutation.py --report             # only print the table of the last run
    python bench/mutation.py bulkio.files.formula # only the mutants of these modules
    python bench/mutation.py --survivors          # also list every mutant that survived
    python bench/mutation.py --rerun-survivors    # after new tests: re-test only survivors

Results are cached in ``mutants/`` (git-ignored): a second run only re-tests mutants of
functions whose code or tests changed. ``mutmut show NAME`` prints one mutant's diff.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MUTMUT = [sys.executable, "-m", "mutmut"]

#: mutmut statuses that count as caught by the tests
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
#: statuses that say nothing about the tests (never run)
UNRUN = {"not checked", "skipped"}

# mutant keys: bulkio.plan.batcher.x_plan__mutmut_12, bulkio.api.pacing.xǁPacerǁacquire__mutmut_3
KEY = re.compile(r"^(?P<module>[\w.]+?)\.x(?:_|ǁ)(?P<func>.+)__mutmut_\d+$")


def results() -> dict[str, str]:
    """Every mutant's status from the last run, by mutant key."""
    out = subprocess.run([*MUTMUT, "results", "--all", "true"], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout
    statuses: dict[str, str] = {}
    for line in out.splitlines():
        key, sep, status = line.strip().rpartition(": ")
        if sep and KEY.match(key):
            statuses[key] = status
    return statuses


def module_of(key: str) -> str:
    match = KEY.match(key)
    return match.group("module") if match else "?"


def table(statuses: dict[str, str], *, modules: list[str]) -> list[tuple[str, int, int, float]]:
    """(module, killed, counted, score %) per module; counted leaves out mutants never run."""
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for key, status in statuses.items():
        module = module_of(key)
        if not modules or any(module.startswith(m) for m in modules):
            by_module[module][status] += 1
    rows = []
    for module in sorted(by_module):
        counts = by_module[module]
        killed = sum(n for s, n in counts.items() if s in KILLED)
        counted = sum(n for s, n in counts.items() if s not in UNRUN)
        rows.append((module, killed, counted, 100.0 * killed / counted if counted else 0.0))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*",
                        help="dotted module prefixes to mutate and report (default: all)")
    parser.add_argument("--report", action="store_true", help="print the last run's table only")
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="re-test only the mutants that survived the last run")
    parser.add_argument("--max-children", type=int, default=2, help="parallel test processes")
    args = parser.parse_args()

    if args.rerun_survivors:
        names = [key for key, status in results().items()
                 if status not in KILLED | UNRUN and (
                     not args.modules or any(module_of(key).startswith(m) for m in args.modules))]
        if names:
            subprocess.run([*MUTMUT, "run", "--max-children", str(args.max_children), *names],
                           cwd=REPO, check=False)
    elif not args.report:
        names = [f"{m}.*" for m in args.modules]
        subprocess.run([*MUTMUT, "run", "--max-children", str(args.max_children), *names],
                       cwd=REPO, check=False)
    statuses = results()
    rows = table(statuses, modules=args.modules)
    width = max([len(r[0]) for r in rows] + [6])
    print(f"\n{'module':<{width}}  {'killed':>6}  {'mutants':>7}  {'score':>6}")
    for module, killed, counted, score in rows:
        print(f"{module:<{width}}  {killed:>6}  {counted:>7}  {score:>5.1f}%")
    total_killed = sum(r[1] for r in rows)
    total = sum(r[2] for r in rows)
    if total:
        print(f"{'all':<{width}}  {total_killed:>6}  {total:>7}  "
              f"{100.0 * total_killed / total:>5.1f}%")
    if args.survivors:
        print("\nsurvivors (mutmut show NAME for the diff):")
        for key, status in sorted(statuses.items()):
            if status not in KILLED | UNRUN and (
                    not args.modules or any(module_of(key).startswith(m) for m in args.modules)):
                print(f"  {status:<10} {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
