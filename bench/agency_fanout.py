"""One process, many locations: does each one get its full budget, and at what CPU cost?

Starts ``bulkio sandbox serve`` in its own process (real limit: 100 requests per 10 s per
location, ``--latency-ms``), creates an agency with N sub-accounts, lists them and
exchanges their tokens through the OAuth endpoints (:mod:`bulkio.api.agency`), then runs
:func:`bulkio.api.agency.fan_out`: one coroutine per location, each with its own client
and pacer, sending upserts. Prints, for the first ``--windows`` windows of 10 s:

* aggregate rate: requests that left the client in those windows over N x 10 requests/s
  (target >= 0.95; each window allows exactly 100 per location);
* the slowest location's fill (the same figure for the location that got the least);
* 429s and client CPU: the client process's CPU seconds over the wall time (target < 1,
  i.e. under one core; the sandbox's CPU is another process and not counted).

    .venv/bin/python bench/agency_fanout.py                      # 20 locations, ~35 s
    .venv/bin/python bench/agency_fanout.py -n 40 --latency-ms 200
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bulkio.api.agency import (
    LocationTarget,
    exchange_location_tokens,
    fan_out,
    installed_locations,
)
from bulkio.sandbox import SandboxAdmin

INTERVAL_S = 10.0


@contextmanager
def served_sandbox(*, rate_limit: int, latency_ms: int) -> Iterator[str]:
    """``bulkio sandbox serve`` in a child process; yields its base URL."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bulkio", "sandbox", "serve", "--port", "0",
             "--db", str(Path(tmp) / "sandbox.db"), "--rate-limit", str(rate_limit),
             "--daily-limit", "0", "--latency-ms", str(latency_ms)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line.startswith("base URL:"):
                raise RuntimeError(f"the sandbox did not start: {line!r}")
            yield line.split(":", 1)[1].strip()
        finally:
            proc.terminate()
            proc.wait(timeout=30)


class Stamps(httpx.AsyncBaseTransport):
    """Records the moment each request leaves."""

    def __init__(self, stamps: list[float]) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.stamps = stamps

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.stamps.append(time.monotonic())
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--locations", type=int, default=20)
    parser.add_argument("--windows", type=int, default=3, help="10 s windows measured")
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    per_location = 100 * args.windows + 50  # more than the windows allow: always busy

    with served_sandbox(rate_limit=100, latency_ms=args.latency_ms) as url:
        admin = SandboxAdmin(url)
        company, agency_token = admin.create_company("Agencia Bench")
        for k in range(args.locations):
            admin.create_location(company_id=company, name=f"Sucursal {k:02d}")
        admin.close()

        async def run() -> tuple[list[list[float]], list[int], float, float]:
            found = await installed_locations(agency_token=agency_token, company_id=company,
                                              app_id="bench", base_url=url)
            targets = await exchange_location_tokens(found, agency_token=agency_token,
                                                     company_id=company, base_url=url)
            stamps: dict[str, list[float]] = {t.location_id: [] for t in targets}

            async def work(target: LocationTarget) -> int:
                client = target.client(transport=Stamps(stamps[target.location_id]))
                async with client:
                    queue = list(range(per_location))

                    async def worker() -> None:
                        while queue:
                            i = queue.pop()
                            await client.upsert_contact({"email": f"c{i}@sucursal.mx"})

                    await asyncio.gather(*(worker() for _ in range(32)))
                    return client.stats.rate_limited

            cpu0 = sum(os.times()[:2])
            started = time.monotonic()
            outcomes = await fan_out(targets, work)
            wall = time.monotonic() - started
            cpu = sum(os.times()[:2]) - cpu0
            failed = [o for o in outcomes if not o.ok]
            if failed:
                raise SystemExit(f"{len(failed)} locations failed: {failed[0].error}")
            return ([stamps[t.location_id] for t in targets],
                    [o.result or 0 for o in outcomes], cpu, wall)

        per_loc, limited, cpu, wall = asyncio.run(run())

    t0 = min(s[0] for s in per_loc)
    span = args.windows * INTERVAL_S
    counts = [sum(1 for t in s if t < t0 + span) for s in per_loc]
    allowed = 100 * args.windows
    total = sum(len(s) for s in per_loc)
    print(f"agency fan-out: {args.locations} locations in one process, 100 req / 10 s each, "
          f"{args.latency_ms} ms latency (load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores)")
    rows = [
        ("aggregate rate, first windows", f"{sum(counts) / span:.1f} req/s = "
         f"{sum(counts) / (allowed * args.locations):.3f} of {args.locations} x 10 "
         f"(target >= 0.95)"),
        ("slowest location's fill", f"{min(counts) / allowed:.3f}"),
        ("requests sent, 429s", f"{total:,}, {sum(limited)} ({sum(limited) / total:.2%})"),
        ("client CPU", f"{cpu:.1f} s over {wall:.1f} s wall = {cpu / wall:.2f} cores "
         "(target < 1)"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
