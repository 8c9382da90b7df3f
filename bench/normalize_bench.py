"""Throughput of the normalizers on 200k realistic cell values.

Real files repeat values (a few thousand distinct phones per 10k rows at most, a handful
of countries and booleans), so each column is drawn from a pool of distinct values and
the caches matter. The ``cold`` column clears the caches first and normalizes every
distinct value once: that is the cost of a file where nothing repeats.

Run from the repo root: ``.venv/bin/python bench/normalize_bench.py [--rows 200000]``
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bulkio.clean.normalize import country, dates, email, phone, text

TODAY = date(2026, 11, 26)


def _phones(rng: random.Random, distinct: int) -> list[str]:
    shapes = [
        "55 {a} {b}",
        "(55) {a}-{b}",
        "044 55 {a} {b}",
        "+52 1 55 {a} {b}",
        "55{a}{b}.0",
        "+52 (33) {a} {b}",
        "81.{a}.{b}",
    ]
    return [
        rng.choice(shapes).format(a=rng.randint(2000, 9999), b=rng.randint(1000, 9999))
        for _ in range(distinct)
    ]


def _dates(rng: random.Random, distinct: int) -> list[str]:
    months = ["enero", "junio", "sept", "Jun", "dic"]
    out = []
    for _ in range(distinct):
        y, m, d = rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)
        out.append(
            rng.choice(
                [
                    f"{d:02d}/{m:02d}/{y}",
                    f"{y}-{m:02d}-{d:02d}",
                    f"{y}-{m:02d}-{d:02d} 00:00:00",
                    f"{d} de {rng.choice(months)} de {y}",
                    str((date(y, m, d) - date(1899, 12, 30)).days),
                ]
            )
        )
    return out


def _columns(rng: random.Random) -> dict[str, tuple[list[str], Callable[[str], Any]]]:
    countries = ["México", "MX", "Mexico", "EE.UU.", "USA", "Colombia", "España", "Perú"]
    return {
        "phone (MX)": (_phones(rng, 20_000), lambda v: phone.normalize_phone(v, region="MX")),
        "country": ([*countries, "Brasil", "Reino Unido", "Narnia"], country.normalize_country),
        "date (DMY)": (
            _dates(rng, 8_000),
            lambda v: dates.normalize_date(v, order="DMY", today=TODAY),
        ),
        "email": (
            [f"User{i}@Example{i % 50}.COM" for i in range(20_000)],
            email.normalize_email,
        ),
        "tags": (
            ["VIP, cliente", "lead; frío", "promo 2024|VIP", "nuevo", "a, b, c, a"],
            text.split_tags,
        ),
        "boolean": (["sí", "no", "x", "1", "0", "TRUE", "Falso"], text.parse_bool),
        "gender": (["M", "F", "masculino", "Femenino", "mujer"], text.normalize_gender),
        "timezone": (
            ["America/Mexico_City", "america/bogota", "UTC", "Europe/Madrid"],
            text.normalize_timezone,
        ),
        "website": (
            [f"www.empresa{i}.com.mx" for i in range(2_000)],
            text.normalize_website,
        ),
        "postal code (MX)": (
            [str(rng.randint(1000, 99999)) for _ in range(5_000)],
            lambda v: text.normalize_postal_code(v, country="MX"),
        ),
        "dnd": (["sí", "no", "sms, email", "sms:active; call:inactive"], text.normalize_dnd),
    }


def _clear_caches() -> None:
    for func in (
        phone._normalize,
        country.normalize_country,
        dates._normalize,
        email.normalize_email,
        text.normalize_timezone,
        text.normalize_website,
    ):
        func.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    columns = _columns(rng)
    country.normalize_country("MX")  # build the index outside the timings
    print(f"{'normalizer':<18}{'distinct':>9}{'cold values/s':>15}{'file values/s':>15}")
    for name, (pool, func) in columns.items():
        _clear_caches()
        started = time.perf_counter()
        for value in pool:
            func(value)
        cold = len(pool) / (time.perf_counter() - started)
        values = [rng.choice(pool) for _ in range(args.rows)]
        _clear_caches()
        started = time.perf_counter()
        for value in values:
            func(value)
        warm = len(values) / (time.perf_counter() - started)
        print(f"{name:<18}{len(pool):>9}{cold:>15,.0f}{warm:>15,.0f}")


if __name__ == "__main__":
    main()
