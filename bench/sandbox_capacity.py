"""How many requests per second the sandbox serves (upsert, search), limits off.

Run:  .venv/bin/python bench/sandbox_capacity.py [--n 3000] [--clients 3] [--db FILE]

The sandbox runs in its own process (``bulkio sandbox serve --port 0``), as in a user's
rehearsal; the load comes from ``--clients`` processes, each a sequential sync httpx client
on a keep-alive connection (an asyncio client is slower than the server on this machine
and would measure itself).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def start_server(db: Path) -> tuple[subprocess.Popen[str], str, str, str]:
    """Start ``bulkio sandbox serve`` with limits off; return (proc, url, location, token)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "bulkio", "sandbox", "serve", "--port", "0", "--db", str(db),
           "--rate-limit", "0", "--daily-limit", "0"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    assert proc.stdout is not None
    values = {}
    for _ in range(3):
        key, _, value = proc.stdout.readline().partition(":")
        values[key.strip()] = value.strip()
    return proc, values["base URL"], values["location id"], values["token"]


def body_for(phase: str, i: int, loc: str) -> tuple[str, dict[str, Any]]:
    """The request of phase ``phase`` number ``i``."""
    if phase.startswith("upsert"):
        return "/contacts/upsert", {
            "locationId": loc, "email": f"bench{i}@example.com", "firstName": f"B{i}",
            "phone": f"+52551{i:07d}", "tags": ["bench"], "city": "Puebla",
        }  # fmt: skip
    if phase == "search page of 100":
        return "/contacts/search", {"locationId": loc, "pageLimit": 100, "page": 1 + i % 50}
    return "/contacts/search", {
        "locationId": loc, "pageLimit": 20,
        "filters": [{"field": "email", "operator": "contains", "value": f"bench{i}@"}],
    }  # fmt: skip


def worker(args: tuple[str, str, str, str, range]) -> int:
    """One client process: send its share of a phase sequentially."""
    url, loc, token, phase, indices = args
    headers = {"Authorization": f"Bearer {token}", "Version": "v3"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for i in indices:
            path, body = body_for(phase, i, loc)
            client.post(path, json=body).raise_for_status()
    return len(indices)


def main() -> None:
    parser = argparse.ArgumentParser(description="sandbox requests/s, limits off")
    parser.add_argument("--n", type=int, default=3000, help="upserts per upsert phase")
    parser.add_argument("--clients", type=int, default=3, help="client processes")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: temp)")
    args = parser.parse_args()
    phases = ["upsert (create)", "upsert (update)", "search page of 100", "search filtered"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.db"
        proc, url, loc, token = start_server(db)
        try:
            with multiprocessing.Pool(args.clients) as pool:
                for phase in phases:
                    count = args.n if phase.startswith("upsert") else max(args.n // 5, 100)
                    shares = [
                        (url, loc, token, phase, range(k, count, args.clients))
                        for k in range(args.clients)
                    ]
                    start = time.perf_counter()
                    done = sum(pool.map(worker, shares))
                    rows.append((phase, done, done / (time.perf_counter() - start)))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"sandbox capacity (SQLite file, {args.clients} client processes, "
          f"{os.cpu_count()} CPUs, limits off)")  # fmt: skip
    print(f"{'operation':<22}{'requests':>10}{'req/s':>10}")
    for label, count, rate in rows:
        print(f"{label:<22}{count:>10}{rate:>10.0f}")


if __name__ == "__main__":
    main()
