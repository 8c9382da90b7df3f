"""How close does the client get to the allowed rate, without a single 429?

Starts an in-process Sandbox (limit 1,000 per 10 s, 50 ms latency per request), sends
upserts through :class:`bulkio.api.client.Client` at several ``max_in_flight`` values, and
prints a table. "window fill" is the mean number of requests the sandbox saw per complete
10 s window (consecutive windows from the first send) divided by the limit: 1.00 is the
allowed rate, and the target is >= 0.95 with 0 429s. A second scenario runs two clients
on the same location at once (a shared budget each must discover from the headers);
"foreign" counts the other client's sends the pacers learnt about from
``X-RateLimit-Remaining`` (a handful in a single-client run: latency jitter).
The sandbox runs in the same process, so a busy machine lowers the figures.

    .venv/bin/python bench/client_pacing.py                     # 3,000 upserts, 5 and 8
    .venv/bin/python bench/client_pacing.py -n 3000 --in-flight 2,5,8,16 --shared
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

import httpx

from bulkio.api.client import Client
from bulkio.sandbox import Sandbox


class StampingTransport(httpx.AsyncHTTPTransport):
    """Records the moment each request leaves for the server."""

    def __init__(self, stamps: list[float], **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.stamps = stamps

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.stamps.append(time.monotonic())
        return await super().handle_async_request(request)


@dataclass
class Row:
    scenario: str
    in_flight: int
    requests: int
    seconds: float
    fill: float
    rate_limited: int
    retries: int
    foreign: int


def window_fill(stamps: list[float], limit: int, interval_s: float) -> float:
    """Mean requests per complete window (from the first send) over the limit."""
    stamps = sorted(stamps)
    t0 = stamps[0]
    full = int((stamps[-1] - t0) // interval_s)
    if full == 0:
        return len(stamps) / limit
    counts = [0] * full
    for t in stamps:
        k = int((t - t0) // interval_s)
        if k < full:
            counts[k] += 1
    return sum(counts) / full / limit


async def upserts(client: Client, n: int, tag: str) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            await client.upsert_contact(
                {"email": f"{tag}{i}@example.mx", "firstName": f"Nombre{i}", "country": "MX"}
            )

    await asyncio.gather(*(worker() for _ in range(client.max_in_flight)))


async def run_one(sb: Sandbox, n: int, in_flight: int, tag: str) -> tuple[Client, list[float]]:
    stamps: list[float] = []
    client = Client(
        base_url=sb.url,
        token=sb.token,
        location_id=sb.location_id,
        max_in_flight=in_flight,
        transport=StampingTransport(stamps),
    )
    async with client:
        await upserts(client, n, tag)
    return client, stamps


def scenario(limit: int, interval_ms: int, n: int, in_flight: int, clients: int) -> Row:
    with Sandbox(rate_limit=limit, rate_interval_ms=interval_ms, latency_ms=50) as sb:

        async def main() -> list[tuple[Client, list[float]]]:
            return await asyncio.gather(
                *(run_one(sb, n // clients, in_flight, f"c{k}-") for k in range(clients))
            )

        started = time.monotonic()
        results = asyncio.run(main())
        elapsed = time.monotonic() - started
    stamps = [t for _, s in results for t in s]
    return Row(
        scenario="one client" if clients == 1 else f"{clients} clients share",
        in_flight=in_flight,
        requests=len(stamps),
        seconds=elapsed,
        fill=window_fill(stamps, limit, interval_ms / 1000),
        rate_limited=sum(c.stats.rate_limited for c, _ in results),
        retries=sum(c.stats.retries for c, _ in results),
        foreign=sum(c.pacer.foreign_seen for c, _ in results),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3000, help="upserts per scenario")
    parser.add_argument("--in-flight", default="5,8", help="comma-separated max_in_flight")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--interval-ms", type=int, default=10_000)
    parser.add_argument("--shared", action="store_true", help="also run two clients at once")
    args = parser.parse_args()

    rows = [
        scenario(args.limit, args.interval_ms, args.n, int(k), 1)
        for k in args.in_flight.split(",")
    ]
    if args.shared:
        rows.append(scenario(args.limit, args.interval_ms, args.n, 8, 2))
    limit_s = f"{args.limit} per {args.interval_ms / 1000:g} s, 50 ms latency"
    print(f"client pacing against the sandbox ({limit_s})")
    print(f"{'scenario':<18}{'in-flight':>10}{'requests':>10}{'seconds':>9}{'req/s':>8}"
          f"{'window fill':>13}{'429s':>6}{'retries':>9}{'foreign':>9}")
    for r in rows:
        print(f"{r.scenario:<18}{r.in_flight:>10}{r.requests:>10}{r.seconds:>9.1f}"
              f"{r.requests / r.seconds:>8.1f}{r.fill:>13.3f}{r.rate_limited:>6}{r.retries:>9}"
              f"{r.foreign:>9}")


if __name__ == "__main__":
    main()
