"""How fast does ``bulkio import`` go at a location's rate limit, and what does a re-run cost?

Starts an in-process Sandbox (limit 1,000 requests per 10 s, 50 ms added latency per
request), writes a CSV of N contacts (every row with tags from 4 tag sets and one of 10
business ids), imports it with :func:`bulkio.imports.importer.run_import` exactly as the CLI does,
then imports the unchanged file again. Prints a table:

* rate fraction: requests per second while sending (first to last request the sandbox
  logged) divided by the allowed 100/s; target >= 0.95. The first window starts empty and
  lets a burst through, so the same figure is also given from the second window on;
* requests per row (upserts + bulk tags + bulk business); target <= 1.05;
* 429s received; rows lost (input rows neither in the success file nor the sandbox);
* the unchanged re-run: requests sent (the confirming searches, target <= 200 for 10,000
  rows) and duration;
* after deleting 10% of the contacts in the location (``DELETE /contacts/{id}``), a third
  run: which contacts were re-created (target: exactly the deleted ones) and its requests.

    .venv/bin/python bench/import_throughput.py              # 10,000 rows (~2 min)
    .venv/bin/python bench/import_throughput.py -n 2000      # quicker look
    .venv/bin/python bench/import_throughput.py --jitter-ms 150   # network jitter: 429s

``--jitter-ms J`` delays each request by a random 0..J ms between the pacer's dispatch and
the network (as a congested link does), so some arrive later than the pacer's margin
allows for and the sandbox answers 429: the figure to watch is how much rate each costs.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bulkio.api.client import Client
from bulkio.clean.reading import ReadOptions
from bulkio.cli.options import Target
from bulkio.imports.importer import run_import
from bulkio.imports.options import ImportOptions
from bulkio.sandbox import Sandbox

TAG_SETS = ["cliente, 2026", "prospecto", "vip, cliente", "evento-cdmx"]


def write_input(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Nombre", "Correo", "Teléfono", "Etiquetas", "businessId"])
        for i in range(n):
            writer.writerow([f"Persona {i}", f"persona{i}@ejemplo.com.mx",
                             f"+52 55 {10_000_000 + i:08d}", TAG_SETS[i % len(TAG_SETS)],
                             f"empresa-{i % 10}"])


class _JitterTransport(httpx.AsyncBaseTransport):
    """Sends each request after a random delay of 0..``jitter_s`` (seeded)."""

    def __init__(self, jitter_s: float, seed: int = 7) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._jitter_s = jitter_s
        self._rng = random.Random(seed)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(self._rng.uniform(0, self._jitter_s))
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass(frozen=True)
class _JitterTarget(Target):
    jitter_s: float = 0.0

    def client(self, **overrides: Any) -> Client:
        if self.jitter_s > 0:
            overrides.setdefault("transport", _JitterTransport(self.jitter_s))
        return super().client(**overrides)


def _span_s(requests: list[dict[str, object]]) -> float:
    stamps = sorted(float(str(r["time"])) for r in requests)  # epoch seconds
    return stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0


def _steady_rate(requests: list[dict[str, object]], window_s: float) -> float:
    """Requests per second after the first window (which starts empty and allows a burst)."""
    stamps = sorted(float(str(r["time"])) for r in requests)
    if len(stamps) < 2 or stamps[-1] - stamps[0] <= window_s:
        return 0.0
    start = stamps[0] + window_s
    return sum(1 for t in stamps if t >= start) / (stamps[-1] - start)


def _delete(url: str, token: str, ids: list[str]) -> None:
    """Delete contacts as another user of the CRM would (paced by the sandbox's 429s)."""
    headers = {"Authorization": f"Bearer {token}", "Version": "v3"}
    with httpx.Client(base_url=url, headers=headers) as http:
        for cid in ids:
            while http.delete(f"/contacts/{cid}").status_code == 429:
                time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rows", type=int, default=10_000)
    parser.add_argument("--rate-limit", type=int, default=1_000)
    parser.add_argument("--interval-ms", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--in-flight", type=int, default=None,
                        help="the client's max in flight (default: the CLI's)")
    parser.add_argument("--inject-429", type=float, default=0.0, metavar="P",
                        help="the sandbox answers this share of requests 429 (counted)")
    parser.add_argument("--jitter-ms", type=int, default=0,
                        help="random 0..N ms delay between dispatch and the network")
    args = parser.parse_args()
    allowed = args.rate_limit / (args.interval_ms / 1000)
    with tempfile.TemporaryDirectory() as tmp, Sandbox(
        None, rate_limit=args.rate_limit, rate_interval_ms=args.interval_ms,
        daily_limit=1_000_000, latency_ms=args.latency_ms,
    ) as sb:
        if args.inject_429:
            sb.admin.set_faults(probabilities={429: args.inject_429}, seed=7,
                                latency_ms=args.latency_ms)
        src = Path(tmp) / "contactos.csv"
        write_input(src, args.rows)
        target = _JitterTarget(base_url=sb.url, token=sb.token, location_id=sb.location_id,
                               jitter_s=args.jitter_ms / 1000,
                               **({"max_in_flight": args.in_flight} if args.in_flight else {}))
        figures: list[tuple[str, str]] = []
        journal = Path(tmp) / ".bulkio" / "journal.db"
        deleted: set[str] = set()
        before: dict[str, str] = {}
        for label in ("first import", "unchanged re-run", "after deleting 10%"):
            if label == "after deleting 10%":
                before = {c["email"]: c["id"] for c in sb.admin.contacts(sb.location_id)}
                deleted = set(random.Random(3).sample(sorted(before), len(before) // 10))
                _delete(sb.url, sb.token, [before[e] for e in sorted(deleted)])
            sb.admin.clear_requests()
            started = time.monotonic()
            result = run_import(src, read=ReadOptions(), options=ImportOptions(),
                                target=target, journal_path=journal)
            wall = time.monotonic() - started
            report = result.report
            logged = [r for r in sb.admin.requests() if r.get("location_id") == sb.location_id]
            span = _span_s(logged)
            rate = len(logged) / span if span else 0.0
            steady = _steady_rate(logged, args.interval_ms / 1000)
            contacts = sb.admin.counts(sb.location_id).get("contacts", 0)
            lost = args.rows - report.succeeded
            figures += [
                (f"{label}: rows", f"{args.rows:,}"),
                (f"{label}: actions", ", ".join(f"{k} {v:,}" for k, v in
                                                sorted(report.by_action.items()))),
                (f"{label}: requests sent", f"{report.requests.total:,}"),
                (f"{label}: by endpoint", "; ".join(f"{k} {v:,}" for k, v in
                                                    sorted(report.requests.by_endpoint.items()))),
                (f"{label}: requests per row", f"{report.requests.total / args.rows:.3f}"),
                (f"{label}: 429s received", f"{report.requests.rate_limited}"),
                (f"{label}: sending span (s)", f"{span:.1f}"),
                (f"{label}: rate fraction", f"{rate / allowed:.3f}" if span else "n/a"),
                (f"{label}: same, after the first window",
                 f"{steady / allowed:.3f}" if steady else "n/a"),
                (f"{label}: wall time (s)", f"{wall:.1f}"),
                (f"{label}: rows lost", f"{lost} (sandbox holds {contacts:,})"),
            ]
            if deleted:
                now = {c["email"]: c["id"] for c in sb.admin.contacts(sb.location_id)}
                recreated = {e for e, cid in now.items() if before.get(e) != cid}
                figures += [
                    (f"{label}: contacts deleted", f"{len(deleted):,}"),
                    (f"{label}: re-created", f"{len(recreated):,}"),
                    (f"{label}: re-created == deleted", str(recreated == deleted)),
                ]
    width = max(len(k) for k, _ in figures)
    print(f"import of {args.rows:,} rows at {args.rate_limit:,} req / {args.interval_ms:,} ms, "
          f"{args.latency_ms} ms latency, 0..{args.jitter_ms} ms jitter, "
          f"{args.inject_429:.1%} injected 429s "
          f"(allowed {allowed:.0f} req/s)")
    for key, value in figures:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
