"""Journal and report throughput: row results recorded per second, report rows written per second.

Usage: .venv/bin/python bench/journal_bench.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bulkio.files.table import SourceRow
from bulkio.reports.reporter import write_reports
from bulkio.runs.journal import Journal, fingerprint

HEADERS = ["Nombre", "Apellido", "Correo", "Teléfono", "Ciudad", "Etiquetas"]


def source(n: int) -> Iterator[SourceRow]:
    for i in range(n):
        yield SourceRow(i + 2, {
            "Nombre": f"José {i}", "Apellido": "Pérez Núñez", "Correo": f"jose{i}@ejemplo.mx",
            "Teléfono": f"+52 55 {i:08d}", "Ciudad": "Ciudad de México", "Etiquetas": "vip;mx",
        })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    n = parser.parse_args().rows
    figures: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        fps = [fingerprint({"email": f"jose{i}@ejemplo.mx"}, location_id="L1", mode="upsert")
               for i in range(n)]
        with Journal.open(out / "journal.db") as j:
            run = j.start_run(command="import", location_id="L1", mode="upsert")
            t = time.perf_counter()
            for i in range(n):
                row = i + 2
                if i % 10 == 9:
                    j.record_row(run.id, row, status="failed", error_code="api-422",
                                 error_message="email is invalid", http_status=422)
                else:
                    j.record_row(run.id, row, status="ok", action="created",
                                 contact_id=f"c{i:020d}", fingerprint=fps[i])
            j.flush()
            figures.append(("journal record_row (+fingerprint)", n, time.perf_counter() - t))

            t = time.perf_counter()
            for i in range(0, n, 10):
                j.record_intent(run.id, i + 2, "note", contact_id=f"c{i:020d}")
            figures.append(("journal record_intent (commit each)", n // 10,
                            time.perf_counter() - t))

            t = time.perf_counter()
            known = j.known_fingerprints("L1", fps)
            figures.append(("journal known_fingerprints", len(fps), time.perf_counter() - t))
            assert len(known) == n - n // 10

            t = time.perf_counter()
            states = j.row_states(run.id)
            figures.append(("journal row_states", len(states), time.perf_counter() - t))

        for fmt in ("csv", "xlsx"):
            t = time.perf_counter()
            report = write_reports(source_rows=source(n), headers=HEADERS, states=states,
                                   out_dir=out, stem="bench", fmt=fmt)
            figures.append((f"write_reports {fmt}", report.rows, time.perf_counter() - t))

    print(f"{'operation':<40} {'rows':>9} {'seconds':>8} {'rows/s':>10}")
    for name, rows, secs in figures:
        print(f"{name:<40} {rows:>9} {secs:>8.2f} {rows / secs:>10,.0f}")


if __name__ == "__main__":
    main()
