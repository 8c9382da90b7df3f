"""Export throughput: requests used, rows/s written (CSV, XLSX), peak memory, real-rate time.

Seeds N contacts (default 100,000, with 3 custom fields) into a sandbox running in a child
process (so the export's CPU and memory are measured alone), then:

1. exports them with the rate limit off to CSV and XLSX and counts the search requests
   against the minimum ``ceil(N / 500)``;
2. times the writers alone (format + write, no HTTP) on 100,000 rows for CSV and XLSX,
   next to the bare libraries (``csv.writer``, xlsxwriter ``write_string``) on the same
   preformatted rows, so figures from a busy machine can be read as a ratio;
3. measures peak Python memory (tracemalloc) of the CSV export at several N to show it
   does not grow with N;
4. switches the real limit on (100 requests per 10 s) and exports the first ``--real-n``
   contacts (default 60,000: more than 100 requests, so the pacer must wait), then
   extrapolates the time for N from the request count at 100 per 10 s.

    .venv/bin/python bench/export_throughput.py
    .venv/bin/python bench/export_throughput.py -n 20000 --real-n 10000
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import math
import multiprocessing as mp
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import xlsxwriter

from bulkio.api.client import Client
from bulkio.export.columns import resolve_columns, row_formatter
from bulkio.export.filters import CustomFieldIndex, parse_filter
from bulkio.export.run import SEARCH_PAGE_LIMIT, ExportResult, ExportSpec, run_export
from bulkio.files.export_writers import OutputFormat, open_output
from bulkio.sandbox import Sandbox, SandboxAdmin

RATE, WINDOW_S = 100, 10.0


def people(start: int, n: int) -> list[dict[str, Any]]:
    return [
        {
            "firstName": f"Nombre{i}", "lastName": f"Apellido{i % 997}",
            "email": f"persona{i}@ejemplo.mx", "phone": f"+5255{i:08d}",
            "companyName": f"Empresa {i % 311} SA de CV", "address1": f"Calle {i % 500} #12",
            "city": "Monterrey", "state": "NL", "postalCode": f"{i % 100000:05d}",
            "country": "MX", "dateOfBirth": f"19{60 + i % 40}-0{1 + i % 9}-1{i % 9}",
            "tags": ["cliente", "vip"] if i % 7 == 0 else ["cliente"], "source": "feria",
            "customFields": [
                {"key": "plan", "field_value": ("Gold", "Silver", "Bronze")[i % 3]},
                {"key": "idiomas", "field_value": ["es", "en"]},
                {"key": "renovacion", "field_value": "2026-07-01"},
            ],
        }
        for i in range(start, start + n)
    ]  # fmt: skip


@dataclass
class Remote:
    """The child-process sandbox as the parent sees it."""

    url: str
    token: str
    location_id: str
    admin: SandboxAdmin


def _serve(conn: Connection) -> None:
    with Sandbox(None, rate_limit=None, daily_limit=None) as sb:
        conn.send((sb.url, sb.token, sb.location_id))
        conn.recv()  # block until the parent is done


def seed(sb: Remote, n: int) -> None:
    admin, loc = sb.admin, sb.location_id
    admin.create_custom_field(loc, name="Plan", data_type="TEXT", field_key="contact.plan")
    admin.create_custom_field(loc, name="Idiomas", data_type="MULTIPLE_OPTIONS",
                              options=["es", "en"], field_key="contact.idiomas")
    admin.create_custom_field(loc, name="Renovación", data_type="DATE",
                              field_key="contact.renovacion")
    for start in range(0, n, 5_000):
        admin.seed(loc, contacts=people(start, min(5_000, n - start)))


async def _export(sb: Remote, target: Path, fmt: OutputFormat, spec: ExportSpec
                  ) -> tuple[ExportResult, int]:
    async with Client(base_url=sb.url, token=sb.token, location_id=sb.location_id) as client:
        result = await run_export(client, target=target, fmt=fmt, spec=spec)
        return result, client.stats.requests["POST /contacts/search"]


def export(sb: Remote, target: Path, fmt: OutputFormat, spec: ExportSpec | None = None
           ) -> tuple[ExportResult, int, float]:
    t0 = time.perf_counter()
    result, searches = asyncio.run(_export(sb, target, fmt, spec or ExportSpec()))
    return result, searches, time.perf_counter() - t0


async def _sample(sb: Remote, n: int) -> tuple[list[dict[str, Any]], CustomFieldIndex]:
    async with Client(base_url=sb.url, token=sb.token, location_id=sb.location_id) as client:
        custom = CustomFieldIndex.from_api(await client.custom_fields())
        data = await client.search({"pageLimit": SEARCH_PAGE_LIMIT, "page": 1})
        contacts: list[dict[str, Any]] = data["contacts"]
        while len(contacts) < n:
            contacts = contacts + contacts
        return contacts[:n], custom


def writer_rates(contacts: list[dict[str, Any]], custom: CustomFieldIndex, fmt: OutputFormat,
                 folder: Path, rows: int) -> tuple[float, float]:
    """Rows/s of (format + write, write only) with no HTTP, in 500-row pages like the export.

    "write only" feeds rows already formatted (the writer still neutralizes CSV cells and
    sets XLSX text cells); "format + write" starts from the API's contact objects.
    """
    cols = resolve_columns(None, custom)
    fmt_row = row_formatter(cols)
    page = [fmt_row(c) for c in contacts]
    rates = []
    for formatted in (False, True):
        out = open_output(folder / f"w.{fmt}", fmt=fmt)
        sheet = out.add_sheet("contacts", [c.header for c in cols],
                              text_columns=[i for i, c in enumerate(cols) if c.is_text])
        t0 = time.perf_counter()
        done = 0
        while done < rows:
            sheet.write_rows(page if formatted else [fmt_row(c) for c in contacts])
            done += len(contacts)
        out.commit()
        rates.append(done / (time.perf_counter() - t0))
    return rates[0], rates[1]


def library_rates(contacts: list[dict[str, Any]], custom: CustomFieldIndex, folder: Path,
                  rows: int) -> tuple[float, float]:
    """Rows/s of the bare csv.writer and xlsxwriter (constant_memory) on preformatted rows."""
    fmt_row = row_formatter(resolve_columns(None, custom))
    page = [fmt_row(c) for c in contacts]
    t0 = time.perf_counter()
    with open(folder / "lib.csv", "w", encoding="utf-8", newline="", buffering=1 << 20) as f:
        writer = csv.writer(f)
        for _ in range(rows // len(page)):
            writer.writerows(page)
    csv_rate = rows / (time.perf_counter() - t0)
    book = xlsxwriter.Workbook(str(folder / "lib.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet()
    t0 = time.perf_counter()
    r = 0
    for _ in range(rows // len(page)):
        for row in page:
            r += 1
            for col, cell in enumerate(row):
                if cell:
                    sheet.write_string(r, col, cell)
    book.close()
    return csv_rate, rows / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000, help="contacts to seed (default 100,000)")
    ap.add_argument("--real-n", type=int, default=60_000,
                    help="contacts exported at the real rate limit (default 60,000)")
    args = ap.parse_args()
    n = args.n
    parent, child = mp.Pipe()
    server = mp.Process(target=_serve, args=(child,), daemon=True)
    server.start()
    url, token, location_id = parent.recv()
    sb = Remote(url, token, location_id, SandboxAdmin(url))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run(sb, Path(tmp), n, args.real_n)
    finally:
        parent.send("stop")
        server.join(timeout=10)


def run(sb: Remote, folder: Path, n: int, real_n: int) -> None:
    """The four measurements, printed as they finish."""
    minimum = math.ceil(n / SEARCH_PAGE_LIMIT)
    t0 = time.perf_counter()
    seed(sb, n)
    print(f"seeded {n:,} contacts in {time.perf_counter() - t0:.1f} s\n")

    print("1. export, rate limit off (sandbox in a child process, same 2-core machine)")
    print(f"{'format':<7}{'rows':>10}{'searches':>10}{'minimum':>9}{'seconds':>9}"
          f"{'rows/s':>10}{'MB':>7}")
    for fmt in ("csv", "xlsx"):
        target = folder / f"all.{fmt}"
        result, searches, secs = export(sb, target, fmt)  # type: ignore[arg-type]
        mb = target.stat().st_size / 1e6
        print(f"{fmt:<7}{result.rows:>10,}{searches:>10}{minimum:>9}{secs:>9.1f}"
              f"{result.rows / secs:>10,.0f}{mb:>7.1f}")

    print("\n2. writers alone (no HTTP, 500-row pages), 100,000 rows, rows/s")
    contacts, custom = asyncio.run(_sample(sb, SEARCH_PAGE_LIMIT))
    lib_csv, lib_xlsx = library_rates(contacts, custom, folder, 20_000)
    lib = {"csv": f"(bare csv.writer {lib_csv:,.0f})",
           "xlsx": f"(bare xlsxwriter write_string {lib_xlsx:,.0f})", "jsonl": ""}
    print(f"{'format':<7}{'format+write':>14}{'write only':>12}")
    for fmt in ("csv", "xlsx", "jsonl"):
        both, write = writer_rates(contacts, custom, fmt, folder, 100_000)  # type: ignore[arg-type]
        print(f"{fmt:<7}{both:>14,.0f}{write:>12,.0f}  {lib[fmt]}")

    print("\n3. peak Python memory of a CSV export (tracemalloc) by N")
    ordered = sorted(sb.admin.contacts(sb.location_id), key=lambda c: c["dateAdded"])
    for size in sorted({min(n, 10_000), min(n, 50_000), n}):
        cut = ordered[size - 1]["dateAdded"]
        spec = ExportSpec(filters=[parse_filter(f"dateAdded<={cut}")])
        tracemalloc.start()
        result, _, _ = export(sb, folder / "mem.csv", "csv", spec)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"N={result.rows:>9,}  peak {peak / 1e6:6.1f} MB")

    real_n = min(real_n, n)
    print(f"\n4. real rate limit ({RATE} requests per {WINDOW_S:.0f} s), first {real_n:,}")
    sb.admin.set_limits(rate_limit=RATE, rate_interval_ms=int(WINDOW_S * 1000))
    cut = ordered[real_n - 1]["dateAdded"]
    spec = ExportSpec(filters=[parse_filter(f"dateAdded<={cut}")])
    result, searches, secs = export(sb, folder / "real.csv", "csv", spec)
    requests = result.requests
    print(f"rows {result.rows:,}  requests {requests} ({searches} searches)  "
          f"{secs:.1f} s  {result.rows / secs:,.0f} rows/s")
    full_requests = minimum + 1
    windows = math.ceil(full_requests / RATE) - 1
    estimate = windows * WINDOW_S + full_requests * (secs - (math.ceil(requests / RATE) - 1)
                                                     * WINDOW_S) / requests
    print(f"extrapolated for N={n:,}: {full_requests} requests -> {windows} full windows "
          f"of {WINDOW_S:.0f} s + transfer = ~{estimate:.0f} s")


if __name__ == "__main__":
    main()
