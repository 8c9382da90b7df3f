"""Write the sample files deterministically: ``python samples/make_samples.py``.

``contactos_mx.csv``: 60 contacts as a Mexican CRM exports them (cp1252, ``;``, CRLF,
day-first dates, +52 / local / 044 / 045 / 01 phones, Spanish country names, a custom-field
column ``Plan``) with deliberate problems: two rows without email or phone, an impossible
date, an in-file duplicate, a bad phone, an unknown country, a bad email.

``clientes.xlsx``: 30 contacts under two title rows, with real date cells, numeric phones,
and postal codes with leading zeros stored as text; one row without identifiers and one
repeating an earlier phone. Expected results are asserted in ``tests/test_prepare.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent

FIRST = ["José", "María", "Juan", "Guadalupe", "Francisco", "Verónica", "Andrés", "Sofía",
         "Luis", "Ximena", "Jesús", "Renata", "Ángel", "Daniela", "Raúl", "Mónica"]
LAST = ["Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez",
        "Sánchez", "Ramírez", "Cruz", "Flores", "Gómez", "Muñoz", "Ibáñez"]
CITIES = [("Ciudad de México", "CDMX", "55", "06700"), ("Guadalajara", "Jalisco", "33", "44100"),
          ("Monterrey", "Nuevo León", "81", "64000"), ("Puebla", "Puebla", "222", "72000"),
          ("Mérida", "Yucatán", "999", "97000")]
COUNTRIES = ["México", "MÉXICO", "Mexico", "MX", "méxico", "Estados Unidos Mexicanos"]
PLANS = ["Básico", "Pro", "Empresarial"]
TAGS = ["cliente", "prospecto", "vip", "newsletter", "evento 2025"]
HEADERS = ["Nombre", "Apellidos", "Correo electrónico", "Teléfono", "Ciudad", "Estado", "C.P.",
           "País", "Fecha de nacimiento", "Etiquetas", "Plan", "Notas internas"]


def _ascii(text: str) -> str:
    table = str.maketrans("áéíóúñÁÉÍÓÚÑüÜ", "aeiounAEIOUNuU")
    return text.translate(table).lower().replace(" ", "")


def _phone(rnd: random.Random, area: str, i: int) -> str:
    local_len = 10 - len(area)
    number = area + "".join(str(rnd.randint(0, 9)) for _ in range(local_len))
    style = i % 5
    if style == 0:
        return f"+52 {number[:2]} {number[2:6]} {number[6:]}"
    if style == 1:
        return f"{number[:3]}-{number[3:6]}-{number[6:]}"
    if style == 2:
        return f"044 {number}"
    if style == 3:
        return f"045 ({number[:3]}) {number[3:]}"
    return f"01 {number}"


def contactos_rows() -> list[list[str]]:
    rnd = random.Random(2026)
    rows: list[list[str]] = []
    for i in range(60):
        first, last = FIRST[i % len(FIRST)], f"{rnd.choice(LAST)} {rnd.choice(LAST)}"
        city, state, area, zip_code = CITIES[i % len(CITIES)]
        email = f"{_ascii(first)}.{_ascii(last.split()[0])}{i}@ejemplo.com.mx"
        if i % 7 == 3:
            email = email.upper()
        birth = dt.date(1960 + rnd.randint(0, 40), rnd.randint(1, 12), rnd.randint(1, 28))
        tags = ", ".join(rnd.sample(TAGS, rnd.randint(0, 2)))
        rows.append([first, last, email, _phone(rnd, area, i), city, state, zip_code,
                     COUNTRIES[i % len(COUNTRIES)], birth.strftime("%d/%m/%Y"), tags,
                     PLANS[i % len(PLANS)], "llamar en la tarde" if i % 9 == 0 else ""])
    # deliberate problems (row numbers = index + 2, the header being line 1)
    rows[4][2], rows[4][3] = "", ""                      # row 6: no email, no phone
    rows[11][2], rows[11][3] = "juan.perez@", ""         # row 13: bad email, no phone
    rows[17][8] = "31/02/1988"                           # row 19: impossible date
    rows[23][2] = rows[1][2].upper()                     # row 25: duplicate of row 3
    rows[29][3] = "12345"                                # row 31: bad phone, email ok
    rows[35][7] = "Narnia"                               # row 37: unknown country
    rows[40][8] = "25/12/1990"                           # row 42: proves day-first
    return rows


def write_contactos(path: Path) -> None:
    with path.open("w", encoding="cp1252", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(contactos_rows())


def write_clientes(path: Path) -> None:
    rnd = random.Random(7)
    phones = [int("55" + "".join(str(rnd.randint(0, 9)) for _ in range(8))) for _ in range(30)]
    zips = [f"0{rnd.randint(1000, 9999)}" for _ in range(30)]
    phones[20] = phones[2]  # row 25 repeats the phone of row 7 (another email, same person)
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2026, 1, 15, 9, 0, 0)})
    sheet = book.add_worksheet("Clientes")
    date_fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    text = book.add_format({"num_format": "@"})
    sheet.write_string(0, 0, "Reporte de clientes - Sucursal Centro")
    sheet.write_string(1, 0, "Generado el 15/01/2026")
    headers = ["Nombre completo", "Email", "Teléfono", "Empresa", "Código Postal", "País",
               "Fecha de nacimiento", "Etiquetas"]
    for col, name in enumerate(headers):
        sheet.write_string(3, col, name)
    companies = ["Abarrotes Lupita", "Taller Hnos. Ruiz", "Consultoría Delta", ""]
    for i in range(30):
        r = 4 + i  # 0-based; the sheet shows row r + 1
        sheet.write_string(r, 0, f"{FIRST[(i * 3) % len(FIRST)]} {LAST[i % len(LAST)]}")
        if i != 9:  # row 14 has neither email nor phone
            sheet.write_string(r, 1, f"cliente{i:02d}@correo.mx")
            sheet.write_number(r, 2, phones[i])
        if companies[i % len(companies)]:
            sheet.write_string(r, 3, companies[i % len(companies)])
        sheet.write_string(r, 4, zips[i], text)
        sheet.write_string(r, 5, "México")
        sheet.write_datetime(r, 6, dt.datetime(1970 + i, (i % 12) + 1, (i % 27) + 1), date_fmt)
        sheet.write_string(r, 7, "cliente; sucursal centro")
    book.close()


def main() -> None:
    write_contactos(HERE / "contactos_mx.csv")
    write_clientes(HERE / "clientes.xlsx")


if __name__ == "__main__":
    main()
