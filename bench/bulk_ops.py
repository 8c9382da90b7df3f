"""Requests per contact and wall time of bulk tagging and business assignment.

Runs ``bulkio tags add`` and ``bulkio business assign`` (the library entry point
:func:`bulkio.bulk.run.run_bulk`) over N contacts identified by ``contact_id`` against an
in-process sandbox with rate limits off, counts the requests by endpoint, and prints:

* requests per affected contact (targets: tags <= 0.02 at the default chunk size; business
  exactly ceil(N / 50) bulk calls, plus ceil(N / 50) searches for undo's previous ids unless
  ``--no-previous``);
* the local wall time (in-process sandbox, no limit; its search with 50 OR'ed ids scans
  the location, so the previous-business lookups dominate it at large N), and the wall time
  at the real rate limit, COMPUTED from the pacer's sliding window: no 10 s span may hold
  more than 100 requests (window + 100 ms margin), so R requests need
  ``(ceil(R / 100) - 1) * 10.1 s`` before the last window opens, plus that window's
  requests at ~0.3 s API latency with 8 in flight.

Usage::

    .venv/bin/python bench/bulk_ops.py            # N = 10,000
    .venv/bin/python bench/bulk_ops.py --n 2000 --measure 12000   # + a measured run
"""

from __future__ import annotations

import argparse
import csv
import math
import tempfile
import time
from pathlib import Path
from typing import Any

from bulkio.api.client import Client
from bulkio.api.pacing import Pacer
from bulkio.bulk.rows import OpSettings
from bulkio.bulk.run import BulkOptions, run_bulk
from bulkio.cli.options import Target
from bulkio.plan.batcher import DEFAULT_TAG_CHUNK
from bulkio.sandbox import Sandbox

RATE, WINDOW_S, MARGIN_S, LATENCY_S = 100, 10.0, 0.1, 0.3


class FastTarget:
    """A target whose pacer does not hold requests back (the sandbox has no limit here)."""

    def __init__(self, sb: Sandbox, location_id: str, token: str) -> None:
        self._t = Target(base_url=sb.url, token=token, location_id=location_id)
        self.location_id = location_id

    def client(self, **overrides: Any) -> Client:
        return self._t.client(pacer=Pacer(max_requests=1_000_000, interval_ms=1000),
                              **overrides)


def at_rate_limit(requests: int) -> float:
    """Wall time at 100 requests per 10 s (sliding window) and ~0.3 s latency, 8 in flight."""
    windows = max(0, math.ceil(requests / RATE) - 1)
    last = requests - windows * RATE
    return windows * (WINDOW_S + MARGIN_S) + math.ceil(last / 8) * LATENCY_S


def _seed_file(sb: Sandbox, loc: str, n: int, tmp: str) -> Path:
    ids: list[str] = []
    for start in range(0, n, 2_000):
        people = [{"email": f"c{i}@ejemplo.mx"} for i in range(start, min(n, start + 2_000))]
        ids += sb.admin.seed(loc, contacts=people)
    src = Path(tmp) / "contactos.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["contact_id", "tags", "business_id"])
        writer.writerows([cid, "cliente 2026, vip", "biz-1"] for cid in ids)
    return src


def measure(n: int) -> None:
    """Run business assign --no-previous at the real limit (100 per 10 s) and compare."""
    with Sandbox(None, rate_limit=RATE, rate_interval_ms=int(WINDOW_S * 1000),
                 daily_limit=None) as sb, tempfile.TemporaryDirectory() as tmp:
        loc, token = sb.admin.create_location()
        src = _seed_file(sb, loc, n, tmp)
        target = Target(base_url=sb.url, token=token, location_id=loc)
        started = time.perf_counter()
        result = run_bulk(src, settings=OpSettings(op="business-assign"),
                          options=BulkOptions(previous_business=False), target=target,
                          journal_path=Path(tmp) / "j.db")
        wall = time.perf_counter() - started
        assert result.report is not None
        total = result.report.requests.total
        print(f"measured at the sandbox's real limit: business assign --no-previous, N = {n:,}: "
              f"{total} requests, {wall:.1f} s wall, {result.report.requests.rate_limited} "
              f"429s (computed: {at_rate_limit(total):.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="contacts (default 10,000)")
    parser.add_argument("--measure", type=int, default=0, metavar="N",
                        help="also MEASURE business assign of N contacts at 100 per 10 s")
    args = parser.parse_args()
    n = args.n
    rows: list[tuple[str, str, int, int, float, float]] = []
    with Sandbox(None, rate_limit=None, daily_limit=None) as sb, \
            tempfile.TemporaryDirectory() as tmp:
        loc, token = sb.admin.create_location()
        src = _seed_file(sb, loc, n, tmp)
        target = FastTarget(sb, loc, token)
        cases = [
            (f"tags add (chunk {DEFAULT_TAG_CHUNK})", OpSettings(op="tags-add"), BulkOptions()),
            ("business assign", OpSettings(op="business-assign"), BulkOptions()),
            ("business assign --no-previous", OpSettings(op="business-assign"),
             BulkOptions(previous_business=False)),
        ]
        for label, settings, options in cases:
            started = time.perf_counter()
            result = run_bulk(src, settings=settings, options=options, target=target,
                              journal_path=Path(tmp) / f"{settings.op}.db")
            local = time.perf_counter() - started
            assert result.report is not None and result.report.succeeded == n, result.to_json()
            by_endpoint = result.report.requests.by_endpoint
            bulk_calls = sum(v for k, v in by_endpoint.items() if "/bulk/" in k)
            total = result.report.requests.total
            rows.append((label, ", ".join(f"{k}: {v}" for k, v in sorted(by_endpoint.items())),
                         bulk_calls, total, local, at_rate_limit(total)))
    print(f"N = {n:,} contacts by contact_id; ceil(N / 50) = {math.ceil(n / 50)}")
    print(f"{'operation':<32} {'bulk calls':>10} {'requests':>9} {'req/contact':>12} "
          f"{'local s':>8} {'at 100/10s':>11}  endpoints")
    for label, endpoints, bulk_calls, total, local, limited in rows:
        print(f"{label:<32} {bulk_calls:>10} {total:>9} {total / n:>12.4f} {local:>8.2f} "
              f"{limited:>10.1f}s  {endpoints}")
    print("'at 100/10s' is computed from the pacer's sliding window, not measured: "
          "(ceil(requests/100) - 1) x 10.1 s + the last window's requests at 0.3 s latency, "
          "8 in flight.")
    if args.measure:
        measure(args.measure)


if __name__ == "__main__":
    main()
