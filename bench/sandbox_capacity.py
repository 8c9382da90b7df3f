"""How many requests per second the sandbox serves (upsert, search), limits off.

Run:  .venv/bin/python bench/sandbox_capacity.py [--n 3000] [--clients 3] [--db FILE]

The sandbox runs in its own process (``bulkio sandbox serve --port 0``), as in a user's
rehearsal; the load comes from ``--clients`` processes, each a sequential sync httpx client
on a keep-alive connection (an asyncio client is slower than the server on this machine
and would measure itself).
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
    if phase.startswith("upsert") or phase == "upsert":
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


async def _asgi_upserts(n: int, db: Path) -> float:
    """Upserts/s through the sandbox's ASGI app called directly (no sockets, no uvicorn)."""
    from bulkio.sandbox.app import build_app
    from bulkio.sandbox.ratelimit import Limits
    from bulkio.sandbox.storage import Store

    store = Store(db)
    app = build_app(store, limits=Limits(None, 10_000, None)).app
    auth = f"Bearer {store.default_token}".encode()
    start = time.perf_counter()
    for i in range(n):
        payload = json.dumps(body_for("upsert", i, store.default_location_id)[1]).encode()
        scope = {
            "type": "http", "method": "POST", "path": "/contacts/upsert", "query_string": b"",
            "headers": [(b"authorization", auth), (b"version", b"v3")],
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2), "scheme": "http",
            "http_version": "1.1", "root_path": "", "raw_path": b"/contacts/upsert",
        }  # fmt: skip

        async def receive(payload: bytes = payload) -> dict[str, Any]:
            return {"type": "http.request", "body": payload, "more_body": False}

        async def send(message: Any) -> None:
            if message["type"] == "http.response.start":
                assert message["status"] == 200

        await app(scope, receive, send)
    rate = n / (time.perf_counter() - start)
    store.close()
    return rate


async def _bare_app(scope: Any, receive: Any, send: Any) -> None:
    while (await receive()).get("more_body"):
        pass
    headers = [(b"content-type", b"application/json"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"{}"})


def _bare_worker(args: tuple[str, int]) -> int:
    url, count = args
    with httpx.Client(base_url=url, timeout=60) as client:
        for i in range(count):
            client.post("/contacts/upsert", json={"i": i}).raise_for_status()
    return count


def bare_uvicorn_rate(n: int, clients: int) -> float:
    """Requests/s of an empty ASGI app on the same uvicorn: the HTTP ceiling here."""
    import threading

    import uvicorn

    config = uvicorn.Config(_bare_app, host="127.0.0.1", port=0, http="h11", loop="asyncio",
                            lifespan="off", log_level="warning")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    with multiprocessing.Pool(clients) as pool:
        start = time.perf_counter()
        done = sum(pool.map(_bare_worker, [(url, n // clients)] * clients))
        rate = done / (time.perf_counter() - start)
    server.should_exit = True
    thread.join()
    return rate


def walk_25k(url: str, loc: str, token: str, total: int = 25_000) -> tuple[int, float, float]:
    """Seed ``total`` contacts, then page through all with searchAfter (pageLimit 500).

    Returns (pages, pages/s, seconds of the last tenth of pages / seconds of the first
    tenth): a ratio near 1 means no O(N^2) slow-down deep in the result set.
    """
    headers = {"Authorization": f"Bearer {token}", "Version": "v3"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        rows = [{"firstName": f"W{i}", "email": f"walk{i}@example.com"} for i in range(total)]
        for k in range(0, total, 5000):
            client.post(f"/_admin/locations/{loc}/seed",
                        json={"contacts": rows[k:k + 5000]}).raise_for_status()  # fmt: skip
        times: list[float] = []
        after = None
        while True:
            body: dict[str, Any] = {"locationId": loc, "pageLimit": 500}
            if after is not None:
                body["searchAfter"] = after
            start = time.perf_counter()
            page = client.post("/contacts/search", json=body).json()["contacts"]
            times.append(time.perf_counter() - start)
            if not page:
                break
            after = page[-1]["searchAfter"]
    tenth = max(len(times) // 10, 1)
    return len(times), len(times) / sum(times), sum(times[-tenth:]) / sum(times[:tenth])


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
            pages, rate, ratio = walk_25k(url, loc, token)
            rows.append(("searchAfter walk 25k+", pages, rate))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        rows.append(("upsert, ASGI direct", args.n, asyncio.run(
            _asgi_upserts(args.n, Path(tmp) / "direct.db"))))  # fmt: skip
    rows.append(("empty app, uvicorn", args.n, bare_uvicorn_rate(args.n, args.clients)))
    print(f"sandbox capacity (SQLite file, {args.clients} client processes, "
          f"{os.cpu_count()} CPUs, limits off)")  # fmt: skip
    print(f"{'operation':<24}{'requests':>10}{'req/s':>10}")
    for label, count, rate in rows:
        print(f"{label:<24}{count:>10}{rate:>10.0f}")
    print("ASGI direct = the app without sockets; empty app = uvicorn's own ceiling here.")
    print(f"searchAfter walk (pages of 500): last tenth of pages / first tenth = {ratio:.2f}")


if __name__ == "__main__":
    main()
