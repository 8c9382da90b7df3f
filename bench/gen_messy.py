"""Generate messy Spanish-locale contact spreadsheets (CSV and XLSX) for benchmarks.

The data looks like an agency's Mexican/LatAm export: ``;``-separated cp1252 CSV,
day-first dates, phones as ``+52 ...``, local 10 digits, ``044`` mobile prefix or Excel
numbers, Spanish country names, zips with leading zeros, tags, a custom ``Plan`` column,
multi-line company names, and a few bad rows (no email and no phone, invalid email,
impossible date, duplicate email, unknown country). Output is deterministic for a given
``n`` (seeded).

Run ``python bench/gen_messy.py out.csv 1000`` (``.xlsx`` for a workbook).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import xlsxwriter

HEADERS = [
    "Nombre", "Apellido", "Correo", "Teléfono", "País", "Ciudad", "Código Postal",
    "Fecha de nacimiento", "Etiquetas", "Empresa", "Plan",
]

_FIRST = ["José", "María", "Juan", "Ana", "Luis", "Lucía", "Jesús", "Sofía", "Andrés",
          "Mónica", "Raúl", "Begoña", "Íñigo", "Ximena", "Rodrigo", "Guadalupe"]
_LAST = ["García", "Hernández", "López", "Martínez", "González", "Pérez", "Rodríguez",
         "Sánchez", "Ramírez", "Núñez", "Muñoz", "Ibáñez", "Peña", "Cruz"]
_COUNTRIES = ["México", "Mexico", "MÉXICO", "méxico", "Estados Unidos", "España",
              "Colombia", "Perú", "Argentina", "Chile", "Guatemala", "EE. UU.", "MX", ""]
_CITIES = ["Ciudad de México", "Guadalajara", "Monterrey", "Puebla", "Mérida", "León",
           "Querétaro", "Bogotá", "Medellín", "Madrid", "Lima", "Santiago"]
_TAGS = ["vip", "cliente", "prospecto", "boletín", "evento 2024", "recompra", "frío"]
_COMPANIES = ["Acme S.A. de C.V.", "Grupo Peñasco", "Tacos El Güero", "Consultoría Ñandú",
              "Distribuidora del Bajío", "", ""]
_PLANS = ["Básico", "Premium", "Pro", "Empresarial", ""]


def _phone(rnd: random.Random) -> str | int:
    area = rnd.choice(["55", "33", "81", "222", "999"])
    rest = "".join(rnd.choice("0123456789") for _ in range(10 - len(area)))
    local = area + rest
    style = rnd.randrange(7)
    if style == 0:
        return f"+52 {area} {rest[:4]} {rest[4:]}"
    if style == 1:
        return f"044 {area} {rest}"
    if style == 2:
        return f"({area}) {rest[:4]}-{rest[4:]}"
    if style == 3:
        return f"+521{local}"
    if style == 4:
        return int(local)  # Excel stored it as a number
    if style == 5:
        return f"045{local}"
    return local


def _rows(n: int) -> Iterator[list[str | int | dt.date]]:
    rnd = random.Random(20240605 + n)
    emails: list[str] = []
    for i in range(n):
        first, last = rnd.choice(_FIRST), rnd.choice(_LAST)
        user = f"{first}.{last}{i}".lower().replace(" ", "")
        email = f"{user}@ejemplo.com.mx"
        phone: str | int = _phone(rnd)
        born: str | dt.date = dt.date(1950 + rnd.randrange(55), rnd.randrange(1, 13),
                                      rnd.randrange(1, 29))
        country = rnd.choice(_COUNTRIES)
        zipcode = f"{rnd.randrange(1000, 99999):05d}"
        tags = ", ".join(rnd.sample(_TAGS, rnd.randrange(0, 3)))
        company = rnd.choice(_COMPANIES)
        bad = rnd.random()
        if bad < 0.01:
            email, phone = "", ""  # no identifier
        elif bad < 0.03:
            email = f"{user}@"  # invalid email
        elif bad < 0.035:
            born = "31/02/1990"  # impossible date
        elif bad < 0.045 and emails:
            email = rnd.choice(emails)  # duplicate in file
        elif bad < 0.05:
            country = "Narnia"
        elif bad < 0.055:
            company = "Comercializadora\nNorte S.A."  # multi-line cell
        if len(emails) < 1000:
            emails.append(email)
        yield [first, last, email, phone, country, rnd.choice(_CITIES), zipcode, born,
               tags, company, rnd.choice(_PLANS)]


def _text(value: str | int | dt.date) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")  # day-first, as Mexican Excel writes it
    return str(value)


def write_messy_csv(
    path: str | Path, n: int, *, encoding: str = "cp1252", delimiter: str = ";"
) -> Path:
    """Write ``n`` messy contact rows (plus the header) as CSV; return the path."""
    p = Path(path)
    with p.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        w.writerow(HEADERS)
        for row in _rows(n):
            w.writerow([_text(v) for v in row])
    return p


def write_messy_xlsx(path: str | Path, n: int) -> Path:
    """Write ``n`` messy rows as XLSX under a title row and a blank row; return the path.

    Dates are real date cells (dd/mm/yyyy format), some phones are numbers, zips are
    text so their leading zeros survive; the header is on row 3.
    """
    p = Path(path)
    wb = xlsxwriter.Workbook(str(p), {"constant_memory": True})
    ws = wb.add_worksheet("Contactos")
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_string(0, 0, "Exportación de contactos - Agencia Ejemplo")
    ws.write_row(2, 0, HEADERS)
    for r, row in enumerate(_rows(n), start=3):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_fmt)
            elif isinstance(value, int):
                ws.write_number(r, c, value)
            elif value:
                ws.write_string(r, c, value)
    wb.close()
    return p


if __name__ == "__main__":
    target = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    if target.suffix.lower() == ".xlsx":
        write_messy_xlsx(target, count)
    else:
        write_messy_csv(target, count)
