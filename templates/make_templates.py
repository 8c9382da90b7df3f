"""Write the blank import templates: ``python templates/make_templates.py``.

``contacts_template.csv`` / ``.xlsx`` carry every standard contact field as an English
header, ``plantilla_contactos.csv`` the same fields with Spanish headers. Every header maps
automatically (``bulkio map`` shows it); add ``cf:<name>`` columns for custom fields.
CSVs are UTF-8 with BOM so Excel shows accents correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent

ENGLISH = [
    "First Name", "Last Name", "Email", "Phone", "Address", "City", "State", "Postal Code",
    "Country", "Website", "Timezone", "Date of Birth", "Company", "Source", "Tags", "Gender",
    "DND", "Assigned To",
]  # fmt: skip
SPANISH = [
    "Nombre", "Apellidos", "Correo electrónico", "Teléfono", "Dirección", "Ciudad", "Estado",
    "Código postal", "País", "Sitio web", "Zona horaria", "Fecha de nacimiento", "Empresa",
    "Origen", "Etiquetas", "Género", "No molestar", "Asignado a",
]  # fmt: skip


def _csv(path: Path, headers: list[str]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerow(headers)


def _xlsx(path: Path, headers: list[str]) -> None:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"title": "bulkio contacts template", "created": dt.datetime(2026, 1, 1)})
    sheet = book.add_worksheet("Contacts")
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    for col, name in enumerate(headers):
        sheet.write_string(0, col, name, bold)
        # phones and postal codes as text, so Excel keeps "+" and leading zeros
        fmt = text if name in ("Phone", "Postal Code") else None
        sheet.set_column(col, col, max(12, len(name) + 2), fmt)
    sheet.freeze_panes(1, 0)
    book.close()


def main() -> None:
    _csv(HERE / "contacts_template.csv", ENGLISH)
    _xlsx(HERE / "contacts_template.xlsx", ENGLISH)
    _csv(HERE / "plantilla_contactos.csv", SPANISH)


if __name__ == "__main__":
    main()
